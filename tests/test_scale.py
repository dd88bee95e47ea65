"""Season scale: the tick's shared candidate pools rank exactly as the per-shift pre-filter, the
tick lets handlers in, search goes through the full-text index with Arabic folding, and /stats'
specialty counts follow every change."""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import time, timedelta

import pytest

from bot import db, scheduler
from bot.candidate_pool import SpecialtyPool, Stats
from bot.operations import dispatch
from bot.volunteers import search_key
from tests.factories import create_entity, create_need, create_user, create_volunteer
from tests.factories_dispatch import TUESDAY, local, locate_need, outbox
from tests.harness import BotHarness
from tests.test_dispatch_prefilter import _population


async def test_shared_pool_ranks_as_the_prefilter(bot: BotHarness) -> None:
    entity_id = await create_entity(bot.db)
    ids = await _population(bot, entity_id)
    # Languages asked for at Quba: there, speakers of them come first within a rank tier.
    await create_need(bot.db, entity_id, first_day=TUESDAY + timedelta(days=7), site_name="Quba",
                      languages=("ur", "en"), specialty="translation")
    settings, now = bot.settings, bot.clock.now()
    cases = [
        dict(),
        dict(gender="female", site_name="Quba"),
        dict(languages=("ur",), site_name="Quba"),
        dict(requires_training=True, min_age=18),
        dict(specialty="healthcare", start=time(20), end=time(2)),
        dict(start=time(2), end=time(5), gender="male", languages=("en",)),
    ]
    busy = dispatch.Busy.from_rows(
        await db.busy_windows(bot.db, start=now - timedelta(days=30), end=now + timedelta(days=30))
    )
    stats = await Stats.load(db.all_volunteer_stats(bot.db, since=now - dispatch.STATS_WINDOW, now=now))
    pools: dict[str, SpecialtyPool] = {}
    compared = 0
    for case in cases:
        _need, (shift_id,) = await create_need(
            bot.db, entity_id, first_day=TUESDAY, start=case.pop("start", time(8)),
            end=case.pop("end", time(14)), **case,
        )
        spec = await dispatch.load_spec(bot.db, await db.get_shift(bot.db, shift_id))
        if spec.specialty not in pools:
            rows = db.matching_pool(bot.db, spec.specialty, now=now)
            pools[spec.specialty] = await SpecialtyPool.build(spec.specialty, rows, stats, db.parse_ts)
        asked = (await db.asked_by_shift(bot.db, [shift_id]))[shift_id]
        for limit in (1, 3, 10, 500):
            expected = await dispatch.ranked_candidates(bot.db, settings, spec, now=now, limit=limit)
            got = pools[spec.specialty].best(
                spec, dispatch.rules(settings), now=now, limit=limit, asked=asked, busy=busy
            )
            assert [c.user_id for c in got] == [c.user_id for c in expected], (case, limit)
            compared += len(got)
    assert compared > 50 and len(ids) == 160


async def test_a_handler_is_answered_while_a_long_tick_runs(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    for user_id in range(100, 160):
        await create_volunteer(bot.db, user_id)
    await create_need(bot.db, entity, first_day=TUESDAY, days=20, slots=3)
    await create_user(bot.db, 900, locale="en")
    tick = asyncio.create_task(scheduler.tick(bot.app))
    await asyncio.sleep(0)
    calls = await bot.command(bot.user(900, "Sam", "en"), "/help")
    assert calls and not tick.done()  # answered between the tick's shifts, not after them all
    report = await tick
    assert report.offers_made > 0 and report.errors == 0


async def test_a_ticks_writes_make_no_trip_to_the_writers_thread(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tick's transactions run on the event loop's thread (with breaks: test_db.py); only its
    large reads go to a reader's thread."""
    entity = await create_entity(bot.db)
    for user_id in range(100, 160):
        await create_volunteer(bot.db, user_id)
    await create_need(bot.db, entity, first_day=TUESDAY, days=5, slots=3)  # one series message each
    await create_need(bot.db, entity, first_day=TUESDAY, slots=2, specialty="healthcare")
    writer = bot.db._writer
    assert writer is not None
    trips: list[object] = []
    trip = writer._execute

    async def counted(function, *args, **kwargs):  # type: ignore[no-untyped-def]
        trips.append(function)
        return await trip(function, *args, **kwargs)

    monkeypatch.setattr(writer, "_execute", counted)
    report = await scheduler.tick(bot.app)
    assert report.offers_made > 0 and report.errors == 0
    assert trips == []
    assert db.WRITES_ON_LOOP.get() is None  # set for the tick only
    assert await outbox(bot.db)  # the offers' messages, queued in the same transactions


async def test_every_ranking_and_pool_chunk_waits_for_the_updates_being_answered(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tick's pieces of work on the event loop (a pool's chunk of rows, a shift's ranking,
    a slice of busy windows) each come after a pause, so an update being answered goes first."""
    entity = await create_entity(bot.db)
    for user_id in range(100, 160):
        await create_volunteer(bot.db, user_id)
    await create_need(bot.db, entity, first_day=TUESDAY, days=5, slots=3)  # a multi-day need
    await create_need(bot.db, entity, first_day=TUESDAY, slots=2, specialty="healthcare")
    monkeypatch.setattr(db, "CHUNK_ROWS", 7)  # several chunks per pool with 60 volunteers
    log: list[str] = []

    async def pause() -> None:
        log.append("pause")

    def chunks_of(read):  # type: ignore[no-untyped-def]
        def wrapped(*args, **kwargs):  # type: ignore[no-untyped-def]
            async def rows():  # type: ignore[no-untyped-def]
                async for chunk in read(*args, **kwargs):
                    log.append("chunk")
                    yield chunk
            return rows()
        return wrapped

    best = SpecialtyPool.best

    def ranked(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        log.append("rank")
        return best(self, *args, **kwargs)

    monkeypatch.setattr(db, "matching_pool", chunks_of(db.matching_pool))
    monkeypatch.setattr(SpecialtyPool, "best", ranked)
    report = scheduler.TickReport()
    await scheduler.dispatch_waves(
        bot.db, bot.settings, now=bot.clock.now(), report=report, pause=pause
    )
    assert report.offers_made > 0 and log.count("rank") == 6 and log.count("chunk") >= 8
    for index, step in enumerate(log):
        if step == "chunk":  # read, then a pause before its rows are built
            assert log[index + 1] == "pause", (index, log)
        if step == "rank":  # a pause before each shift's ranking
            assert log[index - 1] == "pause", (index, log)


async def test_escalations_count_who_fits_without_holding_the_writer(
    make_bot: Callable[..., Awaitable[BotHarness]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The feasibility count of an escalated shift walks the specialty's volunteers: it is read
    on the background connection before the escalation's transaction, not inside it."""
    bot = await make_bot(ESCALATION_LEADS="24h,6h")
    entity = await create_entity(bot.db, reps=(601,))
    for user_id in range(301, 306):
        await create_volunteer(bot.db, user_id)
    await create_need(bot.db, entity, first_day=TUESDAY, slots=8)
    counted: list[bool] = []
    count = db.feasibility_counts

    async def feasibility_counts(conn, **kwargs):  # type: ignore[no-untyped-def]
        counted.append(isinstance(conn, db.Tx) or bot.db._writing_task is not None)
        return await count(conn, **kwargs)

    monkeypatch.setattr(db, "feasibility_counts", feasibility_counts)
    await scheduler.tick(bot.app)
    bot.clock.advance(local(TUESDAY, 8) - timedelta(hours=24) - bot.clock.now())
    assert (await scheduler.tick(bot.app)).escalated == 1
    assert counted == [False]  # counted once, with no transaction open


async def test_the_bots_own_process_freezes_the_heap_start_up_built(bot: BotHarness) -> None:
    """python -m bot marks its Application as the process's own; its post_init then moves what
    start-up built out of the collector's sight. Tests (many Applications a process) do not."""
    assert gc.get_freeze_count() == 0
    assert bot.app.post_init is not None
    try:
        bot.app.bot_data["own_process"] = True
        await bot.app.post_init(bot.app)
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
        bot.app.bot_data.pop("own_process")


async def test_search_folds_arabic_forms_through_the_index(bot: BotHarness) -> None:
    await create_user(bot.db, 1, role="coordinator", first_name="Coord", locale="en")
    coord = bot.user(1, "Coord", "en")
    for uid, name, phone in (
        (501, "عبد الله بن سعيد", "+966501111111"),
        (502, "عبدالرحمن الحربي", "+966502222222"),
        (503, "فاطمة الزهراء", "+966503333333"),
        (504, "إسراء مُحَمَّد", "+966504444444"),
    ):
        await create_volunteer(bot.db, uid, full_name=name, phone=phone)
        async with bot.db.transaction() as tx:  # as registration stores it
            await tx.execute(
                "UPDATE volunteers SET search_name = ? WHERE user_id = ?", (search_key(name), uid)
            )

    async def found(query: str) -> list[str]:
        calls = await bot.command(coord, f"/volunteers {query}")
        return [data for _label, data in calls[0].buttons if data.startswith("vol:v:")]

    assert await found("عبدالله") == ["vol:v:501"]  # without the space
    assert await found("عبد الرحمن") == ["vol:v:502"]  # with it
    assert await found("فاطمه") == ["vol:v:503"]  # taa marbuta
    assert await found("اسراء") == ["vol:v:504"]  # hamza under the alef
    assert await found("محمد") == ["vol:v:504"]  # the stored name had diacritics
    assert await found("الحَربي") == ["vol:v:502"]  # the query has them
    assert await found("0503333333") == ["vol:v:503"]
    assert await found("504444") == ["vol:v:504"]  # part of the number
    plan = await bot.db.fetchall(
        "EXPLAIN QUERY PLAN SELECT rowid FROM volunteer_search WHERE volunteer_search MATCH ?",
        ('name : "محمد"',),
    )
    assert "VIRTUAL TABLE INDEX" in plan[0]["detail"]
    # Deleted volunteers leave the index; a changed name is found by its new form.
    async with bot.db.transaction() as tx:
        await db.erase_volunteer(tx, 503, now=bot.clock.now())
        await tx.execute(
            "UPDATE volunteers SET full_name = ?, search_name = ? WHERE user_id = 501",
            ("Yusuf Ali", search_key("Yusuf Ali")),
        )
    assert await found("فاطمه") == []
    assert await found("yusuf") == ["vol:v:501"] and await found("عبدالله") == []


async def test_specialty_counts_follow_registrations_status_and_deletion(bot: BotHarness) -> None:
    async def counted() -> dict[str, int]:
        return {r["specialty"]: r["n"] for r in await db.stats_specialties(bot.db)}

    async def grouped() -> dict[str, int]:
        rows = await bot.db.fetchall(
            "SELECT s.specialty, COUNT(*) AS n FROM volunteer_specialties s"
            " JOIN volunteers v ON v.user_id = s.user_id WHERE v.status IN ('active', 'paused')"
            " GROUP BY s.specialty"
        )
        return {r["specialty"]: r["n"] for r in rows}

    await create_volunteer(bot.db, 1, specialties=("guidance", "relief"))
    await create_volunteer(bot.db, 2, specialties=("guidance",), status="pending")
    await create_volunteer(bot.db, 3, specialties=("relief", "traffic"), status="paused")
    assert await counted() == await grouped() == {"guidance": 1, "relief": 2, "traffic": 1}
    now = bot.clock.now()
    async with bot.db.transaction() as tx:
        await db.approve_volunteer(tx, 2, approved_by=9, now=now)
        await db.set_volunteer_status(tx, 1, "suspended", expected=("active",), now=now)
        await db.erase_volunteer(tx, 3, now=now)
    assert await counted() == await grouped() == {"guidance": 1}


async def test_expiry_in_chunks_edits_the_sent_offers_and_withdraws_the_unsent(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Set-based expiry (several chunks of a few statements each) has the effect of closing
    each offer on its own: the delivered ones edited in the reader's language, the ones still
    queued withdrawn with their map, nothing done twice."""
    monkeypatch.setattr(scheduler, "EXPIRY_CHUNK", 3)
    entity = await create_entity(bot.db)
    for user_id, locale in ((701, "ar"), (702, "en"), (703, "en"), (704, "ar"), (705, "en")):
        await create_volunteer(bot.db, user_id, locale=locale)
    await create_need(bot.db, entity, first_day=TUESDAY, slots=2)
    await scheduler.tick(bot.app)
    delivered = {c.chat_id: c for c in await bot.flush_outbox()}  # 3 offers, sent
    need, _shifts = await create_need(bot.db, entity, first_day=TUESDAY + timedelta(days=1), slots=2)
    await locate_need(bot.db, need, 24.4, 39.6)
    await scheduler.tick(bot.app)  # 3 more offers (with a map each), still queued
    rows = await outbox(bot.db, "offer:")
    queued = [r for r in rows if r["status"] == "pending"]
    message_ids = {r["chat_id"]: r["message_id"] for r in rows if r["status"] == "sent"}
    assert len(delivered) == 3 and len(queued) == 6  # 3 venues, 3 offers

    bot.clock.advance(hours=3, minutes=1)
    report = await scheduler.tick(bot.app)
    calls = await bot.flush_outbox()

    assert report.expired_offers == 6
    edits = {c.chat_id: c for c in calls if c.method == "editMessageText"}
    assert sorted(edits) == sorted(delivered)
    for chat_id, edit in edits.items():
        assert edit.text.startswith(delivered[chat_id].text)
        assert edit.params["message_id"] == message_ids[chat_id]
        english = chat_id in (702, 703, 705)
        assert ("This offer has expired" in edit.text) is english
        assert ("انتهت مهلة هذا العرض" in edit.text) is not english
    statuses = {r["id"]: r["status"] for r in await outbox(bot.db, "offer:")}
    assert all(statuses[r["id"]] == "cancelled" for r in queued)
    again = await scheduler.tick(bot.app)
    assert again.expired_offers == 0
    assert [c for c in await bot.flush_outbox() if c.method == "editMessageText"] == []


def test_the_bot_loads_charts_pdf_and_spreadsheet_libraries_only_when_used() -> None:
    """matplotlib, fpdf, openpyxl and icalendar (~90 MB together with numpy, fontTools and
    Pillow) are imported when a chart, certificate, workbook or calendar file is made."""
    heavy = ("matplotlib", "numpy", "fpdf", "fontTools", "PIL", "openpyxl", "icalendar", "segno")
    code = "import sys, bot.app; print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert [name for name in heavy if name in loaded] == []

"""The dispatch scheduler: one `tick()` asks the database what is due and does it.

The database is the source of truth and the scheduler only a clock (DESIGN.md, "Rules of the
road"). Every step marks its work done in the same transaction that enqueues the message, and
every message has a dedupe key, so a tick run twice, late, or after a crash sends nothing twice
and loses nothing:

  offer:<assignment>, promo:<assignment>:<time>  offers and waitlist promotions
  series:<series>, series:<series>:venue            several days of one need offered at once
  series:<series>:v<days closed>                   that message edited as its days expire
  <that key>:closed                               the edit saying an offer expired
  rem:<assignment>:<lead seconds>                  reminders
  digest:<recipient>:<first alert>:<page>          at-risk and no-show alerts, one digest a window
  latecancel:<assignment>:<time>:<recipient>       late cancellations (sent by dispatch.cancel)
  checkin:<assignment>                             "tap Check in" (CHECKIN_LEAD before the start)
  thanks:<assignment>                              the thank-you once a shift is completed
  noshow:<assignment>                              the kind word to a no-show (with "what happened")
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram.ext import Application

from bot import db, delivery, health, language_rule, matching, trainings
from bot.candidate_pool import SpecialtyPool, Stats
from bot.config import Settings
from bot.context import Context
from bot.db import Database
from bot.i18n import use_reader
from bot.notices import dispatch as texts
from bot.operations import attendance, digests, dispatch, escalations
from bot.operations import needs as needs_ops
from bot.operations import trainings as training_operations

log = logging.getLogger(__name__)

JOB_NAME = "dispatch-tick"
# No new offers for a shift about to start: nobody could answer and get there in time.
MIN_OFFER_LEAD = timedelta(minutes=30)
# A shift that ran out of candidates is looked at again after this long (new registrations,
# changed availability), not on every tick: ranking it again and again would find no one.
EXHAUSTED_RETRY = timedelta(minutes=10)
BATCH = 500
# Expiries per write transaction, a few set-based statements each: the writer is shared with
# handlers, which wait for it at most one chunk.
EXPIRY_CHUNK = 250
WAVE_CHUNK = 100  # shifts whose already-asked volunteers are read in one query
TICK_BREAK_EVERY = 20  # statements of a tick's transaction between two breaks for handlers


@dataclass
class TickReport:
    """What one tick did."""

    expired_offers: int = 0
    expired_holds: int = 0
    promoted: int = 0
    shifts_considered: int = 0
    offers_made: int = 0
    reminders_sent: int = 0
    reminders_skipped: int = 0
    at_risk: int = 0
    checkins_asked: int = 0
    completed: int = 0
    no_shows: int = 0
    needs_closed: int = 0
    escalated: int = 0
    digests: int = 0
    errors: int = 0
    seconds: float = 0.0

    def busy(self) -> bool:
        """Did this tick change anything?"""
        return any(v for k, v in asdict(self).items() if k not in ("seconds", "shifts_considered"))


async def tick(app: Application[Any, Any, Any, Any, Any, Any], now: datetime | None = None) -> TickReport:
    """One full pass: expire offers and waitlist holds, refill the waitlist's freed places, keep
    offers going out in waves, send due reminders, and flag unconfirmed shifts."""
    database: Database = app.bot_data["db"]
    settings: Settings = app.bot_data["settings"]
    now = now or app.bot_data["clock"].now()
    report = TickReport()
    started = time.perf_counter()
    exhausted = app.bot_data.setdefault("dispatch_exhausted", {})
    pause = handlers_first(app)
    # The tick's transactions on the event loop's thread too, with a break every
    # TICK_BREAK_EVERY statements (db.WRITES_ON_LOOP): a trip to the writer's thread per
    # statement was a fifth of a tick three hours after a season's first wave.
    writes = db.WRITES_ON_LOOP.set(TICK_BREAK_EVERY)
    steps: tuple[tuple[str, Callable[..., Awaitable[None]], dict[str, Any]], ...] = (
        ("expire offers", expire_offers, {"pause": pause}),
        ("waves", dispatch_waves, {"exhausted": exhausted, "pause": pause}),
        ("reminders", send_due_reminders, {}),
        ("at-risk", flag_at_risk, {}),
        ("check-in", send_checkin_prompts, {}),
        ("attendance", settle_attendance, {}),
        ("waiting needs", close_started_needs, {}),
        ("short shifts", escalate_short_shifts, {"pause": pause}),
        ("qualifications", tell_expiring_qualifications, {}),
        ("digests", send_digests, {}),  # last: carries the alerts the steps above raised
    )
    try:
        for name, step, extra in steps:
            # One failing step (say, a malformed row) must not stop reminders from going out; what
            # it did not finish is still due, so the next tick tries again.
            try:
                await step(database, settings, now=now, report=report, **extra)
            except Exception:
                report.errors += 1
                log.exception("dispatch tick: %s failed", name)
            if step is dispatch_waves and report.shifts_considered:
                release_freed_memory()  # the pools it ranked with are gone
        report.seconds = time.perf_counter() - started
        await health.beat(database, health.TICK, now=now, detail={"errors": report.errors})
    finally:
        db.WRITES_ON_LOOP.reset(writes)
    return report


Pause = Callable[[], Awaitable[None]]


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to do
        return None


def release_freed_memory() -> None:
    """Give the memory a tick freed back to the system (glibc's malloc_trim). Without it the
    process keeps the pages the candidate pools used, and what runs next (handlers) grows the
    process beyond them instead of reusing them: the resident size would ratchet up to the
    tick's peak plus the handlers' own."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


async def _no_pause() -> None:
    await asyncio.sleep(0)


def handlers_first(app: Application, *, most: timedelta = timedelta(milliseconds=200)) -> Pause:
    """What the tick awaits between two chunks of work: while updates are being answered, it
    waits (1 ms at a time, at most `most`) so that handlers, which share the event loop and
    await the database a dozen times each, are not slowed down to the tick's pace."""
    processor = app.update_processor
    steps = max(1, int(most.total_seconds() * 1000))

    async def pause() -> None:
        await asyncio.sleep(0)
        for _ in range(steps):
            if processor.current_concurrent_updates == 0:
                return
            await asyncio.sleep(0.001)

    return pause


# -- expiry --------------------------------------------------------------------------------------


async def expire_offers(
    database: Database,
    settings: Settings,
    *,
    now: datetime,
    report: TickReport,
    pause: Pause = _no_pause,
) -> None:
    """Offers and promoted waitlisters' holds past their time: mark expired, edit the message,
    and offer a freed held place to the next on the waitlist."""
    while True:
        rows = await db.due_offer_expiries(database, now=now, limit=EXPIRY_CHUNK)
        if not rows:
            return
        await pause()  # one short transaction per chunk, handlers in between
        async with database.transaction() as tx:
            # Set-based: one guarded UPDATE for the chunk, its messages looked up, withdrawn or
            # edited in one statement each (the same effect as close_offer_message per row).
            expired = await db.mark_expired_many(tx, [row["id"] for row in rows])
            freed = set()
            closing = []
            for row in rows:
                if row["id"] not in expired:
                    continue
                held = bool(row["promoted_at"])
                note = texts.promotion_expired_note if held else texts.offer_expired_note
                if row["shift_status"] != "open" or row["need_status"] != "approved":
                    note = texts.shift_gone_note
                closing.append((row, note))
                if held:
                    report.expired_holds += 1
                    freed.add(row["shift_id"])
                else:
                    report.expired_offers += 1
            await dispatch.close_offer_messages(tx, settings, closing, now=now)
            for shift_id in sorted(freed):
                promoted = await dispatch.fill_from_waitlist(tx, settings, shift_id, now=now)
                report.promoted += len(promoted)
        if len(rows) < EXPIRY_CHUNK:
            return


# -- waves of offers -----------------------------------------------------------------------------


async def dispatch_waves(
    database: Database,
    settings: Settings,
    *,
    now: datetime,
    report: TickReport,
    exhausted: dict[int, datetime] | None = None,
    pause: Pause = _no_pause,
) -> None:
    """For each approved open shift starting within the horizon with places free: the waitlist
    first, then offers to the best-ranked eligible volunteers not asked yet, so that outstanding
    offers stay at about open places x OVERBOOK_FACTOR. `exhausted` remembers (in memory) the
    shifts that ran out of candidates, until when not to rank them again."""
    exhausted = {} if exhausted is None else exhausted
    horizon = now + timedelta(days=settings.offer_horizon_days)
    reader = database.background  # the tick's big reads never queue behind (or block) handlers'
    shifts = await db.dispatchable_shifts(reader, now=now, starts_after=now, starts_before=horizon)
    wanting = [s for s in shifts if s["slots"] - s["accepted"] - s["holds"] > 0]
    if not wanting:
        return
    need_ids = sorted({s["need_id"] for s in wanting})
    need_languages = await db.need_languages_by_need(reader, need_ids)
    minimums = await db.need_language_minimums(reader, need_ids)
    site_languages = await db.site_languages(reader, sorted({s["site_name"] for s in wanting}))
    ranking = _Ranking(reader, settings, now=now, horizon=horizon, pause=pause)
    sessions = await _SessionWaves.load(reader, wanting, now=now)
    # A need with several days wanting offers: each day is ranked as usual, then the need's offers
    # go out together so that a volunteer picked for several days gets one message (_offer_days).
    days_wanting = Counter(s["need_id"] for s in wanting)
    series: dict[int, list[_Day]] = {}
    for start in range(0, len(wanting), WAVE_CHUNK):
        chunk = wanting[start : start + WAVE_CHUNK]
        asked = await db.asked_by_shift(reader, [s["shift_id"] for s in chunk])
        for shift in chunk:
            open_slots = shift["slots"] - shift["accepted"] - shift["holds"]
            if shift["waitlisted"]:
                async with database.transaction() as tx:
                    promoted = await dispatch.fill_from_waitlist(tx, settings, shift["shift_id"], now=now)
                report.promoted += len(promoted)
                open_slots -= len(promoted)
            wanted = matching.offers_to_make(open_slots, shift["outstanding"], settings.overbook_factor)
            if open_slots <= 0 or db.moment(shift["starts_at"]) < now + MIN_OFFER_LEAD:
                continue
            spec = dispatch.shift_spec(
                shift, need_languages[shift["need_id"]], site_languages[shift["site_name"]],
                minimums[shift["need_id"]],
            )
            taken: list[list[str]] = []
            if spec.minimums:  # speakers still missing are asked even when the places are covered
                holders, pending = await db.shift_speakers(reader, spec.shift_id, now=now)
                taken = holders + pending
            size = language_rule.wave_size(spec.language_rule, wanted, taken)
            if size <= 0:
                continue
            retry_at = exhausted.get(shift["shift_id"])
            if retry_at is not None and now < retry_at:
                continue
            if sessions.announced_once(shift):
                continue
            report.shifts_considered += 1
            # A ranking is up to ~1 ms on the event loop: handlers being answered go first (a
            # run of rankings without a break held it 10-50 ms).
            await pause()
            ranked = await ranking.best(
                spec, size, sessions.skip(shift, asked[shift["shift_id"]]), taken=taken, others=wanted
            )
            if days_wanting[shift["need_id"]] > 1:
                for candidate in ranked[:size]:  # busy on that day for the shifts ranked next
                    ranking.busy.add_offer(candidate.user_id, spec.shift_id, (spec.starts_at, spec.ends_at))
                series.setdefault(shift["need_id"], []).append(
                    _Day(shift, spec, [c.user_id for c in ranked], size, extra=size - wanted)
                )
                continue
            made = (
                await _offer_shift(
                    database, settings, shift, spec, ranked, now=now, busy=ranking.busy,
                    extra=size - wanted,
                )
                if ranked else 0
            )
            report.offers_made += made
            if made < size:
                exhausted[shift["shift_id"]] = now + EXHAUSTED_RETRY
            else:
                exhausted.pop(shift["shift_id"], None)
    for days in series.values():
        made_by_shift = await _offer_days(database, settings, days, now=now)
        for day in days:
            made = made_by_shift.get(day.spec.shift_id, 0)
            report.offers_made += made
            if made < day.wanted:
                exhausted[day.spec.shift_id] = now + EXHAUSTED_RETRY
            else:
                exhausted.pop(day.spec.shift_id, None)
        await pause()


class _SessionWaves:
    """Trainings and lectures among the shifts: a lecture was announced to its audience at once
    (no waves); a training is not offered to those who hold its qualification for longer than
    EXPIRY_NOTICE (those about to lose it are invited)."""

    def __init__(self, sessions: dict[int, db.Row], lasting: dict[str, set[int]]) -> None:
        self.sessions, self.lasting = sessions, lasting

    @classmethod
    async def load(cls, reader: db.Queryable, shifts: list[db.Row], *, now: datetime) -> _SessionWaves:
        ids = sorted({s["session_id"] for s in shifts if s["session_id"] is not None})
        sessions = await db.sessions_by_id(reader, ids) if ids else {}
        lasting: dict[str, set[int]] = {}
        for session in sessions.values():
            specialty = session["specialty"]
            if session["kind"] == trainings.TRAINING and specialty and specialty not in lasting:
                lasting[specialty] = await db.lasting_qualified(
                    reader, specialty, until=now + trainings.EXPIRY_NOTICE
                )
        return cls(sessions, lasting)

    def announced_once(self, shift: db.Row) -> bool:
        session = self.sessions.get(shift["session_id"]) if shift["session_id"] is not None else None
        return session is not None and session["kind"] == trainings.LECTURE

    def skip(self, shift: db.Row, asked: set[int]) -> set[int]:
        session = self.sessions.get(shift["session_id"]) if shift["session_id"] is not None else None
        if session is None or not session["specialty"]:
            return asked
        return asked | self.lasting.get(session["specialty"], set())


class _Ranking:
    """What a tick loads once and shares between shifts: everyone's busy windows over the
    horizon, everyone's service statistics, and one pool per specialty, each on first use."""

    def __init__(
        self, reader: db.Queryable, settings: Settings, *, now: datetime, horizon: datetime,
        pause: Pause = _no_pause,
    ) -> None:
        self.reader, self.now, self.horizon, self.pause = reader, now, horizon, pause
        self.rules = dispatch.rules(settings)
        self.busy = dispatch.Busy()
        self._stats: Stats | None = None
        self._pools: dict[str, SpecialtyPool] = {}

    async def best(
        self, spec: matching.ShiftSpec, wanted: int, asked: set[int], *,
        taken: list[list[str]] | None = None, others: int | None = None,
    ) -> list[matching.Candidate]:
        pool = self._pools.get(spec.specialty)
        if pool is None:
            if self._stats is None:
                self.busy = await dispatch.Busy.load(
                    db.everyones_busy_windows(
                        self.reader, start=self.now - dispatch.BUSY_MARGIN,
                        end=self.horizon + dispatch.BUSY_MARGIN,
                    ),
                    pause=self.pause,
                )
                self._stats = await Stats.load(
                    db.all_volunteer_stats(
                        self.reader, since=self.now - dispatch.STATS_WINDOW, now=self.now
                    ),
                    pause=self.pause,
                )
            pool = self._pools[spec.specialty] = await SpecialtyPool.build(
                spec.specialty, db.matching_pool(self.reader, spec.specialty, now=self.now),
                self._stats, db.parse_ts, pause=self.pause,
            )
            await self.pause()
        return pool.best(
            spec, self.rules, now=self.now, limit=wanted, asked=asked, busy=self.busy,
            taken=taken or (), others=others,
        )


async def _offer_shift(
    database: Database,
    settings: Settings,
    shift: db.Row,
    spec: matching.ShiftSpec,
    ranked: list[matching.Candidate],
    *,
    now: datetime,
    busy: dispatch.Busy,
    extra: int = 0,
) -> int:
    """Offer one shift to the first of `ranked`, as many as its fresh counts still call for
    (and `extra` more, for the missing speakers of a language with a minimum)."""
    expires_at = min(now + settings.offer_ttl, spec.starts_at)
    made = 0
    rendered: dict[str, str] = {}
    async with database.transaction() as tx:
        fill = await db.shift_fill(tx, spec.shift_id, now=now)
        # Anyone on the waitlist who could take a free place was promoted just before this.
        open_slots = shift["slots"] - fill["accepted"] - fill["holds"]
        wanted = matching.offers_to_make(open_slots, fill["outstanding"], settings.overbook_factor)
        wanted = wanted + extra if open_slots > 0 else 0
        recipients = await db.users_by_id(tx, [c.user_id for c in ranked[: max(0, wanted)]])
        for candidate in ranked:
            if made >= wanted:
                break
            assignment_id = await db.insert_offer(
                tx, shift_id=spec.shift_id, volunteer_id=candidate.user_id, now=now,
                expires_at=expires_at,
            )
            if assignment_id is None:
                continue
            recipient = recipients.get(candidate.user_id) or await db.get_user(tx, candidate.user_id)
            assert recipient is not None  # candidates are users with a volunteer profile
            await dispatch.enqueue_offer(
                tx,
                settings,
                assignment_id=assignment_id,
                key=f"offer:{assignment_id}",
                recipient=recipient,
                shift=shift,
                now=now,
                expires_at=expires_at,
                texts_by_locale=rendered,
            )
            busy.add_offer(candidate.user_id, spec.shift_id, (spec.starts_at, spec.ends_at))
            made += 1
    return made


@dataclass(frozen=True)
class _Day:
    """One day of a need, ranked by the wave, waiting for the need's other days."""

    shift: db.Row
    spec: matching.ShiftSpec
    ranked: list[int]  # the volunteers ranked, best first (ids: a need's days wait for the last)
    wanted: int  # the wave's size for the day
    extra: int = 0  # of which for the missing speakers of a language with a minimum


async def _offer_days(
    database: Database, settings: Settings, days: list[_Day], *, now: datetime
) -> dict[int, int]:
    """The offers of a need's days in one transaction: each day as many as its fresh counts call
    for (and its extra), to the first of its own ranking, as _offer_shift would; then one message per volunteer
    (dispatch.enqueue_offers: a series when they were picked for several days). Offers made per
    shift."""
    made: dict[int, int] = {}
    picked: dict[int, list[int]] = {}  # volunteer -> their new offers, in day order
    async with database.transaction() as tx:
        for day in days:
            fill = await db.shift_fill(tx, day.spec.shift_id, now=now)
            open_slots = day.shift["slots"] - fill["accepted"] - fill["holds"]
            wanted = matching.offers_to_make(open_slots, fill["outstanding"], settings.overbook_factor)
            wanted = wanted + day.extra if open_slots > 0 else 0
            expires_at = min(now + settings.offer_ttl, day.spec.starts_at)
            count = 0
            for user_id in day.ranked:
                if count >= wanted:
                    break
                assignment_id = await db.insert_offer(
                    tx, shift_id=day.spec.shift_id, volunteer_id=user_id, now=now,
                    expires_at=expires_at,
                )
                if assignment_id is None:
                    continue
                picked.setdefault(user_id, []).append(assignment_id)
                count += 1
            made[day.spec.shift_id] = count
        recipients = await db.users_by_id(tx, list(picked))
        for user_id, assignment_ids in picked.items():
            recipient = recipients.get(user_id) or await db.get_user(tx, user_id)
            assert recipient is not None  # candidates are users with a volunteer profile
            await dispatch.enqueue_offers(
                tx, settings, assignment_ids=assignment_ids, recipient=recipient, now=now
            )
    return made


# -- reminders and at-risk flags -----------------------------------------------------------------


async def send_due_reminders(
    database: Database, settings: Settings, *, now: datetime, report: TickReport
) -> None:
    """Each due reminder once. When several are due for one assignment (the bot was down), only
    the latest is sent; reminders of assignments no longer taken are skipped."""
    while True:
        rows = await db.due_reminders(database, now=now, limit=BATCH)
        if not rows:
            return
        by_assignment: dict[int, list[db.Row]] = {}
        for row in rows:
            by_assignment.setdefault(row["assignment_id"], []).append(row)
        async with database.transaction() as tx:
            for assignment_id, due in by_assignment.items():
                first = due[0]
                wanted = (
                    first["assignment_status"] == "accepted"
                    and first["shift_status"] == "open"
                    and first["need_status"] == "approved"
                    and db.moment(first["starts_at"]) > now
                )
                due.sort(key=lambda r: r["lead_seconds"])
                send = due[0] if wanted else None
                for row in due:
                    if row is send:
                        continue
                    if await db.mark_reminder(tx, row["reminder_id"], now=now, sent=False):
                        report.reminders_skipped += 1
                if send is None or not await db.mark_reminder(
                    tx, send["reminder_id"], now=now, sent=True
                ):
                    continue
                assignment = await db.get_assignment(tx, assignment_id)
                assert assignment is not None
                confirmed = assignment["confirmed_at"] is not None
                with use_reader(assignment, settings.default_locale):
                    text = texts.reminder_text(
                        assignment, settings.timezone, now=now, confirmed=confirmed
                    )
                    keyboard = texts.reminder_keyboard(assignment_id, confirmed=confirmed)
                await delivery.enqueue(
                    tx,
                    chat_id=assignment["volunteer_id"],
                    dedupe_key=f"rem:{assignment_id}:{send['lead_seconds']}",
                    now=now,
                    text=text,
                    reply_markup=keyboard,
                    priority=delivery.URGENT,
                    deadline=db.parse_ts(assignment["starts_at"]),  # until the shift starts
                )
                report.reminders_sent += 1
        if len(rows) < BATCH:
            return


async def flag_at_risk(
    database: Database, settings: Settings, *, now: datetime, report: TickReport
) -> None:
    """Places still unconfirmed CONFIRM_DEADLINE before the start, although the volunteer was
    asked before that deadline: flag them and tell the office and the entity."""
    rows = await db.unconfirmed_before(
        database, now=now, starts_before=now + settings.confirm_deadline
    )
    for row in rows:
        deadline = db.moment(row["starts_at"]) - settings.confirm_deadline
        asked = db.parse_ts(row["first_sent_at"])
        if asked is None or asked > deadline:
            continue  # never asked in time (accepted late, or the bot was down): not their fault
        async with database.transaction() as tx:
            if not await db.mark_at_risk(tx, row["id"], now=now):
                continue
            assignment = await db.get_assignment(tx, row["id"])
            assert assignment is not None
            # Into each recipient's next digest, not a message per volunteer (send_digests).
            await digests.queue(tx, assignment, kind=digests.AT_RISK, now=now)
            report.at_risk += 1


# -- attendance ----------------------------------------------------------------------------------


async def send_checkin_prompts(
    database: Database, settings: Settings, *, now: datetime, report: TickReport
) -> None:
    """Ask each accepted volunteer to check in, CHECKIN_LEAD before the start (or at once when
    they took the place later), until the shift ends; once per place."""
    while True:
        rows = await db.due_checkin_prompts(
            database, now=now, opens_before=now + settings.checkin_lead, limit=BATCH
        )
        if not rows:
            return
        async with database.transaction() as tx:
            for row in rows:
                if not await db.mark_checkin_asked(tx, row["id"], now=now):
                    continue
                with use_reader(row, settings.default_locale):
                    text = texts.checkin_prompt_text(row, settings.timezone, now=now)
                    keyboard = texts.checkin_keyboard(row["id"])
                await delivery.enqueue(
                    tx,
                    chat_id=row["volunteer_id"],
                    dedupe_key=f"checkin:{row['id']}",
                    now=now,
                    text=text,
                    reply_markup=keyboard,
                    priority=delivery.URGENT,
                    deadline=db.parse_ts(row["ends_at"]),  # until the shift ends
                )
                report.checkins_asked += 1
        if len(rows) < BATCH:
            return


async def settle_attendance(
    database: Database, settings: Settings, *, now: datetime, report: TickReport
) -> None:
    """Ended shifts: checked in -> completed (at the shift's end) with a thank-you; accepted and
    never checked in, NO_SHOW_GRACE after the end -> no-show. After downtime, catches up."""
    while True:
        rows = await db.due_completions(database, now=now, limit=BATCH)
        if not rows:
            break
        async with database.transaction() as tx:
            for row in rows:
                if not await db.set_attendance(
                    tx, row["id"], expected="checked_in", status="completed", now=now
                ):
                    continue
                await attendance.thank(tx, settings, row, now=now)
                report.completed += 1
        if len(rows) < BATCH:
            break
    while True:
        rows = await db.due_no_shows(database, ended_before=now - settings.no_show_grace, limit=BATCH)
        if not rows:
            return
        async with database.transaction() as tx:
            for row in rows:
                if await db.set_attendance(
                    tx, row["id"], expected="accepted", status="no_show", now=now
                ):
                    settled = await db.get_assignment(tx, row["id"])
                    assert settled is not None
                    await attendance.tell_no_show(tx, settings, settled, now=now)
                    report.no_shows += 1
        if len(rows) < BATCH:
            return


async def tell_expiring_qualifications(
    database: Database, settings: Settings, *, now: datetime, report: TickReport
) -> None:
    """Qualifications that run out within EXPIRY_NOTICE: their holders are told once."""
    await training_operations.tell_expiring(database, settings, now=now)


# -- alert digests -------------------------------------------------------------------------------


async def send_digests(
    database: Database, settings: Settings, *, now: datetime, report: TickReport
) -> None:
    """The at-risk and no-show alerts due to go: one digest per person (bot/operations/digests.py)."""
    report.digests += await digests.drain(database, settings, now=now)


# -- needs that waited too long ------------------------------------------------------------------


async def close_started_needs(
    database: Database, settings: Settings, *, now: datetime, report: TickReport
) -> None:
    """Waiting needs whose first shift has started are closed, and their representatives told."""
    report.needs_closed += await needs_ops.close_started_waiting(database, settings, now=now)


async def escalate_short_shifts(
    database: Database, settings: Settings, *, now: datetime, report: TickReport,
    pause: Pause = _no_pause,
) -> None:
    """Shifts still short at an ESCALATION_LEADS lead: told to the office and the entity, once."""
    report.escalated += await escalations.escalate_due(database, settings, now=now, pause=pause)


# -- the job -------------------------------------------------------------------------------------


async def _run_tick(context: Context) -> None:
    report = await tick(context.application)
    if report.busy():
        log.info("dispatch tick: %s", report)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Run `tick` every DISPATCH_INTERVAL on PTB's JobQueue (APScheduler 3).

    APScheduler drops a run that starts more than misfire_grace_time (1 s by default) late; a
    loop blocked for a few seconds would silently skip a tick. So: never drop a late run
    (misfire_grace_time=None), merge runs missed while blocked into one (coalesce) and never run
    two ticks at once (max_instances=1). Ticks are idempotent, so a late or merged one is fine.
    """
    settings: Settings = app.bot_data["settings"]
    if app.job_queue is None:
        raise RuntimeError("the dispatch scheduler needs python-telegram-bot[job-queue]")
    job_kwargs: dict[str, Any] = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}
    app.job_queue.run_repeating(
        _run_tick,
        interval=settings.dispatch_interval,
        first=timedelta(seconds=2),  # soon after start: catch up on what fell due while down
        name=JOB_NAME,
        job_kwargs=job_kwargs,
    )

"""Training sessions and lectures through the real Application: /newtraining, invitations in
waves, RSVPs and the waitlist, reminders, attendance granting the qualification, expiry."""

from __future__ import annotations

from datetime import date, timedelta

from bot import db, scheduler
from tests.factories import create_entity, create_need, create_volunteer
from tests.factories_needs import add_staff
from tests.harness import BotHarness, TgUser

# DEFAULT_START is 2026-05-10 09:00 in Madinah; the session is on 2026-05-20, 09:00-12:00.
TRAINING_ANSWERS = (
    ("press", "trs:k:training"), ("press", "trs:sp:healthcare"), "First aid basics", "Dr. Sara",
    "Training hall, gate 3", ("press", "trs:skip"), "2026-05-20", "09:00", "12:00", "2", "12",
)


async def _answer(bot: BotHarness, user: TgUser, step: object) -> None:
    if isinstance(step, tuple) and step[0] == "press":
        await bot.press(user, step[1])
    else:
        assert isinstance(step, str)
        await bot.text(user, step)


async def schedule_training(bot: BotHarness, user: TgUser, answers: tuple[object, ...] = TRAINING_ANSWERS) -> str:
    await bot.command(user, "/newtraining")
    for step in answers:
        await _answer(bot, user, step)
    return bot.last(user).text or ""


async def test_coordinator_schedules_a_training_once(bot: BotHarness) -> None:
    coordinator = await add_staff(bot, 701, "Khalid", "en")
    summary = await schedule_training(bot, coordinator)
    assert "First aid basics" in summary and "Dr. Sara" in summary
    assert "Healthcare" in summary and "الرعاية الصحية" in summary  # the qualification in both languages
    assert "2 seats" in summary and "12 months" in summary
    assert "AH" in summary and "2026" in summary  # both calendars
    assert await bot.db.fetchval("SELECT COUNT(*) FROM training_sessions") == 0
    calls = await bot.press(coordinator, "trs:create")
    assert "Training #1 is scheduled" in bot.texts(calls).replace("\u2066", "").replace("\u2069", "")
    again = await bot.press(coordinator, "trs:create")
    assert bot.texts(again)  # a dead button answers, and nothing is created twice
    assert await bot.db.fetchval("SELECT COUNT(*) FROM training_sessions") == 1
    session = await db.get_training_session(bot.db, session_id=1)
    assert (session["kind"], session["specialty"], session["capacity"], session["validity_months"]) == (
        "training", "healthcare", 2, 12)
    assert session["starts_at"] == "2026-05-20T06:00:00+00:00" and session["ends_at"] == "2026-05-20T09:00:00+00:00"
    shift = await db.get_shift(bot.db, session["shift_id"])
    assert shift["need_status"] == "approved" and shift["session_id"] == 1 and shift["slots"] == 2
    listing = await bot.command(coordinator, "/trainings")
    assert "First aid basics" in bot.texts(listing)


async def test_arabic_summary_and_hijri_date(bot: BotHarness) -> None:
    coordinator = await add_staff(bot, 702, "خالد", "ar")
    answers = tuple("1447-12-04" if a == "2026-05-20" else a for a in TRAINING_ANSWERS)
    summary = await schedule_training(bot, coordinator, answers)
    assert "4 ذو الحجة 1447" in summary and "21 مايو 2026" in summary  # typed in Hijri, shown in both
    assert "التأهيل: ⁨الرعاية الصحية⁩ / ⁨Healthcare⁩" in summary and "مقعدان" in summary
    assert "12 شهرًا" in summary.replace("\u2066", "").replace("\u2069", "")
    await bot.press(coordinator, "trs:create")
    session = await db.get_training_session(bot.db, session_id=1)
    assert session["starts_at"] == "2026-05-21T06:00:00+00:00"


async def test_bad_answers_are_explained(bot: BotHarness) -> None:
    coordinator = await add_staff(bot, 703, "Khalid", "en")
    await bot.command(coordinator, "/newtraining")
    await bot.press(coordinator, "trs:k:training")
    await bot.press(coordinator, "trs:sp:healthcare")
    await bot.text(coordinator, "First aid")
    await bot.text(coordinator, "Dr. Sara")
    calls = await bot.text(coordinator, "http://meet.example.org/x")
    assert "https://" in bot.texts(calls)
    await bot.text(coordinator, "https://meet.example.org/x")  # online: no location question
    calls = await bot.text(coordinator, "2026-05-01")
    assert "future" in bot.texts(calls)
    await bot.text(coordinator, "2026-05-20")
    await bot.text(coordinator, "09:00")
    calls = await bot.text(coordinator, "09:00")
    assert "end after it starts" in bot.texts(calls)
    await bot.text(coordinator, "11:00")
    calls = await bot.text(coordinator, "0")
    assert "from 1 to 1000" in bot.texts(calls)


async def test_volunteer_and_group_are_refused(bot: BotHarness) -> None:
    await create_volunteer(bot.db, 801)
    volunteer = bot.user(801, "Ali", "en")
    calls = await bot.command(volunteer, "/newtraining")
    assert "only for" in bot.texts(calls)
    assert "training_session" not in bot.app.user_data.get(801, {})
    coordinator = await add_staff(bot, 704, "Khalid", "en")
    calls = await bot.command(coordinator, "/newtraining", group=-100)
    assert "private" in bot.texts(calls).lower() or "t.me" in bot.texts(calls)
    assert await bot.db.fetchval("SELECT COUNT(*) FROM training_sessions") == 0


async def test_representative_only_for_their_entitys_specialties(bot: BotHarness) -> None:
    mine = await create_entity(bot.db, reps=(611,))
    other = await create_entity(bot.db, name_ar="أخرى", name_en="Other", reps=(612,))
    await create_need(bot.db, mine, first_day=date(2026, 5, 25), specialty="healthcare")
    await create_need(bot.db, other, first_day=date(2026, 5, 25), specialty="traffic")
    rep = bot.user(611, "Rep", "en")
    calls = await bot.command(rep, "/newtraining")
    labels = [label for c in calls for label, _data in c.buttons]
    assert labels and all("Traffic" not in label for label in labels)
    forged = await bot.press(rep, "trs:sp:traffic")  # another entity's specialty
    assert "no longer active" in bot.texts(forged) or "buttons" in bot.texts(forged)
    await bot.press(rep, "trs:sp:healthcare")
    for step in TRAINING_ANSWERS[2:]:
        await _answer(bot, rep, step)
    await bot.press(rep, "trs:create")
    session = await db.get_training_session(bot.db, session_id=1)
    assert session["entity_id"] == mine and session["specialty"] == "healthcare"
    # A representative whose entity's needs use no specialty is refused at the start.
    lonely = await create_entity(bot.db, name_ar="ثالثة", name_en="Third", reps=(613,))
    assert lonely
    calls = await bot.command(bot.user(613, "Rep3", "en"), "/newtraining")
    assert "no training you can schedule" in bot.texts(calls)


async def test_invitations_in_waves_accept_waitlist_and_qualification(bot: BotHarness) -> None:
    coordinator = await add_staff(bot, 705, "Khalid", "en")
    for user_id in range(901, 907):
        await create_volunteer(bot.db, user_id, specialties=("healthcare",), language_code="en")
    async with bot.db.transaction() as tx:  # 906 is qualified for long: not invited
        await tx.execute(
            "INSERT INTO qualifications (user_id, specialty, granted_at, expires_at)"
            " VALUES (906, 'healthcare', '2026-01-01T00:00:00+00:00', '2027-01-01T00:00:00+00:00')"
        )
    entity = await create_entity(bot.db)
    _need, (need_shift,) = await create_need(
        bot.db, entity, first_day=date(2026, 5, 28), specialty="healthcare", requires_training=True, slots=3
    )
    await schedule_training(bot, coordinator)
    await bot.press(coordinator, "trs:create")
    session = await db.get_training_session(bot.db, session_id=1)
    report = await scheduler.tick(bot.app, now=bot.clock.now())
    offered = await bot.db.fetchall(
        "SELECT volunteer_id FROM assignments WHERE shift_id = ? ORDER BY volunteer_id", (session["shift_id"],)
    )
    # capacity 2 x the default overbook factor, never the qualified 906
    assert 0 < len(offered) <= 2 * bot.settings.overbook_factor + 1 and 906 not in [r[0] for r in offered]
    assert report.offers_made == len(offered)
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM assignments WHERE shift_id = ?", (need_shift,)) == 0  # nobody qualified yet
    await bot.flush_outbox()
    first = bot.user(offered[0][0], "V", "en")
    invite = bot.last(first, "sendMessage")
    assert "training session" in (invite.text or "") and "First aid basics" in (invite.text or "")
    await bot.press_label(first, "Accept")
    second = bot.user(offered[1][0], "V", "en")
    await bot.press_label(second, "Accept")
    if len(offered) > 2:
        third = bot.user(offered[2][0], "V", "en")
        calls = await bot.press_label(third, "Accept")
        assert "waitlist" in bot.texts(calls).lower()
    rows = await bot.db.fetchall(
        "SELECT status FROM assignments WHERE shift_id = ? AND status = 'accepted'", (session["shift_id"],))
    assert len(rows) == 2
    # reminders, as for shifts
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM reminders r JOIN assignments a ON a.id = r.assignment_id"
        " WHERE a.shift_id = ?", (session["shift_id"],)) >= 2
    # the day: check in (no coordinates: at once) grants the qualification for 12 months
    bot.clock.set(db.moment(session["starts_at"]) - timedelta(minutes=10))
    await scheduler.tick(bot.app, now=bot.clock.now())
    await bot.flush_outbox()
    await bot.press_label(first, "Check in")
    await bot.flush_outbox()
    qualification = await db.get_qualification(bot.db, first.id, "healthcare")
    assert qualification["session_id"] == 1
    assert qualification["expires_at"].startswith("2027-05-20")
    assert "qualified" in (bot.last(first, "sendMessage").text or "")
    # the coordinator marks the second present from the roster: qualified too
    assignment = await bot.db.fetchval(
        "SELECT id FROM assignments WHERE shift_id = ? AND volunteer_id = ?", (session["shift_id"], second.id))
    bot.clock.set(db.moment(session["starts_at"]) + timedelta(minutes=30))
    await bot.press(coordinator, f"att:p:{assignment}:0")
    assert (await db.get_qualification(bot.db, second.id, "healthcare")) is not None
    # now the qualified volunteers get offers for the need that requires the training
    bot.clock.advance(timedelta(minutes=15))
    await scheduler.tick(bot.app, now=bot.clock.now())
    needed = {r[0] for r in await bot.db.fetchall(
        "SELECT volunteer_id FROM assignments WHERE shift_id = ?", (need_shift,))}
    assert first.id in needed and second.id in needed

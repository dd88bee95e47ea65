"""Training sessions and lectures through the real Application: /newtraining, invitations in
waves, RSVPs and the waitlist, reminders, attendance granting the qualification, expiry."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from bot import db, scheduler
from tests.factories import create_entity, create_need, create_volunteer
from tests.factories_needs import add_staff, fill_intake
from tests.harness import BotHarness, TgUser
from tests.test_certificates import pdf_text

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
    # the numbers: /stats and the export
    stats = bot.texts(await bot.command(coordinator, "/stats")).replace("\u2066", "").replace("\u2069", "")
    assert "Trainings and lectures" in stats and "held in the last 30 days: 1" in stats
    assert "attended: 2 of 2 (100%)" in stats and "Healthcare: 3" in stats  # 906 too
    calls = await bot.command(coordinator, "/export trainings")  # the trainings dataset
    document = next(c for c in calls if c.method == "sendDocument")
    book = load_workbook(io.BytesIO(next(iter(document.files.values()))[1]))
    assert book.sheetnames[-2:] == ["Trainings", "Qualifications"]
    sessions = list(book["Trainings"].iter_rows(values_only=True))
    assert "First aid basics" in sessions[1] and sessions[0][-1] == "Attended" and sessions[1][-1] == 2
    qualified = list(book["Qualifications"].iter_rows(values_only=True))
    assert len(qualified) == 1 + 3


LECTURE_ANSWERS = (
    ("press", "trs:k:lecture"), "The standing of Madinah", "Sheikh Omar", "Prophet's Mosque, hall 1",
    ("press", "trs:skip"), "2026-05-20", "16:00", "19:00", "2",
    ("press", "trs:au:s:healthcare"), ("press", "trs:auok"),
)


async def test_lecture_to_an_audience_with_rsvps_waitlist_reminders_and_hours(bot: BotHarness) -> None:
    coordinator = await add_staff(bot, 706, "Khalid", "en")
    for user_id in (921, 922, 923):
        await create_volunteer(bot.db, user_id, full_name=f"Vol {user_id}", specialties=("healthcare",),
                               language_code="en", periods=("morning",))
    await create_volunteer(bot.db, 924, specialties=("traffic",), language_code="en")
    summary = await schedule_training(bot, coordinator, LECTURE_ANSWERS)
    assert "Awareness lecture" in summary and "Audience: active volunteers: Healthcare" in summary
    assert "Qualification" not in summary and "valid for" not in summary
    calls = await bot.press(coordinator, "trs:create")
    assert "3 people were invited" in bot.texts(calls).replace("\u2066", "").replace("\u2069", "")
    await bot.flush_outbox()
    invited = {c.chat_id for c in bot.api.calls if c.text and "awareness lecture" in c.text}
    assert invited == {921, 922, 923}  # the audience, whatever their availability; not 924
    report = await scheduler.tick(bot.app, now=bot.clock.now())
    assert report.offers_made == 0  # announced once, no waves
    first, second, third = (bot.user(u, "V", "en") for u in (921, 922, 923))
    await bot.press_label(first, "Accept")
    await bot.press_label(second, "Accept")
    calls = await bot.press_label(third, "Accept")
    assert "waitlist" in bot.texts(calls).lower()
    # the second gives up the place: the third is promoted, as on a shift
    session = await db.get_training_session(bot.db, session_id=1)
    mine = await bot.db.fetchval(
        "SELECT id FROM assignments WHERE shift_id = ? AND volunteer_id = 922", (session["shift_id"],))
    await bot.press(second, f"my:can:{mine}")
    await bot.press_label(second, "Yes, cancel")
    await bot.flush_outbox()
    assert "place has opened up" in (bot.last(third, "sendMessage").text or "")
    await bot.press_label(third, "Accept")
    taken = {r[0] for r in await bot.db.fetchall(
        "SELECT volunteer_id FROM assignments WHERE shift_id = ? AND status = 'accepted'", (session["shift_id"],))}
    assert taken == {921, 923}
    # a reminder the day before
    bot.clock.set(db.moment(session["starts_at"]) - timedelta(hours=23))
    await scheduler.tick(bot.app, now=bot.clock.now())
    await bot.flush_outbox()
    assert "Reminder" in (bot.last(first, "sendMessage").text or "")
    assert "your session starts in" in (bot.last(first, "sendMessage").text or "")
    # attendance: 921 checks in, the lecture ends and settles; nothing is granted
    bot.clock.set(db.moment(session["starts_at"]) + timedelta(minutes=5))
    await scheduler.tick(bot.app, now=bot.clock.now())
    await bot.flush_outbox()
    prompt = bot.last(first, "sendMessage").text or ""
    assert "Your session at" in prompt and "shift" not in prompt
    await bot.press_label(first, "Check in")
    assert await bot.db.fetchval("SELECT COUNT(*) FROM qualifications") == 0
    bot.clock.set(db.moment(session["ends_at"]) + timedelta(hours=2))
    await scheduler.tick(bot.app, now=bot.clock.now())
    status = await bot.db.fetchval(
        "SELECT status FROM assignments WHERE shift_id = ? AND volunteer_id = 921", (session["shift_id"],))
    assert status == "completed"
    # its hours are their own category on the certificate
    await bot.command(first, "/certificate")
    await bot.press(first, "crt:season")
    call = bot.last(first, "sendDocument")
    ((_name, content),) = call.files.values()
    text = pdf_text(content)
    assert "Vol 921" in text and "Training and awareness" in text and "3 hours" in text
    assert "No hours in this period." in text  # no service hours by specialty or entity


async def test_expiry_notice_once_then_invited_and_expired(bot: BotHarness) -> None:
    coordinator = await add_staff(bot, 707, "Khalid", "en")
    await create_volunteer(bot.db, 931, specialties=("healthcare",), language_code="en")
    now = bot.clock.now()
    async with bot.db.transaction() as tx:
        await tx.execute(
            "INSERT INTO qualifications (user_id, specialty, granted_at, expires_at) VALUES (931, 'healthcare', ?, ?)",
            (db.ts(now - timedelta(days=340)), db.ts(now + timedelta(days=25))),
        )
    await schedule_training(bot, coordinator)
    await bot.press(coordinator, "trs:create")
    await scheduler.tick(bot.app, now=bot.clock.now())
    await bot.flush_outbox()
    volunteer = bot.user(931, "V", "en")
    texts = [c.text or "" for c in bot.sent(volunteer)]
    notice = [t for t in texts if "runs out on" in t]
    assert len(notice) == 1 and "First aid basics" in notice[0] and "Healthcare" in notice[0]
    assert any("training session" in t for t in texts)  # about to lose it: invited
    bot.clock.advance(timedelta(hours=1))
    await scheduler.tick(bot.app, now=bot.clock.now())
    await bot.flush_outbox()
    assert len([c for c in bot.sent(volunteer) if c.text and "runs out on" in c.text]) == 1  # once
    # past its expiry, a need that requires the training no longer reaches them
    bot.clock.advance(timedelta(days=26))
    entity = await create_entity(bot.db)
    _need, (shift_id,) = await create_need(
        bot.db, entity, first_day=(bot.clock.now() + timedelta(days=3)).date(), specialty="healthcare",
        requires_training=True,
    )
    await scheduler.tick(bot.app, now=bot.clock.now())
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM assignments WHERE shift_id = ? AND volunteer_id = 931", (shift_id,)) == 0


async def test_need_intake_counts_the_qualified_and_offers_a_training(bot: BotHarness) -> None:
    await create_entity(bot.db, reps=(641,))
    for user_id in (951, 952):
        await create_volunteer(bot.db, user_id, specialties=("healthcare",))
    async with bot.db.transaction() as tx:
        await tx.execute(
            "INSERT INTO qualifications (user_id, specialty, granted_at) VALUES (951, 'healthcare', ?)",
            (db.ts(bot.clock.now()),),
        )
    rep = bot.user(641, "Rep", "en")
    summary = await fill_intake(bot, rep, specialty="healthcare", training=True, slots="5")
    assert "1 active volunteer holds this specialty's qualification" in summary.text.replace(
        "\u2066", "").replace("\u2069", "")
    assert "fewer than the places" in summary.text
    calls = await bot.press(rep, "ni:submit")
    offer = [c for c in calls if any(d == "trs:new:healthcare" for _l, d in c.buttons)]
    assert offer, bot.texts(calls)
    calls = await bot.press(rep, "trs:new:healthcare")
    assert "grants the qualification in" in bot.texts(calls) and "Healthcare" in bot.texts(calls)
    assert "called" in (bot.last(rep, "sendMessage").text or "")  # straight to the title
    # no line when the need does not require training
    other = await fill_intake(bot, bot.user(641, "Rep", "en"), specialty="healthcare", training=False)
    assert "qualification" not in other.text.split("Tap a field")[0].split("It will make")[-1]


async def test_draft_survives_kill_9_is_kept_for_need_and_create_retap_creates_once(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    coordinator = await add_staff(bot, 708, "Khalid", "en")
    await create_entity(bot.db)
    await bot.command(coordinator, "/newtraining")
    for step in TRAINING_ANSWERS[:5]:
        await _answer(bot, coordinator, step)
    # another flow starts: the long draft is kept and resumed with its command
    calls = await bot.command(coordinator, "/need")
    assert "kept" in bot.texts(calls) and "/newtraining" in bot.texts(calls)
    calls = await bot.command(coordinator, "/newtraining")
    assert "Share the place's location" in bot.texts(calls)
    # kill -9: the draft saved by the persistence writer is still there
    await bot.app.update_persistence()
    bot = await bot.restart(graceful=False)
    calls = await bot.command(coordinator, "/newtraining")  # the old message is gone with the test's double
    assert "Share the place's location" in bot.texts(calls)
    for step in TRAINING_ANSWERS[5:]:
        await _answer(bot, coordinator, step)
    assert "Please check the session" in (bot.last(coordinator, "sendMessage").text or "")
    # Create's answer fails: pressed again, one session
    await bot.app.update_persistence()
    bot.api.fail(502, "Bad Gateway", method="answerCallbackQuery")
    await bot.press(coordinator, "trs:create")

    async def killed() -> None:
        return None

    monkeypatch.setattr(bot.app, "update_persistence", killed)
    bot = await bot.restart(graceful=False)  # before the writer saved that the draft ended
    await bot.command(coordinator, "/newtraining")  # the draft comes back at its summary
    assert "Please check the session" in (bot.last(coordinator, "sendMessage").text or "")
    calls = await bot.press(coordinator, "trs:create")
    assert "Training #1 is scheduled" in bot.texts(calls).replace("\u2066", "").replace("\u2069", "")
    assert await bot.db.fetchval("SELECT COUNT(*) FROM training_sessions") == 1
    assert await bot.db.fetchval("SELECT COUNT(*) FROM needs WHERE session_id IS NOT NULL") == 1


async def test_help_names_the_training_commands_per_role_in_both_languages(bot: BotHarness) -> None:
    coordinator = await add_staff(bot, 709, "Khalid", "en")
    text = bot.texts(await bot.command(coordinator, "/help"))
    assert "/trainings" in text and "/newtraining" in text and "awareness lecture" in text
    arabic = await add_staff(bot, 710, "خالد", "ar")
    text = bot.texts(await bot.command(arabic, "/help"))
    assert "/newtraining" in text and "محاضرة توعوية" in text
    await create_entity(bot.db, reps=(642,))
    text = bot.texts(await bot.command(bot.user(642, "Rep", "en"), "/help"))
    assert "/newtraining" in text and "/trainings" not in text
    await create_volunteer(bot.db, 960)
    text = bot.texts(await bot.command(bot.user(960, "Vol", "en"), "/help"))
    assert "/newtraining" not in text

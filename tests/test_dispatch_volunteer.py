"""Volunteers' commands: /shifts (browse and sign up) and /myshifts (cancel, early or late)."""

from __future__ import annotations

from datetime import date, time, timedelta

from bot import db
from tests.factories import (
    create_assignment,
    create_entity,
    create_need,
    create_user,
    create_volunteer,
)
from tests.factories_dispatch import (
    TUESDAY,
    assignment,
    assignments_of,
    outbox,
    qualify,
    update_volunteer,
)
from tests.harness import BotHarness


def _alert(calls: list) -> str:
    return [c for c in calls if c.method == "answerCallbackQuery"][-1].params.get("text", "")


async def test_shifts_lists_what_the_volunteer_can_take_a_page_at_a_time(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    await create_volunteer(bot.db, 101, locale="en", specialties=("guidance", "translation"))
    # Seven shifts he can take (one need over seven days), and some he cannot.
    _need, week = await create_need(
        bot.db, entity, first_day=TUESDAY, days=7, slots=3, title="Guides"
    )
    await create_need(bot.db, entity, first_day=TUESDAY, specialty="healthcare", title="Medics")
    await create_need(bot.db, entity, first_day=TUESDAY, gender="female", title="Women only")
    _need, (full,) = await create_need(bot.db, entity, first_day=TUESDAY, slots=1, title="Full",
                                       start=time(16), end=time(18))
    await create_volunteer(bot.db, 102)
    await create_assignment(bot.db, full, 102)
    await create_need(bot.db, entity, first_day=TUESDAY, status="submitted", title="Unapproved")
    ali = bot.user(101, language_code="en")

    await bot.command(ali, "/shifts")

    page = bot.last(ali)
    assert page.text.startswith("Open shifts you can sign up for (1–5 of 7):")
    assert "Guides" in page.text and "3 places left" in page.text
    for hidden in ("Medics", "Women only", "Full", "Unapproved"):
        assert hidden not in page.text
    assert "25 Dhu al-Qadah (12 May), 08:00–14:00" in page.text
    labels = [label for label, _ in page.buttons]
    assert labels == [f"✍️ Sign up for #{n}" for n in range(1, 6)] + ["Next ▶"]

    await bot.press_label(ali, "Next")
    second = bot.last(ali)
    assert second.method == "editMessageText"
    assert second.text.startswith("Open shifts you can sign up for (6–7 of 7):")
    assert [label for label, _ in second.buttons] == [
        "✍️ Sign up for #6", "✍️ Sign up for #7", "◀ Previous",
    ]

    calls = await bot.press_label(ali, "Sign up for #6")
    assert _alert(calls) == "Signed up. Thank you!"
    assert "You signed up for this shift" in bot.last(ali).text
    taken = await assignments_of(bot.db, week[5], "accepted")
    assert [r["volunteer_id"] for r in taken] == [101] and taken[0]["source"] == "signup"
    assert len(await bot.db.fetchall(
        "SELECT * FROM reminders WHERE assignment_id = ?", (taken[0]["id"],))) == 2
    # Pressing again changes nothing; the shift is gone from the list.
    again = await bot.press(ali, f"shf:sig:{week[5]}")
    assert _alert(again) == "You have already taken this place. See /myshifts."
    await bot.command(ali, "/shifts")
    assert "(1–5 of 6)" in bot.last(ali).text


async def test_signing_up_for_a_shift_that_just_filled_joins_the_waitlist(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    _need, (shift,) = await create_need(bot.db, entity, first_day=TUESDAY, slots=1)
    await create_volunteer(bot.db, 201)
    await create_volunteer(bot.db, 202)
    await bot.command(bot.user(201), "/shifts")
    await create_assignment(bot.db, shift, 202)  # someone else took it meanwhile

    await bot.press_label(bot.user(201), "التسجيل في المناوبة 1")

    row = (await assignments_of(bot.db, shift, "waitlisted"))[0]
    assert row["volunteer_id"] == 201
    assert "ترتيبك في قائمة الانتظار هو \u20661\u2069" in bot.last(201).text


async def test_signing_up_again_after_declining(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    _need, (shift,) = await create_need(bot.db, entity, first_day=TUESDAY, slots=2)
    await create_volunteer(bot.db, 251)
    declined = await create_assignment(bot.db, shift, 251, status="declined")

    await bot.press(bot.user(251), f"shf:sig:{shift}")

    row = await assignment(bot.db, declined)
    assert row["status"] == "accepted" and row["source"] == "signup"


async def test_signing_up_for_a_clashing_shift_is_refused(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    _need, (first,) = await create_need(bot.db, entity, first_day=TUESDAY)
    _need, (second,) = await create_need(bot.db, entity, first_day=TUESDAY, start=time(13),
                                         end=time(15), site_name="Uhud")
    await create_volunteer(bot.db, 271)
    await create_assignment(bot.db, first, 271)

    calls = await bot.press(bot.user(271), f"shf:sig:{second}")

    assert _alert(calls) == "لديك مناوبة أخرى في الوقت نفسه."
    assert await assignments_of(bot.db, second) == []


async def test_shift_commands_are_refused_to_people_who_cannot_use_them(bot: BotHarness) -> None:
    entity = await create_entity(bot.db, reps=[301])
    _need, (shift,) = await create_need(bot.db, entity, first_day=TUESDAY)
    rep = bot.user(301, language_code="en")
    await bot.command(rep, "/shifts")
    assert bot.last(rep).text == "Sorry, this is only for volunteers."
    calls = await bot.press(rep, f"shf:sig:{shift}")
    assert _alert(calls) == "Sorry, this is only for volunteers."
    await bot.command(bot.admin, "/myshifts")
    assert bot.last(bot.admin).text == "Sorry, this is only for volunteers."

    stranger = bot.user(302, language_code="en")
    await bot.command(stranger, "/shifts")
    assert "not registered as a volunteer" in bot.last(stranger).text

    await create_volunteer(bot.db, 303, status="pending")
    await bot.command(bot.user(303, language_code="en"), "/shifts")
    assert "waiting for the office's approval" in bot.last(303).text

    await create_volunteer(bot.db, 304, status="paused")
    paused = bot.user(304, language_code="en")
    await bot.command(paused, "/shifts")
    assert "Send /resume" in bot.last(paused).text
    calls = await bot.press(paused, f"shf:sig:{shift}")
    assert "Send /resume" in _alert(calls)
    await bot.command(paused, "/myshifts")  # their own list stays visible while paused
    assert "no upcoming shifts" in bot.last(paused).text

    # A pause that is over counts as active again.
    await update_volunteer(bot.db, 304, paused_until=bot.clock.now() - timedelta(minutes=1))
    await bot.command(paused, "/shifts")
    assert "Open shifts you can sign up for" in bot.last(paused).text
    assert await assignments_of(bot.db, shift) == []


async def test_cancelling_early_frees_the_place_quietly(bot: BotHarness) -> None:
    entity = await create_entity(bot.db, reps=[490])
    _need, (shift,) = await create_need(bot.db, entity, first_day=TUESDAY)
    await create_volunteer(bot.db, 401, locale="en")
    taken = await create_assignment(bot.db, shift, 401)
    ali = bot.user(401, language_code="en")

    await bot.command(ali, "/myshifts")
    listing = bot.last(ali)
    assert listing.text.startswith("Your shifts:") and "✅ Accepted" in listing.text
    assert listing.buttons == [("✖️ Cancel #1", f"my:can:{taken}")]
    await bot.press_label(ali, "Cancel #1")
    assert "Cancel your place on this shift?" in bot.last(ali).text
    await bot.press_label(ali, "Yes, cancel")

    row = await assignment(bot.db, taken)
    assert row["status"] == "cancelled" and row["late_cancel"] == 0 and row["cancelled_at"]
    assert "Thank you for telling us in good time" in bot.last(ali).text
    assert await outbox(bot.db, "latecancel:") == []


async def test_keep_my_place_changes_nothing(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    _need, (shift,) = await create_need(bot.db, entity, first_day=TUESDAY)
    await create_volunteer(bot.db, 451)
    taken = await create_assignment(bot.db, shift, 451)
    person = bot.user(451)
    await bot.command(person, "/myshifts")
    await bot.press_label(person, "إلغاء المناوبة 1")

    await bot.press_label(person, "الإبقاء على مكاني")

    assert (await assignment(bot.db, taken))["status"] == "accepted"
    assert "مكانك محفوظ" in bot.last(person).text


async def test_cancelling_late_asks_why_counts_and_tells_the_office_and_the_entity(
    bot: BotHarness,
) -> None:
    await create_user(bot.db, 50, role="coordinator", locale="en")
    entity = await create_entity(bot.db, reps=[590])
    # Starts at 18:00 today, in 6 hours: inside LATE_CANCEL_HOURS (12).
    _need, (shift,) = await create_need(
        bot.db, entity, first_day=date(2026, 5, 10), start=time(15), end=time(19), slots=2
    )
    await create_volunteer(bot.db, 501, full_name="Omar Saleh", phone="+966501234567")
    taken = await create_assignment(bot.db, shift, 501)
    omar = bot.user(501)

    await bot.command(omar, "/myshifts")
    await bot.press_label(omar, "إلغاء المناوبة 1")
    question = bot.last(omar)
    assert "إلغاءً متأخرًا" in question.text and "6 ساعات" in question.text
    assert "ظرف صحي" in [label for label, _ in question.buttons]
    assert (await assignment(bot.db, taken))["status"] == "accepted"  # nothing yet

    await bot.press_label(omar, "ظرف صحي")

    row = await assignment(bot.db, taken)
    assert row["status"] == "cancelled" and row["late_cancel"] == 1
    assert row["cancel_reason"] == "I am ill"
    notices = {r["chat_id"]: r for r in await outbox(bot.db, "latecancel:")}
    assert set(notices) == {1, 50, 590}  # the admin, the coordinator, the entity's rep
    calls = await bot.flush_outbox()
    to_coordinator = next(c for c in calls if c.chat_id == 50)
    assert "Late cancellation" in to_coordinator.text
    assert "Omar Saleh (+966501234567) cancelled their place 6 hours before the start" in (
        to_coordinator.text
    )
    assert "Reason: I am ill" in to_coordinator.text
    to_rep = next(c for c in calls if c.chat_id == 590)
    assert "إلغاء متأخر" in to_rep.text and "السبب: \u2068ظرف صحي\u2069" in to_rep.text


async def test_a_late_cancellation_with_a_typed_reason(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    _need, (shift,) = await create_need(
        bot.db, entity, first_day=date(2026, 5, 10), start=time(15), end=time(19)
    )
    await create_volunteer(bot.db, 551)
    taken = await create_assignment(bot.db, shift, 551)
    person = bot.user(551)
    await bot.command(person, "/myshifts")
    await bot.press_label(person, "إلغاء المناوبة 1")

    await bot.text(person, "x")  # too short: asked again, nothing cancelled
    assert (await assignment(bot.db, taken))["status"] == "accepted"
    assert "يُرجى كتابة السبب" in bot.last(person).text
    await bot.text(person, "My car broke down")

    row = await assignment(bot.db, taken)
    assert row["status"] == "cancelled" and row["late_cancel"] == 1
    assert row["cancel_reason"] == "My car broke down"
    assert "وقد أُخطر المنظمون" in bot.last(person).text


async def test_slash_cancel_during_a_late_cancellation_keeps_the_place(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    _need, (shift,) = await create_need(
        bot.db, entity, first_day=date(2026, 5, 10), start=time(15), end=time(19)
    )
    await create_volunteer(bot.db, 571)
    taken = await create_assignment(bot.db, shift, 571)
    person = bot.user(571)
    await bot.command(person, "/myshifts")
    await bot.press_label(person, "إلغاء المناوبة 1")

    await bot.command(person, "/cancel")

    assert "مكانك محفوظ" in bot.last(person).text
    assert (await assignment(bot.db, taken))["status"] == "accepted"
    await bot.text(person, "I changed my mind")  # no longer taken as a reason
    assert (await assignment(bot.db, taken))["status"] == "accepted"


async def test_an_early_cancel_that_became_late_asks_for_a_reason(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    # Starts Monday 11 May at 08:00: 23 hours away, so 12 hours later cancelling is late.
    _need, (shift,) = await create_need(bot.db, entity, first_day=date(2026, 5, 11))
    await create_volunteer(bot.db, 581)
    taken = await create_assignment(bot.db, shift, 581)
    person = bot.user(581)
    await bot.command(person, "/myshifts")
    await bot.press_label(person, "إلغاء المناوبة 1")
    bot.clock.advance(hours=12)

    await bot.press_label(person, "نعم، إلغاء")

    assert (await assignment(bot.db, taken))["status"] == "accepted"
    assert "إلغاءً متأخرًا" in bot.last(person).text
    await bot.text(person, "Family matter")
    assert (await assignment(bot.db, taken))["late_cancel"] == 1


async def test_cancel_buttons_check_whose_place_and_when(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    _need, (shift,) = await create_need(bot.db, entity, first_day=TUESDAY, slots=2)
    await create_volunteer(bot.db, 601)
    await create_volunteer(bot.db, 602)
    theirs = await create_assignment(bot.db, shift, 602)
    intruder = bot.user(601)

    for data in (f"my:can:{theirs}", f"my:cok:{theirs}", f"my:lr:{theirs}:ill",
                 f"rem:no:{theirs}", f"rem:ok:{theirs}", f"my:keep:{theirs}"):
        calls = await bot.press(intruder, data)
        assert _alert(calls) == "هذا الزر ليس موجّهًا إليك.", data
    row = await assignment(bot.db, theirs)
    assert row["status"] == "accepted" and row["confirmed_at"] is None

    owner = bot.user(602)
    await bot.press(owner, f"my:cok:{theirs}")
    again = await bot.press(owner, f"my:cok:{theirs}")
    assert _alert(again) == "سبق أن ألغيت هذا المكان."

    mine = await create_assignment(bot.db, shift, 601)
    bot.clock.set(db.parse_ts("2026-05-12T05:30:00+00:00"))  # the shift has started
    calls = await bot.press(intruder, f"my:can:{mine}")
    assert _alert(calls) == "بدأت هذه المناوبة بالفعل."
    assert (await assignment(bot.db, mine))["status"] == "accepted"
    await bot.command(intruder, "/myshifts")
    # A started shift can no longer be cancelled; only checked in (attendance).
    assert "جارية الآن" in bot.last(intruder).text
    assert [data for _label, data in bot.last(intruder).buttons] == [f"att:in:{mine}"]


async def test_shifts_follow_fills_holds_and_specialties_at_once(bot: BotHarness) -> None:
    """/shifts counts places only for the shifts it lists (and reads only the page in full):
    what changed since the last /shifts shows at once."""
    entity = await create_entity(bot.db)
    await create_volunteer(bot.db, 601, locale="en", specialties=("guidance",))
    _need, guides = await create_need(bot.db, entity, first_day=TUESDAY, days=6, slots=2, title="Guides")
    await create_need(bot.db, entity, first_day=TUESDAY, specialty="healthcare", title="Medics",
                      start=time(16), end=time(18))
    for other in (602, 603, 604):
        await create_volunteer(bot.db, other)
    ali = bot.user(601, language_code="en")
    await bot.command(ali, "/shifts")
    assert bot.last(ali).text.startswith("Open shifts you can sign up for (1–5 of 6):")
    assert "Medics" not in bot.last(ali).text
    await bot.press_label(ali, "Next")  # the last page: the sixth shift

    # The first shift fills, the second has one place taken and one held for a promoted
    # waitlister (someone else's live offer), the sixth fills: the pressed page moves back.
    await create_assignment(bot.db, guides[0], 602)
    await create_assignment(bot.db, guides[0], 603)
    await create_assignment(bot.db, guides[1], 602)
    held = await create_assignment(bot.db, guides[1], 604, status="offered")
    async with bot.db.transaction() as tx:
        await tx.execute(
            "UPDATE assignments SET promoted_at = ?, expires_at = ? WHERE id = ?",
            (db.ts(bot.clock.now()), db.ts(bot.clock.now() + timedelta(hours=2)), held),
        )
    await create_assignment(bot.db, guides[5], 602)
    await create_assignment(bot.db, guides[5], 603)
    await bot.press_label(ali, "Previous")
    page = bot.last(ali).text
    assert page.startswith("Open shifts you can sign up for (1–3 of 3):")
    assert "1 place left" not in page and page.count("2 places left") == 3

    # A new specialty: its shifts are listed at once, in time order.
    async with bot.db.transaction() as tx:
        await tx.execute(
            "INSERT INTO volunteer_specialties (user_id, specialty) VALUES (?, 'healthcare')", (601,)
        )
    await bot.command(ali, "/shifts")
    page = bot.last(ali).text
    assert page.startswith("Open shifts you can sign up for (1–4 of 4):")
    assert "1. 25 Dhu al-Qadah (12 May), 16:00–18:00 — Medics" in page  # Tuesday's guides are full


async def test_shifts_list_training_and_language_needs_to_those_who_fit(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    await create_need(bot.db, entity, first_day=TUESDAY, title="Open to all")
    await create_need(bot.db, entity, first_day=TUESDAY + timedelta(days=1), title="Trained",
                      requires_training=True)
    await create_need(bot.db, entity, first_day=TUESDAY + timedelta(days=2), title="Urdu or Malay",
                      languages=("ur", "ms"))
    await create_volunteer(bot.db, 701, locale="en", languages=("ar", "ms"))
    await create_volunteer(bot.db, 702, locale="en")
    await qualify(bot.db, 701, "guidance")

    await bot.command(bot.user(701, language_code="en"), "/shifts")
    page = bot.last(701).text
    assert "(1–3 of 3)" in page and "Trained" in page and "Urdu or Malay" in page
    await bot.command(bot.user(702, language_code="en"), "/shifts")
    page = bot.last(702).text
    assert "(1–1 of 1)" in page and "Open to all" in page

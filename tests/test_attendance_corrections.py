"""Corrections by the people who were there: coordinators and the entity's representatives mark
volunteers present or absent on a started shift; everyone else is refused."""

from __future__ import annotations

import json

from bot import scheduler
from tests.factories import create_assignment, create_entity, create_user, create_volunteer
from tests.factories_attendance import ENDS, STARTS, at, taken_shift
from tests.factories_dispatch import assignment, outbox
from tests.harness import BotHarness


async def _shift_of_three(bot: BotHarness) -> tuple[int, list[int]]:
    _need, shift, first = await taken_shift(bot)
    others = []
    for user_id, name in ((102, "Omar Saleh"), (103, "Zaid Karim")):
        await create_volunteer(bot.db, user_id, full_name=name, locale="en", language_code="en")
        others.append(await create_assignment(bot.db, shift, user_id))
    await create_entity(bot.db, name_ar="جهة أخرى", name_en="Other entity", reps=[91])
    return shift, [first, *others]


async def _audit(bot: BotHarness) -> list[dict]:
    rows = await bot.db.fetchall(
        "SELECT * FROM audit_log WHERE action LIKE 'attendance.%' ORDER BY id"
    )
    return [{**dict(r), "details": json.loads(r["details"])} for r in rows]


async def test_rep_marks_present_and_absent_on_a_running_shift(bot: BotHarness) -> None:
    shift, (ali, omar, zaid) = await _shift_of_three(bot)
    rep = bot.user(90, "Rep", "en")
    await create_user(bot.db, 90, role="entity_rep", locale="en")

    at(bot, "2026-05-12T04:00:00+00:00")
    roster = await bot.press(rep, f"sh:r:{shift}:0")
    assert not any(data.startswith("att:v:") for _label, data in roster[-1].buttons)
    early = await bot.press(rep, f"att:v:{shift}:0")
    assert "once the shift has started" in bot.texts(early)

    at(bot, "2026-05-12T06:00:00+00:00")
    roster = await bot.press(rep, f"sh:r:{shift}:0")
    assert ("🧾 Attendance", f"att:v:{shift}:0") in roster[-1].buttons
    view = (await bot.press(rep, f"att:v:{shift}:0"))[-1]
    assert "Attendance of" in view.text and "in progress" in view.text
    assert view.text.count("not checked in") == 3
    assert ("✅ Present #1", f"att:p:{ali}:0") in view.buttons
    assert ("❌ Absent #2", f"att:a:{omar}:0") in view.buttons

    calls = await bot.press(rep, f"att:p:{ali}:0")
    assert "Marked present." in bot.texts(calls)
    row = await assignment(bot.db, ali)
    assert row["status"] == "checked_in" and row["checked_in_at"] == "2026-05-12T06:00:00+00:00"
    assert "checked in at 09:00" in calls[-1].text
    assert ("✅ Present #1", f"att:p:{ali}:0") not in calls[-1].buttons

    calls = await bot.press(rep, f"att:a:{omar}:0")
    assert "Marked absent." in bot.texts(calls)
    assert (await assignment(bot.db, omar))["status"] == "no_show"
    again = await bot.press(rep, f"att:a:{omar}:0")
    assert "Already recorded so." in bot.texts(again)

    audit = await _audit(bot)
    assert [(a["actor_id"], a["action"], a["target_id"]) for a in audit] == [
        (90, "attendance.present", str(ali)), (90, "attendance.absent", str(omar)),
    ]
    assert audit[1]["details"] == {"shift": shift, "volunteer": 102, "from": "accepted",
                                   "to": "no_show"}

    # The end: Ali (marked present) is completed and thanked; Zaid, never seen, a no-show.
    at(bot, "2026-05-12T12:00:00+00:00")
    report = await scheduler.tick(bot.app)
    assert (report.completed, report.no_shows) == (1, 1)
    assert (await assignment(bot.db, zaid))["status"] == "no_show"
    assert [r["chat_id"] for r in await outbox(bot.db, "thanks:")] == [101]


async def test_coordinator_corrects_an_ended_shift(bot: BotHarness) -> None:
    shift, (ali, omar, _zaid) = await _shift_of_three(bot)
    coordinator = bot.user(50, "Coord", "en")
    at(bot, "2026-05-12T12:00:00+00:00")
    await scheduler.tick(bot.app)
    assert (await assignment(bot.db, omar))["status"] == "no_show"
    view = (await bot.press(coordinator, f"att:v:{shift}:0"))[-1]
    assert "The shift has ended." in view.text and "absent" in view.text

    calls = await bot.press(coordinator, f"att:p:{omar}:0")
    assert "counts as served" in bot.texts(calls)
    row = await assignment(bot.db, omar)
    assert row["status"] == "completed" and row["completed_at"] == ENDS
    assert row["no_show_at"] is None
    thanks = [c for c in await bot.flush_outbox() if "Thank you for your service" in c.text]
    assert [c.chat_id for c in thanks] == [102] and "6 hours" in thanks[0].text
    # Absent after all, then present again: one thank-you only.
    await bot.press(coordinator, f"att:a:{omar}:0")
    assert (await assignment(bot.db, omar))["status"] == "no_show"
    await bot.press(coordinator, f"att:p:{omar}:0")
    assert len(await outbox(bot.db, "thanks:")) == 1
    assert [a["action"] for a in await _audit(bot)] == [
        "attendance.present", "attendance.absent", "attendance.present",
    ]
    assert (await assignment(bot.db, ali))["status"] == "no_show"


async def test_volunteers_and_other_entities_are_refused(bot: BotHarness) -> None:
    shift, (ali, omar, _zaid) = await _shift_of_three(bot)
    at(bot, STARTS)
    volunteer = bot.user(101, language_code="en")
    other_rep = bot.user(91, "Other", "en")
    await create_user(bot.db, 91, role="entity_rep", locale="en")
    for user, refusal in (
        (volunteer, "only for partner entities' representatives and office staff"),
        (other_rep, "this belongs to another entity"),
    ):
        for data in (f"att:v:{shift}:0", f"att:p:{omar}:0", f"att:a:{ali}:0", f"sh:r:{shift}:0"):
            calls = await bot.press(user, data)  # forged: never sent to them
            assert refusal in bot.texts(calls), (user, data)
            assert not [c for c in calls if c.method == "editMessageText"]
    assert (await assignment(bot.db, ali))["status"] == "accepted"
    assert (await assignment(bot.db, omar))["status"] == "accepted"
    assert await _audit(bot) == []


async def test_cancelled_or_unknown_places_change_nothing(bot: BotHarness) -> None:
    _shift, (ali, _omar, _zaid) = await _shift_of_three(bot)
    rep = bot.user(90, "Rep", "en")
    await create_user(bot.db, 90, role="entity_rep", locale="en")
    at(bot, "2026-05-12T04:00:00+00:00")
    await bot.press(bot.user(101, language_code="en"), f"my:can:{ali}")
    await bot.press_label(bot.user(101, language_code="en"), "I am ill")
    at(bot, STARTS)
    calls = await bot.press(rep, f"att:p:{ali}:0")
    assert "no longer holds a place" in bot.texts(calls)
    assert (await assignment(bot.db, ali))["status"] == "cancelled"
    calls = await bot.press(rep, "att:p:99999:0")
    assert "no longer active" in bot.texts(calls)
    assert await _audit(bot) == []

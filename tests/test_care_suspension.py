"""Suspension with care: the reason question is the confirmation; the volunteer is told how to
reach the office (OFFICE_CONTACT, or a neutral line); their places on shifts not ended are
released to the waitlist, offers withdrawn, reminders stopped and check-in refused; reinstating
gives nothing back; all audited with the reason; refused for others and in groups."""

from __future__ import annotations

import json
from datetime import date

from bot import scheduler
from tests.factories import create_assignment, create_need, create_user, create_volunteer
from tests.factories_attendance import at, taken_shift
from tests.factories_dispatch import assignment, assignments_of
from tests.harness import BotHarness

THURSDAY = date(2026, 5, 14)
DUE_24H = "2026-05-11T05:00:00+00:00"  # the Tuesday shift's 24 h reminder


def alerts(calls: list) -> list[str]:  # type: ignore[type-arg]
    return [c.params.get("text", "") for c in calls if c.method == "answerCallbackQuery"
            and c.params.get("show_alert")]


async def _volunteer_with_places(bot: BotHarness) -> tuple[int, int, int, int]:
    """Ali (101) holds the only place of the Tuesday shift, Omar (102) waits behind him, and Ali
    has an offer for a Thursday shift; returns (shift, Ali's place, Omar's turn, Ali's offer)."""
    need, shift, place = await taken_shift(bot, slots=1)
    # Omar works in another field: the Thursday offer is Ali's alone.
    await create_volunteer(bot.db, 102, full_name="Omar Saleh", locale="en",
                           specialties=("healthcare",))
    omar = await create_assignment(bot.db, shift, 102, status="waitlisted")
    await bot.db.execute("UPDATE assignments SET waitlist_seq = 1, waitlisted_at = offered_at"
                         " WHERE id = ?", (omar,))
    entity = (await bot.db.fetchone("SELECT entity_id FROM needs WHERE id = ?", (need,)))[0]
    _other, (thursday,) = await create_need(bot.db, entity, first_day=THURSDAY, slots=1)
    await scheduler.tick(bot.app)  # the Thursday offer goes to Ali
    offers = await assignments_of(bot.db, thursday, "offered")
    assert [o["volunteer_id"] for o in offers] == [101]
    await bot.flush_outbox()
    return shift, place, omar, offers[0]["id"]


async def test_suspending_asks_why_then_releases_everything_with_care(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot(OFFICE_CONTACT="+966 14 800 0000 (Sunday to Thursday)")
    shift, place, omar, offer = await _volunteer_with_places(bot)
    coordinator = bot.user(50, "Coord", "en")

    question = (await bot.press(coordinator, "vol:su:101"))[-1]
    assert "Suspend Ali Hasan (101)?" in question.text
    assert "Their 2 upcoming shifts and offers will be released" in question.text
    assert "gives nothing back" in question.text and "not shown it" in question.text
    assert ("Repeated no-shows", "susp:r:101:noshows") in question.buttons
    assert ("↩️ Keep them active", "susp:x:101") in question.buttons
    assert (await bot.db.fetchval("SELECT status FROM volunteers WHERE user_id = 101")) == "active"

    calls = await bot.press(coordinator, "susp:r:101:noshows")
    done = bot.texts(calls)
    assert "⛔ Suspended. Reason: Repeated no-shows" in done
    assert "1 place released, 1 offer withdrawn." in done
    assert calls[-1].buttons == [("👤 Open the card", "vol:v:101")]
    assert (await bot.db.fetchval("SELECT status FROM volunteers WHERE user_id = 101")) == "suspended"
    for taken in (place, offer):
        row = await assignment(bot.db, taken)
        assert row["status"] == "cancelled" and row["cancel_reason"] == "volunteer_suspended"
        assert row["late_cancel"] == 0
    promoted = await assignment(bot.db, omar)
    assert promoted["status"] == "offered" and promoted["promoted_at"] is not None
    audit = await bot.db.fetchone("SELECT * FROM audit_log WHERE action = 'volunteer.suspend'")
    assert audit["actor_id"] == 50 and json.loads(audit["details"]) == {
        "reason": "Repeated no-shows", "released": 1, "withdrawn": 1}

    calls = await bot.flush_outbox()
    told = [c for c in calls if c.chat_id == 101 and c.method == "sendMessage"]
    assert len(told) == 1
    assert "suspended by the office" in told[0].text
    assert "Your 2 upcoming shifts and offers were released" in told[0].text
    assert "+966 14 800 0000 (Sunday to Thursday)" in told[0].text
    assert "no-shows" not in told[0].text  # the office's reason stays with the office
    edited = [c for c in calls if c.chat_id == 101 and c.method == "editMessageText"]
    assert any("withdrawn by the volunteer office" in c.text for c in edited)
    assert any(c.chat_id == 102 and "A place has opened up" in c.text for c in calls)

    # Reminders stopped: nothing for Ali at the 24 h mark.
    at(bot, DUE_24H)
    await scheduler.tick(bot.app)
    assert not [c for c in await bot.flush_outbox() if c.chat_id == 101]
    skipped = await bot.db.fetchval(
        "SELECT COUNT(*) FROM reminders WHERE assignment_id = ? AND skipped_at IS NOT NULL", (place,))
    assert skipped == 2

    # Reinstating gives nothing back, and says so.
    calls = await bot.press(coordinator, "vol:re:101")
    assert "released places were not given back" in calls[0].params["text"]
    assert (await assignment(bot.db, place))["status"] == "cancelled"
    told = [c for c in await bot.flush_outbox() if c.chat_id == 101]
    assert "not given back" in told[0].text
    _ = shift


async def test_a_typed_reason_in_arabic_and_the_neutral_office_line(bot: BotHarness) -> None:
    await create_user(bot.db, 50, role="coordinator", locale="ar")
    await create_volunteer(bot.db, 101, full_name="Huda Ali", gender="female", locale="ar")
    coordinator = bot.user(50, "Coord")
    question = (await bot.press(coordinator, "vol:su:101"))[-1]
    assert "إيقاف" in question.text
    calls = await bot.text(coordinator, "ok")  # too short: asked again
    assert "3" in bot.texts(calls)
    calls = await bot.text(coordinator, "طلبت التوقف حتى نهاية الموسم")
    assert "⛔" in bot.texts(calls)
    audit = await bot.db.fetchone("SELECT details FROM audit_log WHERE action = 'volunteer.suspend'")
    assert json.loads(audit["details"])["reason"] == "طلبت التوقف حتى نهاية الموسم"
    told = [c for c in await bot.flush_outbox() if c.chat_id == 101]
    assert len(told) == 1 and "مكتب التطوع" in told[0].text
    assert "طلبت التوقف" not in told[0].text


async def test_keep_cancel_and_a_dead_reason_button(bot: BotHarness) -> None:
    await create_user(bot.db, 50, role="coordinator", locale="en")
    await create_volunteer(bot.db, 101, full_name="Ali Hasan", locale="en")
    coordinator = bot.user(50, "Coord", "en")
    await bot.press(coordinator, "vol:su:101")
    calls = await bot.press(coordinator, "susp:x:101")
    assert "Nothing was changed: the volunteer is still active." in bot.texts(calls)
    await bot.press(coordinator, "vol:su:101")
    calls = await bot.command(coordinator, "/cancel")
    assert "Nothing was changed" in bot.texts(calls)
    # The question's buttons are dead once it was left: no suspension from an old button.
    await bot.press(coordinator, "susp:r:101:conduct")
    assert (await bot.db.fetchval("SELECT status FROM volunteers WHERE user_id = 101")) == "active"
    assert await bot.db.fetchval("SELECT COUNT(*) FROM audit_log") == 0


async def test_refused_for_volunteers_representatives_and_in_groups(bot: BotHarness) -> None:
    await create_user(bot.db, 50, role="coordinator", locale="en")
    await create_user(bot.db, 90, role="entity_rep", locale="en")
    await create_volunteer(bot.db, 101, full_name="Ali Hasan", locale="en")
    await create_volunteer(bot.db, 102, full_name="Omar Saleh", locale="en")
    for user_id in (102, 90):
        for data in ("vol:su:101", "susp:r:101:conduct", "susp:x:101"):
            calls = await bot.press(bot.user(user_id, "X", "en"), data)
            assert "⛔ Suspended" not in bot.texts(calls), data
    assert (await bot.db.fetchval("SELECT status FROM volunteers WHERE user_id = 101")) == "active"
    assert await bot.db.fetchval("SELECT COUNT(*) FROM audit_log") == 0


async def test_a_suspended_volunteer_cannot_check_in(bot: BotHarness) -> None:
    _need, _shift, place = await taken_shift(bot)
    await bot.db.execute("UPDATE volunteers SET status = 'suspended' WHERE user_id = 101")
    at(bot, "2026-05-12T05:00:00+00:00")
    calls = await bot.press(bot.user(101, language_code="en"), f"att:in:{place}")
    assert alerts(calls) == [
        "Your volunteer account is suspended, so you cannot check in. Please contact the "
        "volunteer office."
    ]
    assert (await assignment(bot.db, place))["status"] == "accepted"

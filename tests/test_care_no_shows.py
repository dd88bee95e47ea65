"""No-shows told with care: the volunteer gets a kind word (in their language, addressed by their
gender) with a way to say what happened; the roster counts who came and who did not; the card
shows reliability; finished needs stay in /needs so that attendance can be corrected."""

from __future__ import annotations

from bot import scheduler
from tests.factories import create_assignment, create_user, create_volunteer
from tests.factories_attendance import STARTS, at, taken_shift
from tests.factories_dispatch import assignment, outbox
from tests.harness import BotHarness

SETTLED = "2026-05-12T12:00:00+00:00"  # the shift's end + NO_SHOW_GRACE


def alerts(calls: list) -> list[str]:  # type: ignore[type-arg]
    return [c.params.get("text", "") for c in calls if c.method == "answerCallbackQuery"
            and c.params.get("show_alert")]


async def _settled_no_show(bot: BotHarness) -> tuple[int, int, int]:
    need, shift, taken = await taken_shift(bot)
    at(bot, SETTLED)
    assert (await scheduler.tick(bot.app)).no_shows == 1
    return need, shift, taken


async def test_a_settled_no_show_gets_a_kind_word_and_can_say_what_happened(bot: BotHarness) -> None:
    _need, shift, taken = await _settled_no_show(bot)
    await scheduler.tick(bot.app)  # a second tick tells nobody again
    told = [c for c in await bot.flush_outbox() if c.chat_id == 101]
    assert len(told) == 1
    assert "We missed you at" in told[0].text and "nobody holds it against you" in told[0].text
    assert told[0].buttons == [("💬 Tell us what happened", f"att:why:{taken}")]
    assert len(await outbox(bot.db, "noshow:")) == 1

    ali = bot.user(101, language_code="en")
    question = (await bot.press(ali, f"att:why:{taken}"))[-1]
    assert "What happened?" in question.text
    assert ("I came but did not check in", f"att:nsr:{taken}:came") in question.buttons
    calls = await bot.press(ali, f"att:nsr:{taken}:came")
    assert "Thank you for telling us" in bot.texts(calls)
    assert (await assignment(bot.db, taken))["no_show_reason"] == "I came but did not check in"

    # The representative's roster counts it and shows why.
    await create_user(bot.db, 90, role="entity_rep", locale="en")
    roster = (await bot.press(bot.user(90, "Rep", "en"), f"sh:r:{shift}:0"))[-1]
    assert "3 places: 0 served, 1 no-show." in roster.text
    assert "of 3 places taken" not in roster.text
    assert "Ali Hasan" in roster.text and "❌ absent (I came but did not check in)" in roster.text
    # ... and so does the coordinators' attendance page.
    view = (await bot.press(bot.user(50, "Coord", "en"), f"att:v:{shift}:0"))[-1]
    assert "❌ absent (I came but did not check in)" in view.text


async def test_a_typed_reason_and_a_press_after_a_correction(bot: BotHarness) -> None:
    _need, shift, taken = await _settled_no_show(bot)
    await bot.flush_outbox()
    ali = bot.user(101, language_code="en")
    await bot.press(ali, f"att:why:{taken}")
    calls = await bot.text(ali, "x")
    assert "Please type what happened" in bot.texts(calls)
    calls = await bot.text(ali, "My bus broke down")
    assert "Thank you for telling us" in bot.texts(calls)
    assert (await assignment(bot.db, taken))["no_show_reason"] == "My bus broke down"

    # The coordinator corrects it to present: the button now says so and changes nothing.
    coordinator = bot.user(50, "Coord", "en")
    await bot.press(coordinator, f"att:v:{shift}:0")
    await bot.press(coordinator, f"att:p:{taken}:0")
    assert (await assignment(bot.db, taken))["status"] == "completed"
    calls = await bot.press(ali, f"att:why:{taken}")
    assert alerts(calls) == ["The organisers have corrected this: you are recorded as present. Thank you!"]
    # Someone else's button is refused.
    await create_volunteer(bot.db, 102, full_name="Omar Saleh", language_code="en")
    calls = await bot.press(bot.user(102, language_code="en"), f"att:nsr:{taken}:ill")
    assert alerts(calls) == ["This button is not meant for you."]


async def test_marked_absent_tells_the_volunteer_in_arabic_by_gender(bot: BotHarness) -> None:
    _need, shift, taken = await taken_shift(bot)
    await create_volunteer(bot.db, 102, full_name="Huda Ali", gender="female", locale="ar")
    huda = await create_assignment(bot.db, shift, 102)
    coordinator = bot.user(50, "Coord", "en")
    at(bot, "2026-05-12T06:00:00+00:00")
    await bot.press(coordinator, f"att:v:{shift}:0")
    await bot.press(coordinator, f"att:a:{huda}:0")
    await bot.press(coordinator, f"att:a:{taken}:0")  # Ali, then corrected before it was sent
    await bot.press(coordinator, f"att:p:{taken}:0")
    calls = await bot.flush_outbox()
    to_huda = [c for c in calls if c.chat_id == 102]
    assert len(to_huda) == 1 and "افتقدناكِ" in to_huda[0].text and "تكوني" in to_huda[0].text
    assert to_huda[0].buttons == [("💬 أخبرينا بما حدث", f"att:why:{huda}")]
    assert not [c for c in calls if c.chat_id == 101]  # withdrawn: Ali was there after all
    question = (await bot.press(bot.user(102), f"att:why:{huda}"))[-1]
    assert "ماذا حدث؟" in question.text


async def test_the_roster_before_during_and_after(bot: BotHarness) -> None:
    _need, shift, taken = await taken_shift(bot)
    await create_volunteer(bot.db, 102, full_name="Omar Saleh", language_code="en")
    await create_assignment(bot.db, shift, 102)
    coordinator = bot.user(50, "Coord", "en")
    at(bot, "2026-05-12T04:00:00+00:00")
    roster = (await bot.press(coordinator, f"sh:r:{shift}:0"))[-1]
    assert "Places taken: 2 of 3." in roster.text
    at(bot, STARTS)
    await bot.press(bot.user(101, language_code="en"), f"att:in:{taken}")
    roster = (await bot.press(coordinator, f"sh:r:{shift}:0"))[-1]
    assert "3 places: 1 present, 1 not checked in." in roster.text
    assert "📍 checked in" in roster.text and "⏳ not checked in" in roster.text
    at(bot, SETTLED)
    await scheduler.tick(bot.app)
    roster = (await bot.press(coordinator, f"sh:r:{shift}:0"))[-1]
    assert "3 places: 1 served, 1 no-show." in roster.text
    await create_user(bot.db, 51, role="coordinator", locale="ar")
    ar = (await bot.press(bot.user(51, "Huda"), f"sh:r:{shift}:0"))[-1]
    assert "3 أماكن: أتمّها واحد، تغيّب واحد." in ar.text


async def test_the_card_shows_reliability(bot: BotHarness) -> None:
    await _settled_no_show(bot)
    coordinator = bot.user(50, "Coord", "en")
    card = (await bot.press(coordinator, "vol:v:101"))[-1]
    assert "Reliability: 0 shifts served, 1 no-show, 0 late cancellations (came to 0 of 1 shift)" in card.text
    await create_volunteer(bot.db, 102, full_name="Omar Saleh", language_code="en")
    card = (await bot.press(coordinator, "vol:v:102"))[-1]
    assert "Reliability: 0 shifts served, 0 no-shows, 0 late cancellations" in card.text
    assert "came to" not in card.text


async def test_finished_needs_stay_listed_for_corrections(bot: BotHarness) -> None:
    need, shift, taken = await _settled_no_show(bot)
    coordinator = bot.user(50, "Coord", "en")
    listing = (await bot.command(coordinator, "/needs"))[-1]
    assert f"nd:o:{need}:0" not in [d for _l, d in listing.buttons]  # not active any more
    assert ("🏁 Finished needs", "nds:f:0") in listing.buttons
    finished = (await bot.press(coordinator, "nds:f:0"))[-1]
    assert "Finished needs (1)" in finished.text
    assert any(d == f"nd:o:{need}:0" for _l, d in finished.buttons)
    assert ("◀ Active needs", "nds:p:0") in finished.buttons
    await bot.press(coordinator, f"nd:o:{need}:0")
    await bot.press(coordinator, f"sh:r:{shift}:0")
    await bot.press(coordinator, f"att:v:{shift}:0")
    await bot.press(coordinator, f"att:p:{taken}:0")
    assert (await assignment(bot.db, taken))["status"] == "completed"
    # Arabic, and a volunteer is refused the filter.
    await create_user(bot.db, 51, role="coordinator", locale="ar")
    arabic = await bot.press(bot.user(51, "Huda"), "nds:f:0")
    assert "المنتهية" in bot.texts(arabic)
    calls = await bot.press(bot.user(101, language_code="en"), "nds:f:0")
    assert "Finished needs" not in bot.texts(calls)

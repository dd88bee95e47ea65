"""A need's languages are "any of", with optional minimums per language (issue 13, item 1):
intake, the approval card, the waves, taking a place and the broadcast audience, through the
real Application."""

from __future__ import annotations

from datetime import UTC, datetime, time

from bot import db, scheduler
from bot.audience import Audience
from tests.factories import create_entity, create_need, create_volunteer
from tests.factories_dispatch import TUESDAY, assignments_of, offered_ids
from tests.factories_needs import add_staff, answer, assert_arabic, fill_intake, intake_steps, tr
from tests.harness import BotHarness


async def _accept(bot: BotHarness, volunteer_id: int, shift_id: int) -> str:
    row = await bot.db.fetchone(
        "SELECT id FROM assignments WHERE shift_id = ? AND volunteer_id = ?", (shift_id, volunteer_id)
    )
    user = bot.user(volunteer_id, "Vol", "en")
    await bot.press(user, f"off:acc:{row['id']}")
    status = await bot.db.fetchval("SELECT status FROM assignments WHERE id = ?", (row["id"],))
    return str(status)


async def test_a_two_language_need_is_filled_by_a_mix_of_speakers(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    for user_id in (301, 302):
        await create_volunteer(bot.db, user_id, languages=("ar", "ur"), locale="en")
    for user_id in (303, 304):
        await create_volunteer(bot.db, user_id, languages=("id",), locale="en")
    await create_volunteer(bot.db, 305, languages=("ar", "en"), locale="en")  # speaks neither
    _need, (shift,) = await create_need(bot.db, entity, first_day=TUESDAY, slots=4, languages=("ur", "id"))

    report = await scheduler.tick(bot.app)

    assert report.offers_made == 4
    assert sorted(await offered_ids(bot.db, shift)) == [301, 302, 303, 304]
    await bot.flush_outbox()
    assert [await _accept(bot, v, shift) for v in (301, 303, 302, 304)] == ["accepted"] * 4
    # /shifts shows the need to a speaker of either language, not to the one who speaks neither.
    entity2 = await create_entity(bot.db, name_ar="جهة", name_en="Other")
    await create_need(bot.db, entity2, first_day=TUESDAY, slots=2, languages=("ur", "id"),
                      title="Second need", start=time(16), end=time(18))
    calls = await bot.command(bot.user(303, "Vol", "en"), "/shifts")
    assert "Second need" in bot.texts(calls)
    calls = await bot.command(bot.user(305, "Vol", "en"), "/shifts")
    assert "Second need" not in bot.texts(calls)


async def test_a_minimum_per_language_from_intake_to_the_places(bot: BotHarness) -> None:
    await create_entity(bot.db, reps=(601,))
    coordinator = await add_staff(bot, 701, "Khalid", "en")
    rep = bot.user(601, "Rep", "en")
    # Indonesian speakers registered first, so they rank first.
    for user_id in range(401, 407):
        await create_volunteer(bot.db, user_id, languages=("id",), locale="en",
                               registered_at=datetime(2025, 1, user_id - 400, tzinfo=UTC))
    for user_id in (411, 412, 413):
        await create_volunteer(bot.db, user_id, languages=("ur",), locale="en")

    summary = await fill_intake(bot, rep, languages=("ur", "id"), minimums={"ur": 2}, slots="4",
                                first="2026-05-12", last=None, location=None)
    assert "Urdu (at least 2 per shift) or Indonesian (any one of them)" in summary.text
    await bot.press(rep, "ni:submit")
    rows = await bot.db.fetchall("SELECT language, minimum FROM need_languages ORDER BY language")
    assert [tuple(r) for r in rows] == [("id", 0), ("ur", 2)]
    cards = await bot.flush_outbox()
    card = next(c for c in cards if c.chat_id == coordinator.id)
    assert "Urdu (at least 2 per shift)" in card.text
    await bot.press(coordinator, "apr:ok:1")
    (shift,) = [r["id"] for r in await bot.db.fetchall("SELECT id FROM shifts")]

    await scheduler.tick(bot.app)
    # 4 places x 1.5 = 6 offers: 4 Indonesian speakers, and 2 of the wave kept for Urdu speakers.
    assert sorted(await offered_ids(bot.db, shift)) == [401, 402, 403, 404, 411, 412]
    await bot.flush_outbox()

    assert await _accept(bot, 401, shift) == "accepted"
    assert await _accept(bot, 402, shift) == "accepted"
    # Two places left, both kept for the two Urdu speakers being asked.
    assert await _accept(bot, 403, shift) == "waitlisted"
    assert await _accept(bot, 411, shift) == "accepted"
    assert await _accept(bot, 412, shift) == "accepted"
    assert await _accept(bot, 404, shift) == "waitlisted"
    spoken = {r["volunteer_id"] for r in await assignments_of(bot.db, shift, "accepted")}
    assert spoken == {401, 402, 411, 412}


async def test_a_minimum_with_too_few_speakers_asked_keeps_nothing_back(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    for user_id in range(401, 405):
        await create_volunteer(bot.db, user_id, languages=("id",), locale="en")
    need, (shift,) = await create_need(bot.db, entity, first_day=TUESDAY, slots=3, languages=("ur", "id"))
    async with bot.db.transaction() as tx:
        await tx.execute("UPDATE need_languages SET minimum = 2 WHERE need_id = ? AND language = 'ur'", (need,))

    await scheduler.tick(bot.app)
    assert sorted(await offered_ids(bot.db, shift)) == [401, 402, 403, 404]  # no Urdu speaker at all
    await bot.flush_outbox()
    assert [await _accept(bot, v, shift) for v in (401, 402, 403)] == ["accepted"] * 3


async def test_the_minimum_question_in_both_languages_and_its_checks(bot: BotHarness) -> None:
    await create_entity(bot.db, reps=(601, 602))
    for user, locale in ((bot.user(601, "Rep", "en"), "en"), (bot.user(602, "Rep", "ar"), "ar")):
        steps = intake_steps(languages=("ur", "bn"), slots="10")
        cut = steps.index(("press", "ni:lgok")) + 1
        for step in steps[:cut]:
            await answer(bot, user, step)
        question = bot.last(user)
        assert tr(locale, "Done ✔") in [label for label, _ in question.buttons]
        if locale == "ar":
            assert_arabic(question.text)
        else:
            assert "minimum number of speakers" in question.text
        await bot.press(user, "ni:mn:bn")
        calls = await bot.text(user, "11")
        assert tr(locale, "Please type a number from {low} to {high}.").format(low=0, high=10) in calls[-1].text
        await bot.text(user, "6")
        await bot.press(user, "ni:mn:ur")
        calls = await bot.text(user, "5")  # 6 + 5 > 10
        assert tr(locale, "The minimums would add up to more than a shift's volunteers ({slots}). "
                          "Please type a smaller number.").format(slots=10) in calls[-1].text
        calls = await bot.text(user, "٤")
        assert any(data == "ni:mn:done" for _, data in calls[-1].buttons)
        await bot.press(user, "ni:mn:done")
        draft = bot.app.user_data[user.id]["need_intake"]
        assert draft["minimums"] == {"bn": 6, "ur": 4}


def test_the_broadcast_audience_uses_the_same_rule() -> None:
    audience = Audience(languages=("ur", "id"))
    assert audience.speaks({"ur"}) and audience.speaks({"id", "ar"})
    assert not audience.speaks({"ar"})
    assert Audience().speaks(set())


async def test_the_audience_sql_matches_the_rule(bot: BotHarness) -> None:
    spoken = {501: ("ur",), 502: ("id",), 503: ("ur", "id"), 504: ("ar",), 505: ()}
    for user_id, languages in spoken.items():
        await create_volunteer(bot.db, user_id, languages=languages)
    audience = Audience(languages=("ur", "id"))
    sql, params = db.audience_select(audience, now=bot.clock.now())
    chats = sorted(r[0] for r in await bot.db.fetchall(sql, params))
    assert chats == sorted(u for u, langs in spoken.items() if audience.speaks(langs))

"""Offers made by hand: a coordinator (or the entity's representative, for its own shifts) offers a
specific shift to a specific volunteer, sees every requirement they fail, may waive them with a
reason (audit-logged); the offer is dispatch's own and the volunteer accepts it as any offer."""

from __future__ import annotations

import json

from tests.factories import create_entity, create_need, create_user, create_volunteer
from tests.factories_dispatch import TUESDAY, assignments_of, outbox, payload
from tests.harness import BotHarness

COORDINATOR, REP, OTHER_REP = 50, 90, 91
ALI, HIND = 101, 102  # Ali meets every requirement; Hind is a nurse who speaks English only
GROUP = {"id": -1001234567890, "type": "supergroup", "title": "Madinah office"}


async def _office(bot: BotHarness, *, coordinator_locale: str = "en") -> int:
    """The entity (rep 90), another entity (rep 91), a coordinator and two volunteers; returns
    the Tuesday shift (guidance, Urdu asked)."""
    await create_user(bot.db, COORDINATOR, role="coordinator", locale=coordinator_locale,
                      language_code=coordinator_locale)
    entity = await create_entity(bot.db, reps=[REP])
    await create_entity(bot.db, name_ar="جهة أخرى", name_en="Other entity", reps=[OTHER_REP])
    _need, (shift,) = await create_need(bot.db, entity, first_day=TUESDAY, languages=["ur"])
    await create_volunteer(bot.db, ALI, full_name="Ali Hasan", languages=["ar", "ur"],
                           locale="en", language_code="en")
    await create_volunteer(bot.db, HIND, full_name="Hind Saleh", gender="female",
                           specialties=["healthcare"], languages=["en"], locale="ar")
    return shift


async def _audit(bot: BotHarness) -> list[dict]:
    rows = await bot.db.fetchall("SELECT * FROM audit_log WHERE action = 'offer.manual'")
    return [{**dict(r), "details": json.loads(r["details"])} for r in rows]


async def test_a_coordinator_offers_a_shift_from_a_volunteer_card_and_the_volunteer_accepts(
    bot: BotHarness,
) -> None:
    shift = await _office(bot)
    staff, ali = bot.user(COORDINATOR, "Coord", "en"), bot.user(ALI, "Ali", "en")
    card = (await bot.press(staff, f"vol:v:{ALI}"))[-1]
    assert ("📣 Offer a shift", f"mo:v:{ALI}:0") in card.buttons
    choices = (await bot.press(staff, f"mo:v:{ALI}:0"))[-1]
    assert "Which shift should be offered to Ali Hasan?" in choices.text
    assert "Guides at Quba Mosque" in choices.text and "5 free" in choices.text
    assert ("#1", f"mo:c:{shift}:{ALI}") in choices.buttons

    screen = (await bot.press(staff, f"mo:c:{shift}:{ALI}"))[-1]
    assert "✅ Meets every requirement of this shift." in screen.text
    assert "5 places are free." in screen.text
    assert ("📣 Send the offer", f"mo:ok:{shift}:{ALI}") in screen.buttons

    calls = await bot.press(staff, f"mo:ok:{shift}:{ALI}")
    assert "Offer sent to Ali Hasan" in bot.texts(calls)
    (row,) = await assignments_of(bot.db, shift, "offered")
    assert row["volunteer_id"] == ALI and row["source"] == "manual" and row["waived"] is None
    # A retap (the answer lost) makes no second offer.
    again = await bot.press(staff, f"mo:ok:{shift}:{ALI}")
    assert "already sent" in bot.texts(again)
    offers = await outbox(bot.db, "manual:")
    assert len(offers) == 1
    audit = await _audit(bot)
    assert len(audit) == 1 and audit[0]["actor_id"] == COORDINATOR
    assert audit[0]["details"] == {"shift": shift, "volunteer": ALI}

    # The same offer message and buttons as a dispatch offer, in the volunteer's language.
    await bot.flush_outbox()
    offer = bot.last(ali, "sendMessage")
    assert "A volunteer shift that matches you" in offer.text
    assert ("✅ Accept", f"off:acc:{row['id']}") in offer.buttons
    accepted = await bot.press(ali, f"off:acc:{row['id']}")
    assert "You accepted this shift" in bot.texts(accepted)
    assert (await assignments_of(bot.db, shift, "accepted"))[0]["volunteer_id"] == ALI


async def test_overriding_failed_requirements_asks_a_reason_and_the_audit_keeps_it(
    bot: BotHarness,
) -> None:
    shift = await _office(bot)
    staff, hind = bot.user(COORDINATOR, "Coord", "en"), bot.user(HIND, "Hind", "ar")
    screen = (await bot.press(staff, f"mo:c:{shift}:{HIND}"))[-1]
    assert "Requirements not met:" in screen.text
    assert "❌ Has not registered for the specialty Guidance and wayfinding" in screen.text or (
        "❌ Has not registered for the specialty" in screen.text)
    assert "❌ Speaks none of the languages the shift asks for: Urdu." in screen.text
    assert "Meets every requirement" not in screen.text
    assert not any(d.startswith("mo:ok:") for _l, d in screen.buttons)
    assert ("⚠️ Offer anyway, with a reason", f"mw:go:{shift}:{HIND}") in screen.buttons

    question = await bot.press(staff, f"mw:go:{shift}:{HIND}")
    assert "Why offer this shift to Hind Saleh" in bot.texts(question)
    short = await bot.text(staff, "ok")
    assert "too short" in bot.texts(short)
    assert not await assignments_of(bot.db, shift)
    done = await bot.text(staff, "She speaks Urdu; confirmed by phone")
    assert "Offer sent to Hind Saleh" in bot.texts(done)
    assert "Waived with your reason" in bot.texts(done)
    (row,) = await assignments_of(bot.db, shift, "offered")
    assert set(row["waived"].split(",")) == {"specialty", "language"}
    (entry,) = await _audit(bot)
    assert entry["details"]["reason"] == "She speaks Urdu; confirmed by phone"
    assert set(entry["details"]["waived"]) == {"specialty", "language"}

    # The volunteer accepts in spite of the waived requirements (Arabic offer).
    await bot.flush_outbox()
    offer = bot.last(hind, "sendMessage")
    assert "قبول" in " ".join(label for label, _d in offer.buttons)
    await bot.press(hind, f"off:acc:{row['id']}")
    assert (await assignments_of(bot.db, shift, "accepted"))[0]["volunteer_id"] == HIND


async def test_the_check_screen_in_arabic(bot: BotHarness) -> None:
    shift = await _office(bot, coordinator_locale="ar")
    staff = bot.user(COORDINATOR, "Coord", "ar")
    screen = (await bot.press(staff, f"mo:c:{shift}:{HIND}"))[-1]
    assert "متطلبات غير مستوفاة:" in screen.text and "Requirements" not in screen.text
    assert "❌ لا يتحدث أيًّا من اللغات التي تطلبها المناوبة: الأردية." in screen.text
    assert ("⚠️ العرض رغم ذلك، مع ذكر السبب", f"mw:go:{shift}:{HIND}") in screen.buttons
    question = await bot.press(staff, f"mw:go:{shift}:{HIND}")
    assert "ما سبب عرض هذه المناوبة على" in bot.texts(question)


async def test_a_suspended_volunteer_cannot_be_offered_even_with_a_reason(bot: BotHarness) -> None:
    shift = await _office(bot)
    await bot.db.execute("UPDATE volunteers SET status = 'suspended' WHERE user_id = ?", (ALI,))
    staff = bot.user(COORDINATOR, "Coord", "en")
    screen = (await bot.press(staff, f"mo:c:{shift}:{ALI}"))[-1]
    assert "Is not an active volunteer (status: suspended)" in screen.text
    assert not any(d.startswith(("mo:ok:", "mw:go:")) for _l, d in screen.buttons)
    forged = await bot.press(staff, f"mw:go:{shift}:{ALI}")
    assert "cannot be offered shifts right now" in bot.texts(forged)
    forged = await bot.press(staff, f"mo:ok:{shift}:{ALI}")
    assert not await assignments_of(bot.db, shift)


async def test_a_representative_offers_their_own_shift_from_the_roster_only(bot: BotHarness) -> None:
    shift = await _office(bot)
    rep, other = bot.user(REP, "Rep", "en"), bot.user(OTHER_REP, "Other", "en")
    await create_user(bot.db, REP, role="entity_rep", locale="en", language_code="en")
    await create_user(bot.db, OTHER_REP, role="entity_rep", locale="en", language_code="en")

    roster = (await bot.press(rep, f"sh:r:{shift}:0"))[-1]
    assert ("📣 Offer to a volunteer", f"mo:s:{shift}:0") in roster.buttons
    pick = (await bot.press(rep, f"mo:s:{shift}:0"))[-1]
    assert "1. Ali Hasan" in pick.text and "Hind" not in pick.text  # eligible ones only
    assert ("#1", f"mo:c:{shift}:{ALI}") in pick.buttons

    for data in (f"mo:s:{shift}:0", f"mo:c:{shift}:{ALI}", f"mo:ok:{shift}:{ALI}",
                 f"mw:go:{shift}:{ALI}"):
        calls = await bot.press(other, data)
        assert "only your own entity's shifts" in bot.texts(calls), data
    # Volunteer cards are staff's: a representative cannot start from one.
    refused = await bot.press(rep, f"mo:v:{ALI}:0")
    assert "only for the office's coordinators" in bot.texts(refused)
    assert not await assignments_of(bot.db, shift)

    await bot.press(rep, f"mo:c:{shift}:{ALI}")
    calls = await bot.press(rep, f"mo:ok:{shift}:{ALI}")
    assert "Offer sent to Ali Hasan" in bot.texts(calls)
    (entry,) = await _audit(bot)
    assert entry["actor_id"] == REP


async def test_volunteers_and_groups_are_refused(bot: BotHarness) -> None:
    shift = await _office(bot)
    ali = bot.user(ALI, "Ali", "en")
    for data in (f"mo:c:{shift}:{HIND}", f"mo:ok:{shift}:{ALI}", f"mo:s:{shift}:0",
                 f"mw:go:{shift}:{HIND}"):
        calls = await bot.press(ali, data)
        assert "only for partner entities' representatives and office staff" in bot.texts(calls)
    staff = bot.user(COORDINATOR, "Coord", "en")
    message = {"message_id": 5, "date": int(bot.clock.now().timestamp()), "chat": GROUP,
               "from": staff.as_dict(), "text": "…"}
    calls = await bot.process(bot.incoming.press(staff.as_dict(), f"mo:ok:{shift}:{ALI}", message))
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert "private chat" in calls[0].text
    assert not await assignments_of(bot.db, shift)
    assert payload  # the factories' reader stays imported for the offer payload checks

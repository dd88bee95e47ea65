"""/broadcast with a photo, a PDF or a location: copied to every recipient with copyMessage (the
preview is such a copy), the same confirm card, sender and summary; the paid-broadcast estimate
on the card of an urgent broadcast when PAID_BROADCAST_RATE is set."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot import db
from bot.audience import Audience
from bot.operations.broadcasts import send as send_operation
from tests.factories import create_user, create_volunteer
from tests.factories_delivery import paced_sender
from tests.harness import BotHarness, TgUser

COORD = 900
VOLUNTEERS = (101, 102, 103)
PDF = {"file_id": "doc1", "file_unique_id": "d1", "file_name": "map.pdf", "mime_type": "application/pdf"}
MakeBot = Callable[..., Awaitable[BotHarness]]


async def seed(bot: BotHarness) -> TgUser:
    await create_user(bot.db, COORD, role="coordinator", first_name="Huda", locale="en")
    for chat in VOLUNTEERS:
        await create_volunteer(bot.db, chat)
    huda = bot.user(COORD, "Huda", "en")
    await bot.command(huda, "/broadcast")
    await bot.press(huda, "bc:k:all")
    return huda


async def send_content(bot: BotHarness, user: TgUser, **content: Any) -> tuple[int, list[Any]]:
    """The coordinator sends a message with `content`; (its message id, the bot's calls)."""
    message = bot._message(user, **content)
    return int(message["message_id"]), await bot.process({"message": message})


async def test_a_photo_broadcast_is_copied_to_every_volunteer(bot: BotHarness) -> None:
    huda = await seed(bot)
    photo = [{"file_id": "photo1", "file_unique_id": "p1", "width": 90, "height": 90}]
    source, calls = await send_content(bot, huda, photo=photo, caption="Gate 5 is closed")
    preview, card = calls[0], calls[-1]
    # The preview is a copy of the coordinator's own message: exactly what recipients get.
    assert preview.method == "copyMessage" and preview.chat_id == COORD
    assert (preview.params["from_chat_id"], preview.params["message_id"]) == (COORD, source)
    assert "Recipients: 3 people" in card.text
    assert [label for label, _data in card.buttons] == [
        "✅ Send to 3 people", "✏️ Edit the text", "Urgent: off", "✖ Cancel",
    ]
    await bot.press(huda, "bc:send")
    broadcast = await db.get_broadcast(bot.db, 1)
    assert (broadcast["copy_chat_id"], broadcast["copy_message_id"], broadcast["copy_kind"]) == (COORD, source, "photo")
    assert broadcast["text"] == "Gate 5 is closed"

    calls = await bot.flush_outbox()
    copies = [c for c in calls if c.chat_id != COORD]
    assert sorted(c.chat_id for c in copies) == list(VOLUNTEERS)
    assert all(c.method == "copyMessage" for c in copies)
    assert all((c.params["from_chat_id"], c.params["message_id"]) == (COORD, source) for c in copies)
    assert not any("caption" in c.params or "text" in c.params for c in copies)  # Telegram keeps the caption
    summary = [c for c in calls if c.chat_id == COORD]
    assert len(summary) == 1 and "Delivered: 3" in summary[0].text
    sent = await bot.db.fetchall("SELECT status, message_id FROM outbox WHERE broadcast_id = 1")
    assert {r["status"] for r in sent} == {"sent"} and all(r["message_id"] for r in sent)


async def test_a_location_broadcast(bot: BotHarness) -> None:
    huda = await seed(bot)
    source, calls = await send_content(bot, huda, location={"latitude": 21.42, "longitude": 39.82})
    assert calls[0].method == "copyMessage" and calls[0].params["message_id"] == source
    await bot.press(huda, "bc:urg")
    await bot.press(huda, "bc:send")
    assert (await db.get_broadcast(bot.db, 1))["copy_kind"] == "location"
    copies = [c for c in await bot.flush_outbox() if c.chat_id != COORD]
    assert [c.method for c in copies] == ["copyMessage"] * 3
    assert all(c.params["message_id"] == source for c in copies)


async def test_a_pdf_broadcast_and_a_text_that_replaces_it(bot: BotHarness) -> None:
    huda = await seed(bot)
    source, calls = await send_content(bot, huda, document=PDF, caption="The <b>plan</b>")
    assert calls[0].method == "copyMessage" and calls[0].params["message_id"] == source
    # A text sent at the card replaces the file.
    calls = await bot.text(huda, "Only text now")
    assert calls[1].method == "sendMessage" and calls[1].text == "Only text now"
    await bot.press(huda, "bc:send")
    assert (await db.get_broadcast(bot.db, 1))["copy_message_id"] is None
    copies = [c for c in await bot.flush_outbox() if c.chat_id != COORD]
    assert {c.method for c in copies} == {"sendMessage"} and {c.text for c in copies} == {"Only text now"}


async def test_a_file_broadcast_survives_a_restart(bot: BotHarness) -> None:
    huda = await seed(bot)
    source, _calls = await send_content(bot, huda, document=PDF)
    bot = await bot.restart(graceful=False)
    try:
        calls = await bot.command(huda, "/broadcast")  # goes on at the card: the preview again
        assert calls[0].method == "copyMessage" and calls[0].params["message_id"] == source
        assert any("Recipients: 3 people" in c.text for c in calls)
        await bot.press(huda, "bc:send")
        await bot.press(huda, "bc:send")  # a retap queues nothing more
        copies = [c for c in await bot.flush_outbox() if c.chat_id != COORD]
        assert sorted(c.chat_id for c in copies) == list(VOLUNTEERS)
        assert {c.method for c in copies} == {"copyMessage"}
    finally:
        await bot.stop()


async def test_a_sticker_or_another_document_is_refused_and_asked_again(bot: BotHarness) -> None:
    huda = await seed(bot)
    calls = await bot.sticker(huda)
    assert "This cannot be broadcast. Please send the text" in calls[-1].text
    assert "a photo, a PDF or a location" in calls[-1].text
    word = {"file_id": "doc2", "file_unique_id": "d2", "file_name": "a.docx", "mime_type": "application/msword"}
    _source, calls = await send_content(bot, huda, document=word)
    assert "This cannot be broadcast." in calls[-1].text
    assert not [c for c in bot.api.calls if c.method == "copyMessage"]
    assert await bot.db.fetchval("SELECT COUNT(*) FROM broadcasts") == 0


async def test_no_paid_estimate_without_paid_broadcast_rate(bot: BotHarness) -> None:
    huda = await seed(bot)
    await bot.text(huda, "Now")
    calls = await bot.press(huda, "bc:urg")
    assert "Urgent: sent ahead" in calls[-1].text and "Stars" not in calls[-1].text


async def test_the_paid_estimate_when_configured_and_urgent(make_bot: MakeBot) -> None:
    paid = await make_bot(PAID_BROADCAST_RATE="100")
    huda = await seed(paid)
    calls = await paid.text(huda, "Now")
    assert "Stars" not in calls[-1].text  # not urgent: the free pace
    calls = await paid.press(huda, "bc:urg")
    assert "estimated cost 0.3 Stars, delivered in about 1 second." in calls[-1].text
    calls = await paid.press(huda, "bc:urg")
    assert "Stars" not in calls[-1].text


async def test_an_urgent_file_broadcast_goes_at_paid_speed(make_bot: MakeBot) -> None:
    bot = await make_bot(PAID_BROADCAST_RATE="100")
    await create_user(bot.db, COORD, role="coordinator", locale="en")
    for chat in VOLUNTEERS:
        await create_volunteer(bot.db, chat)
    await send_operation(
        bot.db, draft_key="d1", created_by=COORD, audience=Audience(), text="", urgent=True,
        now=bot.clock.now(), copy=db.BroadcastCopy(COORD, 77, "location"),
    )
    sender, _fake = paced_sender(bot, paid_rate=100)
    await sender.drain()
    copies = bot.api.sent(method="copyMessage")
    assert sorted(c.chat_id or 0 for c in copies) == list(VOLUNTEERS)
    assert all(c.params.get("allow_paid_broadcast") is True and c.params["message_id"] == 77 for c in copies)

"""The one limiter and the outbox's deadlines, on the offline Bot API and the test clock:
replies retried through 429 and 5xx, edits that change nothing and late answers taken as done,
deadlines ('expired', not 'failed'), capped backoff, claims, paid broadcasts, and what the
doubles refuse like Telegram."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from decimal import Decimal

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot import db, delivery
from bot.audience import Audience
from bot.context import Context
from bot.operations.broadcasts import send as send_operation
from tests.factories import create_user
from tests.factories_delivery import enqueue_texts, outbox_rows, paced_sender
from tests.harness import BotHarness

MakeBot = Callable[..., Awaitable[BotHarness]]

# -- replies ----------------------------------------------------------------------------------------


async def test_a_reply_that_gets_429_is_sent_after_retry_after(bot: BotHarness) -> None:
    john = bot.user(102, "John", "en")
    bot.api.fail(429, retry_after=3, method="sendMessage")
    before = bot.clock.now()
    calls = await bot.command(john, "/help")
    assert [("_failed" in c.params) for c in calls if c.method == "sendMessage"] == [True, False]
    assert "/lang" in calls[-1].text  # the answer, not an apology
    assert bot.clock.now() - before >= timedelta(seconds=3)
    limiter = bot.app.bot_data["limiter"]
    assert limiter.stats.throttled == 1 and limiter.stats.replies_lost == 0


async def test_a_reply_through_a_short_outage_arrives(bot: BotHarness) -> None:
    john = bot.user(102, "John", "en")
    bot.api.fail(502, method="sendMessage", times=4)
    calls = await bot.command(john, "/help")
    assert len(calls) == 5 and "/lang" in calls[-1].text
    assert bot.app.bot_data["limiter"].stats.reply_retries == 4


async def test_a_reply_that_cannot_go_for_a_minute_is_given_up_and_counted(bot: BotHarness) -> None:
    john = bot.user(102, "John", "en")
    bot.api.fail(502, times=1000)
    before = bot.clock.now()
    await bot.command(john, "/help")
    waited = bot.clock.now() - before
    # About a minute for the answer, then as long for the apology, and both are counted.
    assert timedelta(seconds=30) <= waited <= timedelta(seconds=150)
    assert bot.app.bot_data["limiter"].stats.replies_lost == 2


async def _edit_same(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    await query.edit_message_text("The same list")
    await query.answer()
    await query.answer()  # a second answer: Telegram says "query is too old"


async def test_pressing_the_same_button_twice_is_not_an_error(bot: BotHarness) -> None:
    bot.app.handlers[0].insert(0, CallbackQueryHandler(_edit_same, pattern="^same$"))
    john = bot.user(102, "John", "en")
    await bot.command(john, "/start")
    await bot.press(john, "same")
    calls = await bot.press(john, "same")
    refused = [c for c in calls if "_failed" in c.params]
    assert [c.method for c in refused] == ["editMessageText", "answerCallbackQuery"]
    assert not any("went wrong" in c.text for c in calls)  # no apology
    assert bot.app.bot_data["limiter"].stats.harmless >= 2


# -- the doubles refuse what Telegram refuses --------------------------------------------------------


async def test_the_offline_double_refuses_what_telegram_refuses(bot: BotHarness) -> None:
    for params, expected in [
        ({"chat_id": 5, "text": "x" * 4097}, "message is too long"),
        ({"chat_id": 5, "text": "ok", "reply_markup": {"inline_keyboard": [[
            {"text": "b", "callback_data": "d" * 65}]]}}, "BUTTON_DATA_INVALID"),
        ({"chat_id": 5, "text": "<b>open", "parse_mode": "HTML"}, "can't parse entities"),
        ({"chat_id": 5, "text": "<blink>x</blink>", "parse_mode": "HTML"}, "can't parse entities"),
    ]:
        calls = len(bot.api.calls)
        try:
            await delivery.call_bot_api(bot.app.bot, "sendMessage", params)
        except Exception as exc:
            assert expected.lower() in str(exc).lower(), (params, exc)
        else:
            raise AssertionError(f"{params} was accepted")
        assert "_failed" in bot.api.calls[calls].params
    # ...and takes what Telegram takes.
    await delivery.call_bot_api(
        bot.app.bot, "sendMessage",
        {"chat_id": 5, "text": "<b>" + "x" * 4094 + "</b> &amp;", "parse_mode": "HTML"},  # 4,096 shown
    )


# -- deadlines, backoff, claims ----------------------------------------------------------------------


async def test_transient_failures_wait_until_the_deadline_then_the_row_expires(bot: BotHarness) -> None:
    await create_user(bot.db, 5001)
    async with bot.db.transaction() as tx:
        await delivery.enqueue(
            tx, chat_id=5001, dedupe_key="offer:1", now=bot.clock.now(), text="offer",
            deadline=bot.clock.now() + timedelta(minutes=10),
        )
    bot.api.fail(502, times=10**6)
    delays = []
    for _ in range(40):
        await bot.flush_outbox()
        row = (await outbox_rows(bot))[0]
        if row["status"] != "pending":
            break
        wait = db.parse_ts(row["next_attempt_at"]) - bot.clock.now()
        delays.append(wait.total_seconds())
        bot.clock.advance(wait)
    assert row["status"] == "expired"  # not failed: it could not be delivered in time
    assert row["error"] == "Bad Gateway"
    assert delays[:5] == [5, 10, 20, 40, 60] and max(delays) <= 60  # capped at a minute
    assert row["attempts"] >= 10


async def test_other_notices_wait_send_max_age(make_bot: MakeBot) -> None:
    bot = await make_bot(SEND_MAX_AGE="2h")
    await enqueue_texts(bot, [5001])
    bot.api.fail(502, times=10**6)
    await bot.flush_outbox()
    bot.clock.advance(hours=1, minutes=59)
    await bot.flush_outbox()
    assert (await outbox_rows(bot))[0]["status"] == "pending"
    bot.clock.advance(minutes=2)
    await bot.flush_outbox()
    assert (await outbox_rows(bot))[0]["status"] == "expired"
    assert (await db.stats_outbox(bot.db))["expired"] == 1


async def test_400_and_403_still_fail_at_once(bot: BotHarness) -> None:
    await enqueue_texts(bot, [5001, 5002])
    bot.api.fail(400, chat_id=5001)
    bot.api.fail(403, chat_id=5002)
    await bot.flush_outbox()
    assert [r["status"] for r in await outbox_rows(bot)] == ["failed", "unreachable"]


async def test_expired_broadcast_rows_are_in_the_summary_and_in_stats(bot: BotHarness) -> None:
    await create_user(bot.db, 900, role="coordinator", locale="en")
    for chat in (101, 102):
        await create_user(bot.db, chat)
        async with bot.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO volunteers (user_id, status, registered_at) VALUES (?, 'active', ?)",
                (chat, db.ts(bot.clock.now())),
            )
    await send_broadcast(
        bot.db, created_by=900, audience=Audience(), text="Water", urgent=False, now=bot.clock.now()
    )
    bot.api.fail(502, chat_id=102, times=10**6)
    await bot.flush_outbox()
    bot.clock.advance(hours=25)
    calls = await bot.flush_outbox()
    summary = [c for c in calls if c.chat_id == 900]
    assert len(summary) == 1
    assert "Delivered: 1" in summary[0].text
    assert "Not delivered in time, Telegram could not be reached: 1" in summary[0].text
    coordinator = bot.user(900, "Huda", "en")
    stats = bot.texts(await bot.command(coordinator, "/stats"))
    assert "expired undelivered" in stats


async def test_a_row_is_claimed_on_the_writer_before_it_is_sent(bot: BotHarness) -> None:
    assert await bot.flush_outbox() == []  # the sender has looked for a crashed one's claims
    await enqueue_texts(bot, [5001])
    row = (await outbox_rows(bot))[0]
    async with bot.db.transaction() as tx:
        assert await db.claim_outbox(tx, row["id"], now=bot.clock.now())
        assert not await db.claim_outbox(tx, row["id"], now=bot.clock.now())  # taken once
    assert await bot.flush_outbox() == []  # claimed by someone: never picked again here
    async with bot.db.transaction() as tx:
        await db.finish_outbox(tx, row["id"], status="sent", now=bot.clock.now())
        assert not await db.claim_outbox(tx, row["id"], now=bot.clock.now())  # sent: never again


async def test_a_claim_left_by_a_crash_is_sent_once_more_and_counted(bot: BotHarness) -> None:
    await enqueue_texts(bot, [5001])
    row = (await outbox_rows(bot))[0]
    async with bot.db.transaction() as tx:
        await db.claim_outbox(tx, row["id"], now=bot.clock.now())  # ...and the process died
    bot = await bot.restart(graceful=False)
    try:
        assert [c.chat_id for c in await bot.flush_outbox()] == [5001]
        row = (await outbox_rows(bot))[0]
        assert (row["status"], row["uncertain"]) == ("sent", 1)
        assert bot.app.bot_data["sender"].stats.maybe_duplicated == 1
    finally:
        await bot.stop()


# -- paid broadcasts -------------------------------------------------------------------------------


def test_the_paid_broadcast_estimate_is_0_1_star_a_message() -> None:
    assert delivery.paid_broadcast_estimate(500, None) is None
    estimate = delivery.paid_broadcast_estimate(500, 250)
    assert estimate is not None
    assert (estimate.stars, estimate.seconds) == (Decimal("50.0"), 2.0)


async def test_urgent_broadcasts_use_paid_broadcast_when_it_is_set(make_bot: MakeBot) -> None:
    bot = await make_bot(PAID_BROADCAST_RATE="100")
    await create_user(bot.db, 900, role="coordinator", locale="en")
    chats = list(range(101, 161))
    for chat in chats:
        await create_user(bot.db, chat)
        async with bot.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO volunteers (user_id, status, registered_at) VALUES (?, 'active', ?)",
                (chat, db.ts(bot.clock.now())),
            )
    await send_broadcast(bot.db, created_by=900, audience=Audience(), text="Now", urgent=True,
                         now=bot.clock.now())
    await send_broadcast(bot.db, created_by=900, audience=Audience(), text="Later", urgent=False,
                         now=bot.clock.now())
    sender, fake = paced_sender(bot, paid_rate=100, max_age=timedelta(hours=24))
    await sender.drain()
    urgent = [c for c in bot.api.sent(method="sendMessage") if c.text == "Now"]
    normal = [c for c in bot.api.sent(method="sendMessage") if c.text == "Later"]
    assert len(urgent) == len(normal) == 60
    assert all(c.params.get("allow_paid_broadcast") is True for c in urgent)
    assert not any("allow_paid_broadcast" in c.params for c in normal)
    # 60 paid at 100/s then 60 free at 25/s: well under the 4.8 s all at 25/s would take.
    assert fake.slept < 60 / 25 + 60 / 100 + 0.5


async def send_broadcast(database, *, created_by, audience, text, urgent, now):  # type: ignore[no-untyped-def]
    """The broadcast's Send, as the flow calls it (one draft each)."""
    await send_operation(
        database, draft_key=f"draft-{text}", created_by=created_by, audience=audience, text=text,
        urgent=urgent, now=now,
    )

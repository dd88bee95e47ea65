"""The limiter before any 429: replies go at once while the window has room; once it holds
Telegram's 30, only REPLY_PROBES replies are on the wire at a time, so the first 429 comes back
before a whole burst has been sent into it; a send answered late is counted from when it may
have reached Telegram. The limiter alone, on a manual clock, with answers the test gives (the
burst against the fake Bot API is in test_delivery_faults.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.limiter import HEADROOM, REPLY_PROBES, TELEGRAM_OVERALL, DeliveryLimiter


class Wire:
    """Replies that stay on the wire until the test answers them."""

    def __init__(self) -> None:
        self.sent: list[int] = []
        self.times: list[float] = []  # when each went on the wire, by the limiter's clock
        self._answers: dict[int, asyncio.Future[Any]] = {}

    def reply(self, limiter: DeliveryLimiter, chat_id: int) -> asyncio.Task[Any]:
        async def call() -> Any:
            self.sent.append(chat_id)
            self.times.append(limiter.now())
            answer = self._answers[chat_id] = asyncio.get_running_loop().create_future()
            return await answer

        return asyncio.create_task(
            limiter.process_request(call, (), {}, "sendMessage", {"chat_id": chat_id}, None)
        )

    def answer(self, chat_id: int, error: Exception | None = None) -> None:
        future = self._answers[chat_id]
        if error is None:
            future.set_result({"message_id": chat_id})
        else:
            future.set_exception(error)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def limiter_with_full_window(clock: Clock) -> DeliveryLimiter:
    limiter = DeliveryLimiter(clock=clock, sleep=clock.sleep)
    for n in range(TELEGRAM_OVERALL):
        limiter.record(9_000 + n)  # 30 sends in the last second: Telegram's window is full
    return limiter


async def test_replies_go_at_once_while_the_window_has_room() -> None:
    clock, wire = Clock(), Wire()
    limiter = DeliveryLimiter(clock=clock, sleep=clock.sleep)
    tasks = [wire.reply(limiter, chat) for chat in range(1, 21)]
    await settle()
    assert wire.sent == list(range(1, 21))  # 20 on the wire at once: the window had room
    for chat in range(1, 21):
        wire.answer(chat)
    assert [r["message_id"] for r in await asyncio.gather(*tasks)] == list(range(1, 21))
    assert clock.slept == []


async def test_with_the_window_full_only_a_few_replies_are_on_the_wire() -> None:
    clock, wire = Clock(), Wire()
    limiter = limiter_with_full_window(clock)
    tasks = [wire.reply(limiter, chat) for chat in range(1, 11)]
    await settle()
    assert wire.sent == list(range(1, REPLY_PROBES + 1))
    wire.answer(1)  # one answered: one more goes, the window being still full
    await settle()
    assert wire.sent == list(range(1, REPLY_PROBES + 2))
    clock.now += 1.0 + HEADROOM  # the window moves on: everyone waiting goes at the next answer
    wire.answer(2)
    await settle()
    assert wire.sent == list(range(1, 11))
    for chat in range(3, 11):
        wire.answer(chat)
    await asyncio.gather(*tasks)
    assert limiter.stats.replies == 10 and limiter.stats.throttled == 0


async def test_a_429_on_a_probe_holds_the_waiting_replies_for_retry_after() -> None:
    clock, wire = Clock(), Wire()
    limiter = limiter_with_full_window(clock)
    tasks = [wire.reply(limiter, chat) for chat in range(1, 11)]
    await settle()
    started = clock.now
    wire.answer(1, RetryAfter(5))
    while not all(task.done() for task in tasks):
        await settle()
        for chat, answer in list(wire._answers.items()):
            if not answer.done():
                wire.answer(chat)
    await asyncio.gather(*tasks)
    later = wire.times[REPLY_PROBES:]  # everything after the four probes of the full window
    assert sorted(set(wire.sent)) == list(range(1, 11)) and wire.sent.count(1) == 2
    assert min(later) >= started + 5  # the throttled one again, and the waiting ones, after it
    assert limiter.stats.throttled == 1 and limiter.stats.replies_lost == 0


async def test_a_cancelled_waiting_reply_does_not_take_another_ones_turn() -> None:
    clock, wire = Clock(), Wire()
    limiter = limiter_with_full_window(clock)
    tasks = [wire.reply(limiter, chat) for chat in range(1, REPLY_PROBES + 3)]
    await settle()
    first_waiting = tasks[REPLY_PROBES]
    wire.answer(1)  # the turn goes to the first waiting reply...
    first_waiting.cancel()  # ...whose handler is cancelled before it runs
    await settle()
    assert REPLY_PROBES + 2 in wire.sent  # the next one had the turn instead
    assert REPLY_PROBES + 1 not in wire.sent
    for chat in wire.sent[1:]:
        wire.answer(chat)
    await asyncio.gather(*tasks[:REPLY_PROBES], *tasks[REPLY_PROBES + 1:])


async def test_the_window_keeps_only_its_last_second() -> None:
    clock = Clock()
    limiter = DeliveryLimiter(clock=clock, sleep=clock.sleep)
    for n in range(10_000):  # a season of replies and no bulk send to trim the window
        clock.now += 0.01
        limiter.record(n)
    assert len(limiter._sends) <= 1.0 / 0.01 + 5


async def test_a_send_answered_late_is_counted_from_when_it_may_have_arrived() -> None:
    """A stall between a send leaving and reaching Telegram (a garbage collection on the event
    loop, a slow network) must not let the sends after it into what Telegram counts as one
    second: the late one is counted from that much later."""
    clock = Clock()
    limiter = DeliveryLimiter(rate=30, clock=clock, sleep=clock.sleep)

    async def answer_after(seconds: float) -> Any:
        clock.now += seconds
        return {"message_id": 1}

    async def bulk(seconds: float, chat_id: int) -> None:
        await limiter.process_request(
            lambda: answer_after(seconds), (), {}, "sendMessage", {"chat_id": chat_id},
            {"bulk": True},
        )

    await bulk(0.002, 1)  # the fastest answer yet: counted from when it left
    first = clock.now
    await bulk(0.202, 2)  # 0.2 s later than the fastest: counted from 0.2 s after it left
    assert list(limiter._sends)[-1] == pytest.approx(first + 0.2)
    for chat in range(3, 32):
        clock.now += 0.001
        await bulk(0.002, chat)
    # 31 sends within the second. When the first has left the window, the late one is its
    # oldest, and it leaves 0.2 s after it would have had it been counted from when it left.
    clock.now = first + 1.0 + HEADROOM + 0.001
    assert limiter.bulk_wait() == pytest.approx(0.2 - 0.001)
    clock.now = first + 0.2 + 1.0 + HEADROOM + 0.001
    assert limiter.bulk_wait() == 0

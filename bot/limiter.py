"""The one limiter every Bot API call that sends or edits passes, replies included.

It is python-telegram-bot's `BaseRateLimiter` seam (set in `bot/app.py: build_application`), so
`reply_text`, `answer()`, `edit_message_text` and the outbox sender (bot/delivery.py) all share
one budget. PTB's own AIORateLimiter is not used: up to v22.8 a request finishing during a
429 pause ends the pause early (python-telegram-bot issue #5338).

- Replies and button answers go first: they are sent at once while Telegram takes them, but
  every send is counted in one sliding window, so the outbox (bulk) backs off while replies
  peak. Bulk goes only while the sends of the last second are fewer than SEND_RATE and those of
  the last 1 + HEADROOM seconds fewer than Telegram's 30 (the headroom absorbs the jitter
  between our clock and Telegram's, so SEND_RATE=30 does not trip the limit).
- While the window holds Telegram's 30 already, at most REPLY_PROBES replies are on the wire
  at once (the others wait for one of them to be answered): the first 429 then comes back
  before a whole burst has been sent into it. Replies that Telegram answers at once are never
  held by this, however many there are.
- Telegram counts a send when it arrives, not when it left here: a send whose answer took
  more than LATE_BY longer than the fastest one (the event loop stalled on its way out, a
  garbage collection say, or the network was slow) is counted in the window from that much
  later, so the sends after a stall do not crowd into what Telegram sees as one second.
- A 429 on anything pauses every send until its retry_after. For a while after one, replies
  too keep to the window, so a burst of replies does not turn into a storm of 429s.
- A reply that fails transiently (429, network, 5xx) is tried again for about a minute; past
  that it is logged and counted, and the error goes to the caller. A timeout after the request
  was written (outcome unknown) is tried again once and logged as "maybe duplicated".
- "Message is not modified" (an edit that changes nothing) and "query is too old" (a button
  answered late) are not errors: the call returns True. Pass `rate_limit_args={"strict": True}`
  to get the error instead (the error handler does, to know whether its apology arrived).

The sender passes `rate_limit_args={"bulk": True}`: bulk calls are recorded and paused on 429,
and `bulk_wait()` says how long the next one must wait; retrying bulk is the outbox's job.
Time comes from an injected clock (seconds) and sleep, so tests pace on a fake clock.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import warnings
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

log = logging.getLogger(__name__)

TELEGRAM_OVERALL = 30  # messages a second Telegram takes from one bot (bulk)
HEADROOM = 0.035  # seconds added to Telegram's one-second window when counting our sends
THROTTLE_AFTER_429 = 30.0  # seconds during which replies too keep to the window after a 429
REPLY_FIRST = 0.02  # seconds the outbox looks away while replies wait for a slot
REPLY_PROBES = 4  # replies on the wire at once while the window is full (before any 429)
LATE_BY = 0.005  # seconds an answer may take beyond the fastest one before its send is moved
_EPSILON = 1e-6

# Calls that put something in front of a person: they are paced, paused on 429 and retried.
_SPEAKING_PREFIXES = ("send", "edit", "answer", "copy", "forward", "stopmessage")
_SPEAKING_EXTRA = frozenset({"deletemessage", "deletemessages"})
# Telegram's answers that mean "already done" rather than "failed".
_HARMLESS = ("message is not modified", "query is too old")

Sleep = Callable[[float], Awaitable[Any]]
JSONResult = bool | dict[str, Any] | list[dict[str, Any]]


def speaks(endpoint: str) -> bool:
    """Does this Bot API method send, edit or answer something?"""
    name = endpoint.lower()
    return name.startswith(_SPEAKING_PREFIXES) or name in _SPEAKING_EXTRA


def is_harmless(error: BaseException) -> bool:
    """An edit that changes nothing, or an answer to a query Telegram has forgotten."""
    return isinstance(error, BadRequest) and any(h in str(error).lower() for h in _HARMLESS)


def outcome_unknown(error: BaseException) -> bool:
    """A timeout after the request may have reached Telegram (read or write timeout, or one
    we cannot tell); a connect or pool timeout means nothing was sent."""
    if not isinstance(error, TimedOut):
        return False
    cause = error.__cause__
    name = type(cause).__name__ if cause is not None else ""
    return name not in {"ConnectTimeout", "PoolTimeout"} and "Pool timeout" not in str(error)


def retry_after_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    return max(seconds, 1.0)


@dataclass
class LimiterStats:
    """What the limiter saw since it was created."""

    sends: int = 0  # calls that speak, every try counted
    replies: int = 0  # replies and answers that got through
    reply_retries: int = 0
    replies_lost: int = 0  # gave up after the retry window: logged
    throttled: int = 0  # 429 answers, replies and bulk
    maybe_duplicated: int = 0  # replies retried after an unknown outcome
    harmless: int = 0  # "not modified" / "query is too old" taken as done


class DeliveryLimiter(BaseRateLimiter[dict[str, Any]]):
    """One budget for every send: see the module docstring."""

    def __init__(
        self,
        *,
        rate: float = 25.0,
        paid_rate: float | None = None,
        per_chat_interval: float = 1.0,
        reply_retry_for: float = 60.0,
        clock: Callable[[], float] | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.paid_rate = paid_rate
        self.per_chat_interval = per_chat_interval
        self.reply_retry_for = reply_retry_for
        self.clock: Callable[[], float] = clock or time.monotonic
        self.sleep: Sleep = sleep
        self.stats = LimiterStats()
        self.paused_until = -math.inf
        self._throttle_until = -math.inf
        self._sends: deque[float] = deque()  # free sends (replies and bulk), for the window
        self._paid: deque[float] = deque()  # paid broadcast sends
        self._last_to_chat: dict[int, float] = {}
        self._replies_waiting = 0  # replies held by a pause or the window: bulk lets them go first
        self._on_the_wire = 0  # replies sent and not answered yet
        self._probe_waiters: deque[asyncio.Future[None]] = deque()
        self._fastest = math.inf  # seconds of the fastest answer yet

    # -- BaseRateLimiter ------------------------------------------------------------------------

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> JSONResult:
        if not speaks(endpoint):
            return await callback(*args, **kwargs)
        options = rate_limit_args or {}
        chat_id = _chat_id(data)
        paid = bool(data.get("allow_paid_broadcast"))
        if options.get("bulk"):
            return await self._bulk(callback, args, kwargs, chat_id, paid, options)
        return await self._reply(callback, args, kwargs, endpoint, chat_id, options)

    # -- the budget -----------------------------------------------------------------------------

    def now(self) -> float:
        return self.clock()

    def pause(self, seconds: float) -> None:
        """Every send waits until `seconds` from now (a 429's retry_after); never shortened."""
        now = self.now()
        self.paused_until = max(self.paused_until, now + seconds)
        self._throttle_until = max(self._throttle_until, self.paused_until + THROTTLE_AFTER_429)

    def record(self, chat_id: int | None, *, paid: bool = False) -> float:
        """A send is leaving now (the time it is counted from, returned)."""
        now = self.now()
        times = self._paid if paid else self._sends
        while times and now - times[0] >= 1.0 + HEADROOM:  # only the window is kept
            times.popleft()
        times.append(now)
        if chat_id is not None:
            self._last_to_chat[chat_id] = now
        self.stats.sends += 1
        return now

    def answered(self, sent_at: float, *, paid: bool = False) -> None:
        """The send counted from `sent_at` got its answer now: if that took more than LATE_BY
        longer than the fastest answer, count it from that much later (see the docstring)."""
        took = self.now() - sent_at
        if took < self._fastest:
            self._fastest = took
            return
        late = took - self._fastest
        if late <= LATE_BY:
            return
        times = self._paid if paid else self._sends
        for index in range(len(times) - 1, -1, -1):
            if times[index] == sent_at:
                del times[index]
                break
        at = sent_at + late
        index = len(times)
        while index and times[index - 1] > at:  # kept in order: the window reads the newest last
            index -= 1
        times.insert(index, at)

    def bulk_wait(self, *, paid: bool = False) -> float:
        """Seconds before the next outbox send may leave (0: now)."""
        now = self.now()
        wait = self.paused_until - now
        if self._replies_waiting:
            wait = max(wait, REPLY_FIRST)
        if paid:
            if self.paid_rate:
                wait = max(wait, _window_wait(self._paid, now, 1.0, self.paid_rate))
        else:
            wait = max(
                wait,
                _window_wait(self._sends, now, 1.0, self.rate),
                _window_wait(self._sends, now, 1.0 + HEADROOM, TELEGRAM_OVERALL),
            )
        return max(wait, 0.0)

    def recent_chats(self) -> list[int]:
        """Chats that got anything within the per-chat interval: bulk to them waits."""
        now = self.now()
        recent = []
        for chat_id, at in list(self._last_to_chat.items()):
            if now - at < self.per_chat_interval:
                recent.append(chat_id)
            else:
                del self._last_to_chat[chat_id]
        return recent

    def chat_free_in(self, chat_id: int) -> float:
        at = self._last_to_chat.get(chat_id)
        return 0.0 if at is None else max(0.0, at + self.per_chat_interval - self.now())

    def _reply_wait(self) -> float:
        now = self.now()
        wait = self.paused_until - now
        if now < self._throttle_until:
            wait = max(wait, _window_wait(self._sends, now, 1.0 + HEADROOM, TELEGRAM_OVERALL))
        return max(wait, 0.0)

    # -- one call -------------------------------------------------------------------------------

    async def _bulk(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        chat_id: int | None,
        paid: bool,
        options: dict[str, Any],
    ) -> JSONResult:
        sent_at = self.record(chat_id, paid=paid)
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as exc:
            self.stats.throttled += 1
            if options.get("paced", True):
                self.pause(retry_after_seconds(exc))
            raise
        finally:
            self.answered(sent_at, paid=paid)

    async def _reply(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        chat_id: int | None,
        options: dict[str, Any],
    ) -> JSONResult:
        give_up_at = self.now() + self.reply_retry_for
        tries = 0
        uncertain = False
        while True:
            wait = self._reply_wait()
            if wait > _EPSILON:
                self._replies_waiting += 1
                try:
                    while wait > _EPSILON:
                        await self.sleep(wait)
                        wait = self._reply_wait()
                finally:
                    self._replies_waiting -= 1
            if self._on_the_wire >= REPLY_PROBES and self._window_full():
                await self._wait_for_a_probe()
                continue  # a 429 may have come back meanwhile: look at the pause again
            sent_at = self.record(chat_id)
            self._on_the_wire += 1
            try:
                result = await callback(*args, **kwargs)
            except RetryAfter as exc:
                self.stats.throttled += 1
                self.pause(retry_after_seconds(exc))
                failure: Exception = exc
                delay = 0.0  # the pause is the wait
            except BadRequest as exc:  # before NetworkError: BadRequest is one
                if not options.get("strict") and is_harmless(exc):
                    self.stats.harmless += 1
                    return True
                raise
            except TimedOut as exc:
                if outcome_unknown(exc):
                    if uncertain:
                        self._lost(endpoint, chat_id, exc)
                        raise
                    uncertain = True
                    self.stats.maybe_duplicated += 1
                    log.warning(
                        "%s to %s timed out after it was sent; trying once more: maybe duplicated",
                        endpoint, chat_id,
                    )
                failure, delay = exc, min(0.5 * 2**tries, 8.0)
            except NetworkError as exc:  # connection errors and 5xx
                failure, delay = exc, min(0.5 * 2**tries, 8.0)
            else:
                self.stats.replies += 1
                return result
            finally:
                self.answered(sent_at)
                self._off_the_wire()
            tries += 1
            ready_at = max(self.paused_until, self.now() + delay)
            if ready_at > give_up_at:
                self._lost(endpoint, chat_id, failure)
                raise failure
            self.stats.reply_retries += 1
            if delay > 0:
                await self.sleep(delay)

    def _window_full(self) -> bool:
        """Does the window hold Telegram's 30 sends already?"""
        return _window_wait(self._sends, self.now(), 1.0 + HEADROOM, TELEGRAM_OVERALL) > _EPSILON

    async def _wait_for_a_probe(self) -> None:
        """Until a reply on the wire is answered."""
        waiter = asyncio.get_running_loop().create_future()
        self._probe_waiters.append(waiter)
        self._replies_waiting += 1
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._wake(1)  # the turn it was given goes to the next one
            raise
        finally:
            self._replies_waiting -= 1

    def _off_the_wire(self) -> None:
        """A reply on the wire got its answer: one waiting reply may go, or all of them once
        the window has room again."""
        self._on_the_wire -= 1
        if self._probe_waiters:
            self._wake(1 if self._window_full() else len(self._probe_waiters))

    def _wake(self, count: int) -> None:
        while count and self._probe_waiters:
            waiter = self._probe_waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                count -= 1

    def _lost(self, endpoint: str, chat_id: int | None, error: Exception) -> None:
        self.stats.replies_lost += 1
        log.error(
            "gave up on %s to %s after about %.0f s of transient errors: %s",
            endpoint, chat_id, self.reply_retry_for, error,
        )


def _window_wait(times: deque[float], now: float, length: float, limit: float) -> float:
    """Seconds until fewer than `limit` of `times` fall within the last `length` seconds."""
    while times and now - times[0] >= 1.0 + HEADROOM:
        times.popleft()
    inside = [t for t in times if now - t < length]
    allowed = max(1, math.floor(limit + _EPSILON))
    if len(inside) < allowed:
        return 0.0
    return inside[-allowed] + length - now


def _chat_id(data: dict[str, Any]) -> int | None:
    value = data.get("chat_id")
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None

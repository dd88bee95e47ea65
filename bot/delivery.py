"""The outbox and its one sender: everything the bot sends on its own initiative goes through here.

`enqueue()` writes a message in the caller's transaction, so a business change and its
notification commit together or not at all; the same dedupe key is stored once. A message may
carry a deadline (an offer until it expires, a reminder until its shift starts, a check-in
prompt until the shift ends); without one it may wait SEND_MAX_AGE.

`Sender` is one asyncio task that drains the outbox:
- in priority order (urgent 0, normal 5, bulk 9), oldest first within a priority;
- paced to SEND_RATE per second, with no bursts (one message every 1/rate seconds), and at most
  one message per second to the same chat; every call passes the one limiter (bot/limiter.py),
  which counts replies in the same budget, so the outbox backs off while replies peak;
- a 429 pauses *all* sending (replies too) for retry_after seconds, then the message is tried
  again;
- 403 marks the row 'unreachable' and the user unreachable (no retries); rows to users already
  known to be unreachable are skipped without calling Telegram;
- 400 fails the row with Telegram's error kept; network errors, timeouts and 5xx are retried
  with a backoff capped at about a minute until the row's deadline, then it is 'expired' (not
  failed: nothing transient fails a message for good, unless SEND_MAX_ATTEMPTS sets a limit);
- a row is claimed on the writer connection before it is sent, and becomes 'sent' (with
  Telegram's message_id, for later edits) right after Telegram accepted it, so nothing recorded
  as sent is sent again. A send whose outcome is unknown (a timeout after the request was
  written, or a crash mid-send) is tried again once and logged as "maybe duplicated";
- urgent broadcasts use Telegram's paid broadcasts (allow_paid_broadcast) at
  PAID_BROADCAST_RATE when that is set.
Sends are started on the pacing schedule without waiting for the previous answer (a few in
flight at once), so a distant Bot API server does not slow the rate down.

Time comes from an injected clock and sleep function, so tests pace on a fake clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot import db, health
from bot.clock import Clock, SystemClock
from bot.db import Database, Row, Tx
from bot.i18n import _, ltr, use_locale, user_locale
from bot.limiter import DeliveryLimiter, outcome_unknown, retry_after_seconds

log = logging.getLogger(__name__)

URGENT, NORMAL, BULK = 0, 5, 9

# The sender calls generic Bot API methods by name (the outbox stores "sendMessage", ...); PTB
# suggests its own wrappers for those, which do not take a stored payload.

_TIME_EPSILON = 1e-5  # seconds; below this a wait is considered over (float rounding)
_NOT_MODIFIED = "message is not modified"
UNREACHABLE_NOTE = "skipped: the user has blocked the bot"


async def enqueue(
    tx: Tx,
    *,
    chat_id: int,
    dedupe_key: str,
    now: datetime,
    text: str | None = None,
    reply_markup: InlineKeyboardMarkup | dict[str, Any] | None = None,
    parse_mode: str | None = None,
    method: str = "sendMessage",
    params: dict[str, Any] | None = None,
    priority: int = NORMAL,
    broadcast_id: int | None = None,
    deadline: datetime | None = None,
) -> bool:
    """Store one message to send; False if that dedupe key was already stored. `deadline`:
    past it the message is no use any more (`expired`); None waits up to SEND_MAX_AGE."""
    payload: dict[str, Any] = dict(params or {})
    if text is not None:
        payload["text"] = text
    if parse_mode:
        payload["parse_mode"] = parse_mode
    if reply_markup is not None:
        payload["reply_markup"] = (
            reply_markup.to_dict() if isinstance(reply_markup, InlineKeyboardMarkup) else reply_markup
        )
    stored = await db.insert_outbox(
        tx, chat_id=chat_id, method=method, payload=payload, dedupe_key=dedupe_key,
        priority=priority, now=now, broadcast_id=broadcast_id, deadline=deadline,
    )
    if stored:
        notify_enqueued(tx)
    return stored


def notify_enqueued(tx: Tx) -> None:
    """Wake the sender once `tx` commits (bot/app.py sets the database's `on_enqueue` hook)."""
    if tx.db.on_enqueue is not None:
        tx.after_commit(tx.db.on_enqueue)


# -- broadcasts: completion and the summary to the coordinator -----------------------------------


def broadcast_summary_text(broadcast_id: int, counts: dict[str, int]) -> str:
    """What the coordinator reads when their broadcast has finished (current locale)."""
    lines = [_("Your broadcast {ref} has finished.").format(ref=ltr(f"#{broadcast_id}")), ""]
    lines.append(_("Delivered: {count}").format(count=ltr(counts.get("sent", 0))))
    if counts.get("unreachable"):
        lines.append(
            _("Not delivered, the person blocked the bot: {count}").format(
                count=ltr(counts["unreachable"])
            )
        )
    if counts.get("expired"):
        lines.append(
            _("Not delivered in time, Telegram could not be reached: {count}").format(
                count=ltr(counts["expired"])
            )
        )
    if counts.get("failed"):
        lines.append(_("Failed: {count}").format(count=ltr(counts["failed"])))
    if counts.get("cancelled"):
        lines.append(_("Stopped before sending: {count}").format(count=ltr(counts["cancelled"])))
    return "\n".join(lines)


async def finish_broadcast_if_done(
    tx: Tx, broadcast_id: int, *, now: datetime, default_locale: str
) -> bool:
    """When no row of a broadcast is pending any more, mark it finished and enqueue the summary
    to whoever sent it (once). Called in the transaction that settles a row."""
    if await db.broadcast_has_pending(tx, broadcast_id):
        return False
    if not await db.mark_broadcast_finished(tx, broadcast_id, now=now):
        return False
    broadcast = await db.get_broadcast(tx, broadcast_id)
    if broadcast is None:
        return False
    counts = await db.broadcast_progress(tx, broadcast_id)
    creator = await db.get_user(tx, broadcast["created_by"])
    with use_locale(user_locale(creator, default_locale)):
        text = broadcast_summary_text(broadcast_id, counts)
    await enqueue(
        tx,
        chat_id=broadcast["created_by"],
        dedupe_key=f"bc:{broadcast_id}:summary",
        now=now,
        text=text,
        priority=NORMAL,
    )
    return True


async def revise(
    tx: Tx, original: Row, *, dedupe_key: str, now: datetime, text: Callable[[str], str]
) -> str:
    """Take back or correct a message queued earlier: withdraw it while still pending, or edit
    the sent one in place. `text(original_text)` gives the new text (rendered by the caller in
    the recipient's locale). Returns "withdrawn", "edited" or "gone" (failed, or never sent)."""
    if original["status"] == "pending":
        await db.cancel_pending_outbox_row(tx, original["id"])
        return "withdrawn"
    if original["status"] != "sent" or not original["message_id"]:
        return "gone"
    previous = json.loads(original["payload"] or "{}").get("text", "")
    await enqueue(
        tx,
        chat_id=original["chat_id"],
        dedupe_key=dedupe_key,
        now=now,
        method="editMessageText",
        params={"message_id": original["message_id"]},
        text=text(previous),
    )
    return "edited"


async def revise_many(
    tx: Tx, revisions: list[tuple[Row, str, Callable[[str], str]]], *, now: datetime
) -> list[str]:
    """`revise` for many messages in a few statements (the tick's expiries): each revision is
    (original, dedupe_key, text); the pending ones are withdrawn in one UPDATE, the edits of the
    sent ones stored in one INSERT. Returns each one's outcome, in order."""
    outcomes: list[str] = []
    withdrawn: list[int] = []
    edits: list[db.OutboxRow] = []
    for original, dedupe_key, text in revisions:
        if original["status"] == "pending":
            withdrawn.append(original["id"])
            outcomes.append("withdrawn")
        elif original["status"] != "sent" or not original["message_id"]:
            outcomes.append("gone")
        else:
            previous = json.loads(original["payload"] or "{}").get("text", "")
            edits.append(
                db.OutboxRow(
                    chat_id=original["chat_id"], method="editMessageText",
                    payload={"message_id": original["message_id"], "text": text(previous)},
                    dedupe_key=dedupe_key, priority=NORMAL,
                )
            )
            outcomes.append("edited")
    await db.cancel_pending_outbox_rows(tx, withdrawn)
    if edits:
        await db.insert_outbox_many(tx, edits, now=now)
        notify_enqueued(tx)
    return outcomes


# -- paid broadcasts ------------------------------------------------------------------------------

# Telegram's fee for a message sent with allow_paid_broadcast (Bot API, sendMessage).
STARS_PER_PAID_MESSAGE = Decimal("0.1")


@dataclass(frozen=True)
class PaidBroadcastEstimate:
    """What an urgent broadcast costs and takes at paid-broadcast speed."""

    stars: Decimal
    seconds: float
    rate: float


def paid_broadcast_estimate(recipients: int, paid_rate: float | None) -> PaidBroadcastEstimate | None:
    """For the broadcast preview: None when PAID_BROADCAST_RATE is off."""
    if not paid_rate:
        return None
    return PaidBroadcastEstimate(
        stars=STARS_PER_PAID_MESSAGE * recipients, seconds=recipients / paid_rate, rate=paid_rate
    )


# -- the sender -----------------------------------------------------------------------------------


# Outbox methods with a typed Bot method; anything else goes through do_api_request.
_TYPED_METHODS = {
    "sendMessage": "send_message",
    "editMessageText": "edit_message_text",
    "editMessageReplyMarkup": "edit_message_reply_markup",
    "sendLocation": "send_location",
    "sendVenue": "send_venue",
    "copyMessage": "copy_message",
}


async def call_bot_api(
    bot: Bot,
    method: str,
    params: dict[str, Any],
    *,
    rate_limit_args: dict[str, Any] | None = None,
    read_timeout: float | None = None,
) -> Any:
    """Call one Bot API method with stored JSON parameters; the result as plain JSON data.
    `rate_limit_args` go to the bot's limiter (only for a bot that has one)."""
    extra: dict[str, Any] = {"rate_limit_args": rate_limit_args} if rate_limit_args else {}
    if read_timeout is not None:
        extra["read_timeout"] = read_timeout
    name = _TYPED_METHODS.get(method)
    if name is None:
        return await bot.do_api_request(method, api_kwargs=params, **extra)
    kwargs = dict(params)
    markup = kwargs.get("reply_markup")
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        kwargs["reply_markup"] = InlineKeyboardMarkup.de_json(markup, bot)
    result = await getattr(bot, name)(**kwargs, **extra)
    return result.to_dict() if hasattr(result, "to_dict") else result


@dataclass
class SenderStats:
    """What one Sender did since it was created."""

    sent: int = 0
    failed: int = 0
    unreachable: int = 0
    retried: int = 0
    throttled: int = 0  # 429 answers received
    expired: int = 0  # past their deadline, never delivered
    maybe_duplicated: int = 0  # sent again after an unknown outcome


@dataclass(frozen=True)
class _Outcome:
    kind: str  # sent | failed | unreachable | retry | uncertain | throttled | expired
    error: str | None = None
    message_id: int | None = None
    retry_after: float = 0.0


Sleep = Callable[[float], Awaitable[Any]]


class Sender:
    """The one task that sends the outbox. `start()`/`stop()` run it in the background;
    `drain()` runs the same logic to completion in the caller (tests, benchmarks).

    One sender per database (one process per token): at its first drain it frees the claims a
    crashed predecessor left, as sends whose outcome is unknown."""

    def __init__(
        self,
        bot: Bot,
        database: Database,
        *,
        rate: float = 25.0,
        max_attempts: int = 0,
        clock: Clock | None = None,
        sleep: Sleep = asyncio.sleep,
        default_locale: str = "ar",
        per_chat_interval: float = 1.0,
        poll_interval: float = 1.0,
        max_in_flight: int = 8,
        backoff: float = 5.0,
        max_backoff: float = 60.0,
        max_age: timedelta = timedelta(hours=24),
        paid_rate: float | None = None,
        limiter: DeliveryLimiter | None = None,
        read_timeout: float | None = None,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.bot = bot
        self.database = database
        self.rate = rate
        self.interval = 1.0 / rate
        self.max_attempts = max_attempts
        self.clock: Clock = clock or SystemClock()
        self._sleep = sleep
        self.default_locale = default_locale
        self.per_chat_interval = per_chat_interval
        self.poll_interval = poll_interval
        self.max_in_flight = max_in_flight
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_age = max_age
        self.paid_rate = paid_rate
        self.read_timeout = read_timeout
        # The bot's own limiter sees every call (replies too); without one (a plain Bot), a
        # private limiter keeps the outbox's own pacing and pauses.
        found = limiter or getattr(bot, "rate_limiter", None)
        self._limiter_sees_calls = isinstance(found, DeliveryLimiter) and (
            getattr(bot, "rate_limiter", None) is found
        )
        self.limiter: DeliveryLimiter = (
            found
            if isinstance(found, DeliveryLimiter)
            else DeliveryLimiter(
                rate=rate, paid_rate=paid_rate, per_chat_interval=per_chat_interval,
                clock=self._now, sleep=sleep,
            )
        )
        self.stats = SenderStats()
        self._next_slot: float | None = None
        self._next_paid_slot: float | None = None
        self._start_after = -math.inf
        self._chat_free_at: dict[int, float] = {}
        self._in_flight: dict[asyncio.Task[None], int] = {}
        self._skip_ids: set[int] = set()  # rows whose outcome could not be recorded
        self._taken_ids: set[int] = set()  # rows someone else had claimed or settled
        self._broadcast_payloads: dict[int, dict[str, Any]] = {}
        self._claims_released = False
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._pumping = False

    # -- lifecycle ------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self, *, pause: float | None = None) -> None:
        """Run in the background until `stop()`; woken by every commit that enqueues.

        The first send waits `pause` seconds (default: the per-chat interval): after a crash a
        quick restart may resend the message that was in flight, and Telegram counts both."""
        if self.running:
            return
        self._stop.clear()
        wait = self.per_chat_interval if pause is None else pause
        self._start_after = max(self._start_after, self._now() + wait)
        self._task = asyncio.create_task(self._pump(pace=True, forever=True), name="aoun-sender")

    async def stop(self, grace: float = 10.0) -> None:
        """Stop taking rows, let the sends in flight be recorded, then return."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stop.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), grace)
        except TimeoutError:
            log.warning("the sender did not stop within %.0f s; cancelling it", grace)
            for pending in [task, *self._in_flight]:
                pending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def wake(self) -> None:
        """Something was enqueued: look at the outbox now rather than at the next poll."""
        self._wake.set()

    async def drain(self, *, pace: bool = True, limit: int | None = None) -> int:
        """Send what is due now until nothing is (or `limit` messages were handed to Telegram);
        returns how many were sent. pace=False sends one after the other without any waiting
        (the test harness's flush_outbox); pace=True sleeps through the injected sleep."""
        if self.running:
            raise RuntimeError("the sender task is running; drain() is for tests and benchmarks")
        before = self.stats.sent
        await self._pump(pace=pace, forever=False, limit=limit)
        return self.stats.sent - before

    # -- the loop -------------------------------------------------------------------------------

    def _now(self) -> float:
        return self.clock.now().timestamp()

    def _paid(self, row: Row) -> bool:
        return bool(self.paid_rate) and row["broadcast_id"] is not None and row["priority"] == URGENT

    def _deadline(self, row: Row) -> datetime:
        deadline = db.parse_ts(row["deadline_at"])
        if deadline is not None:
            return deadline
        created = db.parse_ts(row["created_at"])
        assert created is not None
        return created + self.max_age

    async def _release_claims(self) -> None:
        """Claims a crashed sender left: their outcome is unknown, so each is tried once more."""
        self._claims_released = True
        async with self.database.transaction() as tx:
            rows = await db.release_outbox_claims(tx)
        for row in rows:
            self.stats.maybe_duplicated += 1
            log.warning(
                "outbox row %s to %s was being sent when the last process stopped; sending it"
                " again: maybe duplicated", row["id"], row["chat_id"],
            )

    async def _pump(self, *, pace: bool, forever: bool, limit: int | None = None) -> None:
        if self._pumping:
            raise RuntimeError("the sender is already draining")
        self._pumping = True
        dispatched = 0
        throttled: dict[int, int] = {}  # unpaced drains: 429s per row, so they end
        try:
            if not self._claims_released:
                await self._release_claims()
            while not self._stop.is_set() or not forever:
                await health.beat(self.database, health.SENDER, now=self.clock.now(), every=health.SENDER_BEAT_EVERY)
                if limit is not None and dispatched >= limit:
                    break
                now = self._now()
                if pace and self._start_after - now > _TIME_EPSILON:
                    await self._pause(self._start_after - now, forever=forever)
                    continue
                if pace and self.limiter.paused_until - now > _TIME_EPSILON:
                    await self._pause(self.limiter.paused_until - now, forever=forever)
                    continue
                max_in_flight = (64 if self.paid_rate else self.max_in_flight) if pace else 1
                if len(self._in_flight) >= max_in_flight:
                    await asyncio.wait(set(self._in_flight), return_when=asyncio.FIRST_COMPLETED)
                    continue
                busy = self._busy_chats(now, pace=pace)
                skip = self._skip_ids | self._taken_ids | {i for i, n in throttled.items() if n >= 3}
                self._wake.clear()
                row = await db.next_due_outbox(
                    self.database, now=self.clock.now(), exclude_chats=busy, exclude_ids=skip
                )
                if row is None:
                    if self._in_flight:
                        await asyncio.wait(set(self._in_flight), return_when=asyncio.FIRST_COMPLETED)
                        continue
                    cooling = [t for t in self._chat_free_at.values() if t > now] if pace else []
                    if pace and self._limiter_sees_calls:
                        cooling += [
                            now + w for w in map(self.limiter.chat_free_in, busy) if w > 0
                        ]
                    if forever:
                        until = min([*cooling, now + self.poll_interval])
                        await self._pause(until - now, forever=True, wakeable=True)
                        continue
                    if cooling and await db.has_due_outbox(self.database, now=self.clock.now()):
                        await self._pause(min(cooling) - now, forever=False)
                        continue
                    if pace and self._slot_wait(now, paid=False) > _TIME_EPSILON:
                        await self._pause(self._slot_wait(now, paid=False), forever=False)
                        continue  # the last message's slot is used up: N take N/rate s
                    break
                if self.clock.now() >= self._deadline(row):
                    await self._settle(row, _Outcome("expired", "past its deadline"), attempted=False)
                    continue
                if row["user_reachable"] == 0:
                    await self._settle(row, _Outcome("unreachable", UNREACHABLE_NOTE), attempted=False)
                    continue
                paid = self._paid(row)
                if pace:
                    wait = max(self._slot_wait(now, paid=paid), self.limiter.bulk_wait(paid=paid))
                    if wait > _TIME_EPSILON:
                        await self._pause(wait, forever=forever)
                        continue
                async with self.database.transaction() as tx:
                    claimed = await db.claim_outbox(tx, row["id"], now=self.clock.now())
                if not claimed:  # a stale read: sent, settled or taken since
                    self._taken_ids.add(int(row["id"]))
                    if len(self._taken_ids) > 10_000:
                        self._taken_ids.clear()
                    continue
                if pace:
                    self._take_slot(now, paid=paid)
                dispatched += 1
                chat_id = int(row["chat_id"])
                self._chat_free_at[chat_id] = math.inf  # busy until its answer is recorded
                task = asyncio.create_task(
                    self._deliver(row, pace=pace, paid=paid, throttled=throttled)
                )
                self._in_flight[task] = chat_id
        finally:
            self._pumping = False
            if self._in_flight:
                await asyncio.wait(set(self._in_flight))

    def _busy_chats(self, now: float, *, pace: bool) -> list[int]:
        busy = set(self._in_flight.values())
        if pace:
            for chat_id, free_at in list(self._chat_free_at.items()):
                if free_at > now:
                    busy.add(chat_id)
                else:
                    del self._chat_free_at[chat_id]
            if self._limiter_sees_calls:  # replies count for the per-chat second too
                busy.update(self.limiter.recent_chats())
        return sorted(busy)

    def _slot_wait(self, now: float, *, paid: bool) -> float:
        slot = self._next_paid_slot if paid else self._next_slot
        return 0.0 if slot is None else max(0.0, slot - now)

    def _take_slot(self, now: float, *, paid: bool = False) -> None:
        """One message every `interval` seconds. A send that is a little late keeps the
        schedule (so the rate does not sag); after an idle spell the schedule starts again."""
        interval = 1.0 / self.paid_rate if paid and self.paid_rate else self.interval
        slot = self._next_paid_slot if paid else self._next_slot
        if slot is None or slot < now - interval / 4:
            slot = now
        slot += interval
        if paid:
            self._next_paid_slot = slot
        else:
            self._next_slot = slot

    async def _pause(self, seconds: float, *, forever: bool, wakeable: bool = False) -> None:
        if seconds <= 0:
            return
        if not forever:
            await self._sleep(seconds)
            return
        events = [self._stop, self._wake] if wakeable else [self._stop]
        if any(event.is_set() for event in events):
            return
        sleeper = asyncio.ensure_future(self._sleep(seconds))
        watchers = [asyncio.ensure_future(event.wait()) for event in events]
        try:
            await asyncio.wait([sleeper, *watchers], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in (sleeper, *watchers):
                waiter.cancel()

    # -- one message ----------------------------------------------------------------------------

    async def _deliver(
        self, row: Row, *, pace: bool, paid: bool, throttled: dict[int, int]
    ) -> None:
        chat_id = int(row["chat_id"])
        try:
            outcome = await self._attempt(row, pace=pace, paid=paid)
            if outcome.kind == "throttled":
                throttled[row["id"]] = throttled.get(row["id"], 0) + 1
                if pace and not self._limiter_sees_calls:
                    self.limiter.pause(outcome.retry_after)
            await self._settle(row, outcome, pace=pace)
        except Exception:
            # The outcome could not be recorded: never pick this row again in this process.
            log.exception("could not record the outcome of outbox row %s", row["id"])
            self._skip_ids.add(int(row["id"]))
        finally:
            task = asyncio.current_task()
            if task is not None:
                self._in_flight.pop(task, None)
            if pace:
                self._chat_free_at[chat_id] = self._now() + self.per_chat_interval
            else:
                self._chat_free_at.pop(chat_id, None)

    async def _attempt(self, row: Row, *, pace: bool = True, paid: bool = False) -> _Outcome:
        """Call Telegram once and classify the answer."""
        try:
            params = await self._params(row)
        except (ValueError, LookupError) as exc:
            return _Outcome("failed", f"bad outbox payload: {exc}")
        if paid:
            params["allow_paid_broadcast"] = True
        rate_limit_args: dict[str, Any] | None = None
        if self._limiter_sees_calls:
            rate_limit_args = {"bulk": True, "paced": pace}
        else:
            self.limiter.record(int(row["chat_id"]), paid=paid)
        try:
            result = await call_bot_api(
                self.bot, row["method"], params, rate_limit_args=rate_limit_args,
                read_timeout=self.read_timeout,
            )
        except RetryAfter as exc:
            return _Outcome("throttled", str(exc), retry_after=retry_after_seconds(exc))
        except Forbidden as exc:
            return _Outcome("unreachable", str(exc))
        except BadRequest as exc:
            if _NOT_MODIFIED in str(exc).lower():  # an edit that changes nothing: already shown
                return _Outcome("sent", str(exc), message_id=_message_id(row, params))
            return _Outcome("failed", str(exc))
        except (ChatMigrated, EndPointNotFound) as exc:
            return _Outcome("failed", str(exc))
        except TimedOut as exc:
            if outcome_unknown(exc):
                return _Outcome("uncertain", str(exc) or "timed out")
            return _Outcome("retry", str(exc) or type(exc).__name__)
        except TelegramError as exc:  # NetworkError, 5xx, and the rest: try again
            return _Outcome("retry", str(exc) or type(exc).__name__)
        except Exception as exc:  # e.g. a payload PTB cannot serialise: trying again won't help
            log.exception("could not send outbox row %s", row["id"])
            return _Outcome("failed", f"internal error: {exc!r}")
        message_id = result.get("message_id") if isinstance(result, dict) else None
        return _Outcome("sent", message_id=message_id if message_id else _message_id(row, params))

    async def _params(self, row: Row) -> dict[str, Any]:
        params: dict[str, Any] = json.loads(row["payload"] or "{}")
        broadcast_id = row["broadcast_id"]
        if broadcast_id is not None and "text" not in params:
            base = self._broadcast_payloads.get(broadcast_id)
            if base is None:
                broadcast = await db.get_broadcast(self.database, broadcast_id)
                if broadcast is None:
                    raise LookupError(f"broadcast {broadcast_id} not found")
                if broadcast["copy_message_id"] is not None:
                    # A file or a location: copied from the coordinator's message, caption and all.
                    base = {
                        "from_chat_id": broadcast["copy_chat_id"],
                        "message_id": broadcast["copy_message_id"],
                    }
                else:
                    base = {"text": broadcast["text"]}
                    if broadcast["parse_mode"]:
                        base["parse_mode"] = broadcast["parse_mode"]
                if len(self._broadcast_payloads) > 32:
                    self._broadcast_payloads.clear()
                self._broadcast_payloads[broadcast_id] = base
            params = {**base, **params}
        return {"chat_id": row["chat_id"], **params}

    def _retry_at(self, row: Row, now: datetime, delay: float) -> datetime:
        """The next try, never later than the deadline (where the row is then expired)."""
        return min(now + timedelta(seconds=delay), self._deadline(row))

    async def _settle(
        self, row: Row, outcome: _Outcome, *, pace: bool = True, attempted: bool = True
    ) -> None:
        """Record what happened to a row, in one transaction with its consequences."""
        now = self.clock.now()
        kind = outcome.kind
        if kind == "uncertain" and row["uncertain"] >= 1:
            kind = "failed"  # tried again once already: another copy would be a guess
            outcome = _Outcome("failed", f"outcome unknown twice (maybe delivered): {outcome.error}")
        final = kind in ("sent", "failed", "unreachable", "expired")
        async with self.database.transaction() as tx:
            if kind == "sent":
                await db.finish_outbox(
                    tx, row["id"], status="sent", now=now, message_id=outcome.message_id,
                    error=outcome.error,
                )
                self.stats.sent += 1
            elif kind == "unreachable":
                await db.finish_outbox(
                    tx, row["id"], status="unreachable", now=now, error=outcome.error,
                    attempted=attempted,
                )
                await db.set_user_reachable(tx, row["chat_id"], False)
                self.stats.unreachable += 1
            elif kind == "expired":
                await db.finish_outbox(
                    tx, row["id"], status="expired", now=now,
                    error=row["error"] or outcome.error, attempted=False,
                )
                self.stats.expired += 1
            elif kind == "throttled":
                self.stats.throttled += 1
                delay = outcome.retry_after if pace else 0.0
                await db.retry_outbox_later(
                    tx, row["id"], next_attempt_at=self._retry_at(row, now, delay),
                    error=outcome.error or "429", attempted=False,
                )
                log.warning("Telegram asked to wait %.0f s; all sending paused", outcome.retry_after)
            elif kind == "uncertain":
                await db.retry_outbox_later(
                    tx, row["id"], next_attempt_at=now, error=outcome.error or "timed out",
                    uncertain=True,
                )
                self.stats.maybe_duplicated += 1
                self.stats.retried += 1
            elif kind == "retry" and (self.max_attempts <= 0 or row["attempts"] + 1 < self.max_attempts):
                delay = min(self.max_backoff, self.backoff * 2 ** min(row["attempts"], 16))
                await db.retry_outbox_later(
                    tx, row["id"], next_attempt_at=self._retry_at(row, now, delay),
                    error=outcome.error or "error",
                )
                self.stats.retried += 1
            else:  # failed, or retried as often as SEND_MAX_ATTEMPTS allows
                await db.finish_outbox(tx, row["id"], status="failed", now=now, error=outcome.error)
                self.stats.failed += 1
                final = True
            if final and row["broadcast_id"] is not None:
                await finish_broadcast_if_done(
                    tx, row["broadcast_id"], now=now, default_locale=self.default_locale
                )
        if kind == "failed":
            log.warning("outbox row %s to %s failed: %s", row["id"], row["chat_id"], outcome.error)
        elif kind == "expired":
            log.warning(
                "outbox row %s to %s expired undelivered (last error: %s)",
                row["id"], row["chat_id"], row["error"],
            )
        elif kind == "uncertain":
            log.warning(
                "outbox row %s to %s timed out after it was sent; sending it once more:"
                " maybe duplicated", row["id"], row["chat_id"],
            )


def _message_id(row: Row, params: dict[str, Any]) -> int | None:
    """For edits Telegram answers True or the message; the id is the edited message's."""
    value = params.get("message_id")
    return int(value) if isinstance(value, (int, str)) and str(value).isdigit() else None

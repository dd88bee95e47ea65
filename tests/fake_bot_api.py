"""A small Bot API server double on 127.0.0.1, for end-to-end tests and benchmarks.

Stdlib only (asyncio streams, HTTP/1.1 with keep-alive). It serves `POST|GET /bot<token>/<method>`
with JSON, form-urlencoded, multipart or query-string parameters, records every call, and answers
like Telegram: getMe, getUpdates (long polling with `timeout` and `offset` over the updates a test
pushed with `push_update`), sendMessage (a real Message), editMessageText, answerCallbackQuery,
setMyCommands, deleteWebhook, and `true` for anything else.

Two ways to run it:

    async with FakeBotAPI() as server:            # in the test's own event loop
        bot = Bot(TOKEN, base_url=f"{server.base_url}/bot")

    with FakeBotAPI().in_thread() as server:       # its own loop in a background thread,
        subprocess.Popen([... "python", "-m", "bot"], env={"BOT_API_BASE_URL": server.base_url})

Optional limits answer 429 with `parameters.retry_after` when a send exceeds them, over sliding
one-second windows, and count them in `server.rate_limited`:

    FakeBotAPI(rate_limit_overall=30, rate_limit_per_chat=1)

Sends with `allow_paid_broadcast` skip the overall limit (up to 1000 a second, as Telegram's paid
broadcasts). Like Telegram it refuses what Telegram refuses (bot/offline.py: telegram_refusal:
texts over 4,096 characters, callback data over 64 bytes, HTML that does not parse, an edit that
changes nothing, a second answer to one callback query), and a second poller: a getUpdates from
another connection while one is polling gets 409 Conflict. `server.hang(seconds)` accepts the
next send and answers it only after `seconds` (a timeout after Telegram took the message);
`clock=` sets the time its windows run on (a fast clock in tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import email.parser
import email.policy
import itertools
import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from bot.offline import BOT_USER, PROFILE_METHODS, Call, error_description, telegram_refusal

# Telegram treats these as strings even when they look like numbers or JSON.
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "callback_query_id",
        "inline_message_id",
        "language_code",
        "parse_mode",
        "secret_token",
        "url",
        "description",
        "short_description",
        "name",
        "title",
        "phone_number",
        "first_name",
        "last_name",
        "address",
        "file_id",
        "business_connection_id",
    }
)
# Sends that count against Telegram's flood limits.
SEND_METHODS = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "sendlocation",
        "sendvenue",
        "sendcontact",
        "sendaudio",
        "sendvideo",
        "sendvoice",
        "sendsticker",
        "sendmediagroup",
        "copymessage",
        "forwardmessage",
    }
)
_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
            404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error"}


@dataclass
class ApiCall(Call):
    """One request the bot made: method, decoded parameters, and the HTTP status it got."""

    status: int = 200
    token: str = ""
    result: Any = None  # what the server answered (e.g. the Message of a sendMessage)
    error: dict[str, Any] | None = None  # the error body, for a call that failed


@dataclass
class _Failure:
    status: int
    description: str
    method: str | None
    chat_id: int | None
    retry_after: int | None
    times: int


@dataclass
class _Window:
    """Send times within the last second (sliding window)."""

    limit: int
    times: deque[float] = field(default_factory=deque)

    def retry_after(self, now: float) -> float | None:
        """Seconds until a slot frees, or None if there is room now."""
        while self.times and now - self.times[0] >= 1.0:
            self.times.popleft()
        if len(self.times) < self.limit:
            return None
        return 1.0 - (now - self.times[0])


def _coerce(name: str, value: str) -> Any:
    """A form value back to what the bot meant: PTB JSON-encodes everything but strings."""
    if name in _STRING_PARAMS:
        return value
    stripped = value.strip()
    if stripped[:1] in ("{", "[") or stripped in ("true", "false", "null"):
        with contextlib.suppress(ValueError):
            return json.loads(stripped)
    if re.fullmatch(r"-?\d+", stripped):
        return int(stripped)
    if re.fullmatch(r"-?\d+\.\d+", stripped):
        return float(stripped)
    return value


def _parse_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    params: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        if part.get_filename():
            params[name] = {"filename": part.get_filename(), "size": len(payload)}
        else:
            params[name] = _coerce(name, payload.decode("utf-8", "replace"))
    return params


class FakeBotAPI:
    """A Bot API HTTP server on 127.0.0.1 that records calls and serves pushed updates."""

    def __init__(
        self,
        *,
        port: int = 0,
        token: str | None = None,
        bot_user: dict[str, Any] | None = None,
        rate_limit_overall: int | None = None,
        rate_limit_per_chat: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        one_poller: bool = True,
    ) -> None:
        self.host = "127.0.0.1"
        self.clock = clock
        self.one_poller = one_poller
        self.conflicts = 0  # getUpdates answered 409
        self._poller: asyncio.StreamReader | None = None  # the connection that polls
        self._answered: set[str] = set()
        self._hangs: list[tuple[float, str | None, int]] = []
        self._paid = _Window(1000)
        self.port = port
        self.token = token  # when set, other tokens get 401 like Telegram
        self.bot_user = dict(bot_user or BOT_USER)
        self.rate_limit_overall = rate_limit_overall
        self.rate_limit_per_chat = rate_limit_per_chat
        self.rate_limited = 0  # how many 429s the limits produced
        self.calls: list[ApiCall] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.bot_profile: dict[tuple[str, str], str] = {}  # (field, language_code) -> value
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._failures: list[_Failure] = []
        self._overall = _Window(rate_limit_overall or 0)
        self._per_chat: dict[str, _Window] = {}
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._new_update: asyncio.Event | None = None
        self._closing = False
        self._thread: threading.Thread | None = None

    # -- life cycle ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What BOT_API_BASE_URL should be: the bot appends /bot<token>/<method>."""
        return f"http://{self.host}:{self.port}"

    async def start(self) -> FakeBotAPI:
        self._loop = asyncio.get_running_loop()
        self._new_update = asyncio.Event()
        self._closing = False
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        self._closing = True
        if self._new_update is not None:
            self._new_update.set()  # release long polls
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
            self._server = None

    async def __aenter__(self) -> FakeBotAPI:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @contextlib.contextmanager
    def in_thread(self) -> Iterator[FakeBotAPI]:
        """Run the server on its own event loop in a daemon thread for the `with` block."""
        started = threading.Event()
        stopping: list[asyncio.Event] = []
        errors: list[BaseException] = []

        async def main() -> None:
            try:
                await self.start()
                stop = asyncio.Event()
                stopping.append(stop)
            except BaseException as exc:  # pragma: no cover - reported to the caller
                errors.append(exc)
                started.set()
                return
            started.set()
            await stop.wait()
            await self.stop()

        self._thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True,
                                        name="fake-bot-api")
        self._thread.start()
        started.wait(10)
        if errors:
            raise errors[0]
        try:
            yield self
        finally:
            loop = self._loop
            if loop is not None and stopping:
                loop.call_soon_threadsafe(stopping[0].set)
            self._thread.join(10)
            self._thread = None

    # -- what a test does ---------------------------------------------------------------------

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates (thread-safe); returns its update_id."""
        with self._changed:
            if "update_id" not in update:
                update = {"update_id": next(self._update_ids), **update}
            else:
                self._update_ids = itertools.count(max(int(update["update_id"]) + 1,
                                                       next(self._update_ids)))
            self._updates.append(update)
            self._changed.notify_all()
        self._wake_pollers()
        return int(update["update_id"])

    def pending_updates(self) -> int:
        """Updates pushed but not yet confirmed by a later getUpdates offset."""
        with self._lock:
            return len(self._updates)

    def fail(
        self,
        status: int,
        description: str = "",
        *,
        method: str | None = None,
        chat_id: int | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` matching calls fail as Telegram would (403, 400, 429, 5xx)."""
        with self._lock:
            self._failures.append(
                _Failure(status, description or error_description(status, retry_after),
                         method.lower() if method else None, chat_id,
                         (retry_after or 1) if status == 429 else None, times)
            )

    def clear_failures(self) -> None:
        """Telegram is back: drop every scripted failure still waiting."""
        with self._lock:
            self._failures.clear()

    def clear(self) -> None:
        """Forget the recorded calls and the 429 count (e.g. between benchmark rounds)."""
        with self._lock:
            self.calls.clear()
            self.rate_limited = 0

    def sent(self, chat_id: int | None = None, method: str | None = None) -> list[ApiCall]:
        """Successful calls, optionally to one chat and/or of one method."""
        with self._lock:
            return [
                c for c in self.calls
                if c.status == 200
                and (chat_id is None or c.chat_id == chat_id)
                and (method is None or c.method.lower() == method.lower())
            ]

    def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 10.0
    ) -> Any:
        """Block until predicate() is truthy (re-checked after every call and update);
        returns its value, or raises TimeoutError. For sync tests driving a subprocess."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                self._lock.release()
                try:
                    value = predicate()
                finally:
                    self._lock.acquire()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("the expected Bot API calls did not arrive in time")
                self._changed.wait(min(remaining, 0.25))

    async def wait_for_async(self, predicate: Callable[[], Any], seconds: float = 10.0) -> Any:
        """The same, for a test running in an event loop (polls without blocking it)."""
        deadline = time.monotonic() + seconds
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise TimeoutError("the expected Bot API calls did not arrive in time")
            await asyncio.sleep(0.01)

    def wait_for_message(
        self, chat_id: int, *, after: int = 0, timeout: float = 10.0
    ) -> ApiCall:
        """The first sendMessage to chat_id among calls[after:], waiting for it if needed."""

        def found() -> ApiCall | None:
            with self._lock:
                calls = self.calls[after:]
            for call in calls:
                if call.method == "sendMessage" and call.status == 200 and call.chat_id == chat_id:
                    return call
            return None

        return self.wait_for(found, timeout)

    # -- HTTP ---------------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while not self._closing:
                request = await self._read_request(reader)
                if request is None:
                    break
                verb, target, headers, body = request
                status, payload = await self._handle(verb, target, headers, body, reader)
                data = json.dumps(payload, ensure_ascii=False).encode()
                keep_alive = headers.get("connection", "").lower() != "close"
                writer.write(
                    f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
                    "Content-Type: application/json\r\n"
                    f"Content-Length: {len(data)}\r\n"
                    f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n".encode()
                    + data
                )
                await writer.drain()
                if not keep_alive:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    @staticmethod
    async def _read_request(
        reader: asyncio.StreamReader,
    ) -> tuple[str, str, dict[str, str], bytes] | None:
        line = await reader.readline()
        if not line.strip():
            return None
        verb, target, _version = line.decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while True:
            header = await reader.readline()
            if header in (b"\r\n", b"\n", b""):
                break
            name, _, value = header.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    await reader.readline()
                    break
                body += await reader.readexactly(size)
                await reader.readline()
        else:
            body = await reader.readexactly(int(headers.get("content-length") or 0))
        return verb.upper(), target, headers, body

    async def _handle(
        self,
        verb: str,
        target: str,
        headers: dict[str, str],
        body: bytes,
        connection: asyncio.StreamReader | None = None,
    ) -> tuple[int, dict[str, Any]]:
        url = urlsplit(target)
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", url.path)
        if match is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        token, method = match.groups()
        try:
            params = self._params(url.query, headers.get("content-type", ""), body)
        except ValueError as exc:
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}
        call = ApiCall(method, params, token=token)
        if self.token is not None and token != self.token:
            return self._record(call, 401, {"ok": False, "error_code": 401,
                                            "description": "Unauthorized"})
        failure = self._rate_limit(method, params) or self._scripted_failure(method, params)
        if failure is not None:
            return self._record(call, *failure)
        if method.lower() == "getupdates":
            if self._another_poller(connection):
                self.conflicts += 1
                return self._record(call, 409, {
                    "ok": False, "error_code": 409,
                    "description": "Conflict: terminated by other getUpdates request; make sure"
                                   " that only one bot instance is running",
                })
            # Recorded on arrival, so a test can wait for "the bot is polling now".
            self._record(call, 200, {})
            return 200, {"ok": True, "result": await self._get_updates(params)}
        with self._lock:
            refusal = telegram_refusal(method, params, self.messages, self._answered)
        if refusal is not None:
            return self._record(call, 400, {"ok": False, "error_code": 400, "description": refusal})
        hang = self._take_hang(method)
        answer = self._record(call, 200, {"ok": True, "result": self._answer(method, params)})
        if hang:
            await asyncio.sleep(hang)  # Telegram has the message; the answer comes late
        return answer

    def _another_poller(self, connection: asyncio.StreamReader | None) -> bool:
        """Telegram lets one process poll: a live connection other than the poller's is refused."""
        if not self.one_poller or connection is None:
            return False
        with self._lock:
            owner = self._poller
            if owner is not None and owner is not connection and not owner.at_eof():
                return True
            self._poller = connection
        return False

    def hang(self, seconds: float, *, method: str | None = "sendMessage", times: int = 1) -> None:
        """Accept the next `times` calls of `method`, but answer each only after `seconds`."""
        with self._lock:
            self._hangs.append((seconds, method.lower() if method else None, times))

    def _take_hang(self, method: str) -> float:
        with self._lock:
            for n, (seconds, wanted, times) in enumerate(self._hangs):
                if wanted in (None, method.lower()):
                    if times <= 1:
                        del self._hangs[n]
                    else:
                        self._hangs[n] = (seconds, wanted, times - 1)
                    return seconds
        return 0.0

    @staticmethod
    def _params(query: str, content_type: str, body: bytes) -> dict[str, Any]:
        params: dict[str, Any] = {k: _coerce(k, v) for k, v in parse_qsl(query)}
        kind = content_type.split(";")[0].strip().lower()
        if not body:
            return params
        if kind == "application/json":
            decoded = json.loads(body)
            if not isinstance(decoded, dict):
                raise ValueError("the JSON body must be an object")
            params.update(decoded)
        elif kind == "multipart/form-data":
            params.update(_parse_multipart(content_type, body))
        else:  # application/x-www-form-urlencoded, PTB's default
            text = body.decode("utf-8")
            params.update({k: _coerce(k, v) for k, v in parse_qsl(text, keep_blank_values=True)})
        return params

    def _record(self, call: ApiCall, status: int, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        call.status, call.result = status, payload.get("result")
        call.error = payload if status != 200 else None
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        return status, payload

    def _wake_pollers(self) -> None:
        loop, event = self._loop, self._new_update
        if loop is not None and event is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(event.set)

    # -- limits and scripted failures ---------------------------------------------------------

    def _rate_limit(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        if method.lower() not in SEND_METHODS:
            return None
        if not (self.rate_limit_overall or self.rate_limit_per_chat):
            return None
        now = self.clock()
        chat = str(params.get("chat_id"))
        paid = params.get("allow_paid_broadcast") in (True, "true", 1)
        overall = self._paid if paid else self._overall
        with self._lock:
            waits = []
            if self.rate_limit_overall or paid:
                waits.append(overall.retry_after(now))
            chat_window = None
            if self.rate_limit_per_chat:
                chat_window = self._per_chat.setdefault(chat, _Window(self.rate_limit_per_chat))
                waits.append(chat_window.retry_after(now))
            blocked = [w for w in waits if w is not None]
            if blocked:
                self.rate_limited += 1
                retry_after = max(1, math.ceil(max(blocked)))
                return 429, {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {retry_after}",
                    "parameters": {"retry_after": retry_after},
                }
            if self.rate_limit_overall or paid:
                overall.times.append(now)
            if chat_window is not None:
                chat_window.times.append(now)
        return None

    def _scripted_failure(
        self, method: str, params: dict[str, Any]
    ) -> tuple[int, dict[str, Any]] | None:
        with self._lock:
            for failure in self._failures:
                if failure.method not in (None, method.lower()):
                    continue
                if failure.chat_id is not None and str(failure.chat_id) != str(params.get("chat_id")):
                    continue
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                body: dict[str, Any] = {
                    "ok": False, "error_code": failure.status, "description": failure.description
                }
                if failure.retry_after is not None:
                    body["parameters"] = {"retry_after": failure.retry_after}
                return failure.status, body
        return None

    # -- answers ------------------------------------------------------------------------------

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = max(0.0, float(params.get("timeout") or 0))
        deadline = time.monotonic() + timeout
        assert self._new_update is not None
        while True:
            with self._lock:
                if offset:
                    # Telegram forgets every update below the offset once it is asked for it.
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                ready = self._updates[:limit]
            remaining = deadline - time.monotonic()
            if ready or remaining <= 0 or self._closing:
                return ready
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), remaining)

    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        name = method.lower()
        if name == "getme":
            return self.bot_user
        if name == "sendmessage":
            return self._new_message(params)
        if name == "copymessage":  # Telegram answers a MessageId, not the Message
            with self._lock:
                return {"message_id": next(self._message_ids)}
        if name in {"editmessagetext", "editmessagereplymarkup"}:
            return self._edit_message(params)
        if name == "getmycommands":
            return []
        if method in PROFILE_METHODS:
            return self._profile(method, params)
        if name == "getwebhookinfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        return True  # answerCallbackQuery, setMyCommands, deleteWebhook, sendChatAction, ...

    def _profile(self, method: str, params: dict[str, Any]) -> Any:
        """get/setMyName, get/setMyDescription, get/setMyShortDescription, per language_code."""
        field = PROFILE_METHODS[method]
        language = str(params.get("language_code") or "")
        if method.startswith("set"):
            self.bot_profile[(field, language)] = str(params.get(field) or "")
            return True
        return {field: self.bot_profile.get((field, language), "")}

    def _new_message(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            message_id = next(self._message_ids)
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": int(params.get("chat_id") or 0), "type": "private"},
            "from": self.bot_user,
            "text": str(params.get("text", "")),
        }
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        with self._lock:
            self.messages[message_id] = message
        return message

    def _edit_message(self, params: dict[str, Any]) -> Any:
        if "inline_message_id" in params:
            return True
        message_id = int(params.get("message_id") or 0)
        with self._lock:
            message = self.messages.get(message_id)
            if message is None:
                message = {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": {"id": int(params.get("chat_id") or 0), "type": "private"},
                    "from": self.bot_user,
                    "text": "",
                }
                self.messages[message_id] = message
            if "text" in params:
                message["text"] = str(params["text"])
            markup = params.get("reply_markup")
            if isinstance(markup, dict) and "inline_keyboard" in markup:
                message["reply_markup"] = markup
            else:
                message.pop("reply_markup", None)
            message["edit_date"] = int(time.time())
            return dict(message)


# -- building updates -------------------------------------------------------------------------------

_message_ids = itertools.count(500000)


def user_dict(user_id: int, first_name: str = "Test", language_code: str | None = "ar") -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language_code:
        user["language_code"] = language_code
    return user


def message_update(user: dict[str, Any], text: str) -> dict[str, Any]:
    """A private text message from `user`; a leading /command gets its bot_command entity."""
    message: dict[str, Any] = {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": {"id": user["id"], "type": "private", "first_name": user["first_name"]},
        "from": user,
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [
            {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
        ]
    return {"message": message}


def callback_update(user: dict[str, Any], data: str, message: dict[str, Any]) -> dict[str, Any]:
    """A press of the inline button with `data` under `message` (one the bot sent)."""
    return {
        "callback_query": {
            "id": str(next(_message_ids)),
            "from": user,
            "chat_instance": str(user["id"]),
            "data": data,
            "message": message,
        }
    }

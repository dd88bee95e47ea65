"""An offline Bot API: a PTB request object that records every call and answers like Telegram.

Used by the tests and by `python -m bot console`, so both run the real Application with no
network. It keeps the messages the bot sent (so edits and button presses refer to real ones) and
can be told to fail the next calls the way Telegram does (429 with retry_after, 403, 400, 5xx).
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_USER = {
    "id": 7000000001,
    "is_bot": True,
    "first_name": "Aoun",
    "username": "aoun_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}

MESSAGE_METHODS = {
    "sendMessage",
    "sendLocation",
    "sendVenue",
    "sendDocument",
    "sendPhoto",
    "sendContact",
}
EDIT_METHODS = {"editMessageText", "editMessageReplyMarkup", "editMessageCaption"}
# The bot's profile (name and descriptions per language): method -> its field.
PROFILE_METHODS = {
    "getMyName": "name", "setMyName": "name",
    "getMyDescription": "description", "setMyDescription": "description",
    "getMyShortDescription": "short_description", "setMyShortDescription": "short_description",
}


@dataclass
class Call:
    """One Bot API request the bot made."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # uploads: name -> (filename, content)

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback_data or url) of every inline button, row by row."""
        markup = self.params.get("reply_markup") or {}
        if isinstance(markup, str):
            markup = json.loads(markup)
        found = []
        for row in markup.get("inline_keyboard", []):
            for button in row:
                found.append((button["text"], button.get("callback_data") or button.get("url", "")))
        return found

    @property
    def keyboard(self) -> list[dict[str, Any]]:
        """The buttons of a reply keyboard (request_contact, request_users, plain text)."""
        markup = self.params.get("reply_markup") or {}
        if isinstance(markup, str):
            markup = json.loads(markup)
        return [button for row in markup.get("keyboard", []) for button in row]


@dataclass
class _Failure:
    status: int
    description: str
    method: str | None
    chat_id: int | None
    retry_after: int | None
    times: int


def error_description(status: int, retry_after: int | None = None) -> str:
    """What Telegram says with an error status (the part PTB turns into an exception)."""
    return {
        429: f"Too Many Requests: retry after {retry_after or 1}",
        403: "Forbidden: bot was blocked by the user",
        400: "Bad Request: chat not found",
        502: "Bad Gateway",
    }.get(status, "Internal Server Error")


# -- what Telegram refuses (both doubles: this one and tests/fake_bot_api.py) --------------------

MAX_TEXT = 4096  # characters of a message after the entities are parsed
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64  # bytes
_HTML_TAGS = frozenset({
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "tg-spoiler", "span", "blockquote", "tg-emoji",
})
_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)((?:\s[^<>]*)?)>")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are"
    " exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query id is invalid"


def html_error(text: str) -> str | None:
    """Why Telegram's HTML parser refuses `text`, or None; strict like Telegram."""
    stack: list[str] = []
    position = 0
    for match in _TAG.finditer(text):
        between = text[position:match.start()]
        if "<" in between:
            return "Bad Request: can't parse entities: unsupported start tag"
        if "&" in _ENTITY.sub("", between):
            return "Bad Request: can't parse entities: character entity expected"
        closing, name = match.group(1), match.group(2).lower()
        if name not in _HTML_TAGS:
            return f'Bad Request: can\'t parse entities: unsupported start tag "{name}"'
        if closing:
            if not stack or stack.pop() != name:
                return f'Bad Request: can\'t parse entities: unmatched end tag "{name}"'
        else:
            stack.append(name)
        position = match.end()
    rest = text[position:]
    if "<" in rest:
        return "Bad Request: can't parse entities: unsupported start tag"
    if "&" in _ENTITY.sub("", rest):
        return "Bad Request: can't parse entities: character entity expected"
    if stack:
        return f'Bad Request: can\'t parse entities: can\'t find end tag corresponding to start tag "{stack[-1]}"'
    return None


def _visible_length(text: str, parse_mode: Any) -> int:
    if str(parse_mode or "").upper() == "HTML":
        text = html.unescape(_TAG.sub("", text))
    return len(text.encode("utf-16-le")) // 2


def _markup(value: Any) -> Any:
    if isinstance(value, str):
        with_json = value.strip()
        if with_json.startswith("{"):
            value = json.loads(with_json)
    if isinstance(value, dict) and value.get("inline_keyboard"):
        return value["inline_keyboard"]
    return None


def telegram_refusal(
    method: str,
    params: dict[str, Any],
    messages: dict[int, dict[str, Any]],
    answered: set[str],
) -> str | None:
    """The 400 description Telegram would answer this call with, or None when it is fine.
    `answered` holds the callback queries answered so far (a second answer is refused)."""
    name = method.lower()
    if name == "answercallbackquery":
        query = str(params.get("callback_query_id"))
        if query in answered:
            return QUERY_TOO_OLD
        answered.add(query)
        return None
    if not (name.startswith("send") or name.startswith("edit") or name == "copymessage"):
        return None
    for row in _markup(params.get("reply_markup")) or []:
        for button in row:
            data = button.get("callback_data")
            if data is not None and len(str(data).encode()) > MAX_CALLBACK_DATA:
                return "Bad Request: BUTTON_DATA_INVALID"
    for key, limit in (("text", MAX_TEXT), ("caption", MAX_CAPTION)):
        if key not in params:
            continue
        value = str(params[key])
        if str(params.get("parse_mode") or "").upper() == "HTML":
            error = html_error(value)
            if error:
                return error
        length = _visible_length(value, params.get("parse_mode"))
        if key == "text" and length == 0:
            return "Bad Request: message text is empty"
        if length > limit:
            return "Bad Request: message is too long" if key == "text" else (
                "Bad Request: message caption is too long")
    if name in {"editmessagetext", "editmessagereplymarkup"} and "message_id" in params:
        message = messages.get(int(params["message_id"]))
        if message is not None:
            same_text = name == "editmessagereplymarkup" or message.get("text") == str(params.get("text"))
            if same_text and _markup(message.get("reply_markup")) == _markup(params.get("reply_markup")):
                return NOT_MODIFIED
    return None


def _uploads(request_data: RequestData | None) -> dict[str, tuple[str, bytes]]:
    if request_data is None or not request_data.contains_files:
        return {}
    uploads = {}
    for name, (filename, content, _mimetype) in request_data.multipart_data.items():
        data = content if isinstance(content, bytes) else content.read()
        uploads[name] = (filename, data)
    return uploads


class OfflineBotAPI(BaseRequest):
    """Answers every Bot API method locally; `calls` is the record of what the bot sent."""

    def __init__(self, bot_user: dict[str, Any] | None = None) -> None:
        self.bot_user = dict(bot_user or BOT_USER)
        self.calls: list[Call] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.bot_profile: dict[tuple[str, str], str] = {}  # (field, language_code) -> value
        self._failures: list[_Failure] = []
        self._answered: set[str] = set()
        self._message_ids = itertools.count(1)
        self.listeners: list[Any] = []  # callables(Call), e.g. the console printing messages

    # -- scripting ----------------------------------------------------------------------------

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
        """Make the next `times` matching calls fail as Telegram would."""
        self._failures.append(
            _Failure(status, description or error_description(status, retry_after), method, chat_id,
                     retry_after if status != 429 else (retry_after or 1), times)
        )

    def _scripted_failure(self, method: str, params: dict[str, Any]) -> _Failure | None:
        chat_id = params.get("chat_id")
        for failure in self._failures:
            if failure.method not in (None, method):
                continue
            if failure.chat_id is not None and str(failure.chat_id) != str(chat_id):
                continue
            failure.times -= 1
            if failure.times <= 0:
                self._failures.remove(failure)
            return failure
        return None

    # -- BaseRequest --------------------------------------------------------------------------

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if api_method == "getUpdates":
            await asyncio.sleep(0.05)
            return self._ok([])
        failure = self._scripted_failure(api_method, params)
        call = Call(api_method, params, files=_uploads(request_data))
        if failure is not None:
            call.params = {**params, "_failed": failure.status}
            self.calls.append(call)
            body: dict[str, Any] = {
                "ok": False,
                "error_code": failure.status,
                "description": failure.description,
            }
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            return failure.status, json.dumps(body).encode()
        refusal = telegram_refusal(api_method, params, self.messages, self._answered)
        if refusal is not None:
            call.params = {**params, "_failed": 400}
            self.calls.append(call)
            return 400, json.dumps({"ok": False, "error_code": 400, "description": refusal}).encode()
        self.calls.append(call)
        result = self._answer(api_method, params)
        for listener in self.listeners:
            listener(call)
        return self._ok(result)

    # -- answers ------------------------------------------------------------------------------

    @staticmethod
    def _ok(result: Any) -> tuple[int, bytes]:
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return self.bot_user
        if method in MESSAGE_METHODS:
            return self._new_message(params)
        if method in EDIT_METHODS:
            return self._edit_message(method, params)
        if method == "copyMessage":  # Telegram answers a MessageId, not the Message
            return {"message_id": self._copy_message(params)}
        if method == "getChat":
            return {"id": int(params["chat_id"]), "type": "private"}
        if method == "getMyCommands":
            return []
        if method in PROFILE_METHODS:
            return self._profile(method, params)
        return True

    def _profile(self, method: str, params: dict[str, Any]) -> Any:
        """get/setMyName, get/setMyDescription, get/setMyShortDescription, per language_code."""
        field = PROFILE_METHODS[method]
        language = str(params.get("language_code") or "")
        if method.startswith("set"):
            self.bot_profile[(field, language)] = str(params.get(field) or "")
            return True
        return {field: self.bot_profile.get((field, language), "")}

    def _new_message(self, params: dict[str, Any]) -> dict[str, Any]:
        message_id = next(self._message_ids)
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            "from": self.bot_user,
        }
        if "text" in params:
            message["text"] = params["text"]
        if "caption" in params:
            message["caption"] = params["caption"]
        if "latitude" in params:
            message["location"] = {
                "latitude": params["latitude"],
                "longitude": params["longitude"],
            }
        if "document" in params:
            message["document"] = {"file_id": f"doc{message_id}", "file_unique_id": f"u{message_id}"}
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        self.messages[message_id] = message
        return message

    def _copy_message(self, params: dict[str, Any]) -> int:
        """A copy in the target chat, as Telegram makes one (the source's content is not known
        here: the copy records where it came from)."""
        message_id = next(self._message_ids)
        self.messages[message_id] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            "from": self.bot_user,
            "copied_from": {"chat_id": params.get("from_chat_id"), "message_id": params.get("message_id")},
        }
        return message_id

    def _edit_message(self, method: str, params: dict[str, Any]) -> Any:
        message_id = int(params.get("message_id", 0))
        message = self.messages.get(message_id)
        if message is None:
            return True
        if "text" in params:
            message["text"] = params["text"]
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return message

    # -- reading the record -------------------------------------------------------------------

    def sent(self, chat_id: int | None = None, method: str | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if (chat_id is None or c.chat_id == chat_id)
            and (method is None or c.method == method)
            and "_failed" not in c.params
        ]

    def clear(self) -> None:
        self.calls.clear()

"""Drive the real Application with real Update objects through the offline Bot API.

    async def test_start(make_bot):
        bot = await make_bot()
        ali = bot.user(101, "Ali", "ar")
        await bot.command(ali, "/start")
        assert "عون" in bot.last(ali).text

Every helper returns the Bot API calls made while that update was processed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.app import build_application
from bot.clock import ManualClock
from bot.config import Settings
from bot.flows.kit.routes import RouteIndex
from bot.incoming import UpdateBuilder, group_chat
from bot.offline import Call, OfflineBotAPI
from bot.persistence import encode_scratch

TEST_TOKEN = "123456789:TEST-token-abcdefghijklmnopqrstuvwxyz"
ADMIN_ID = 1


class CheckedRoutes(RouteIndex):
    """The route index, checked on every update of every test against PTB's own loop (each
    handler of the group tried in turn): the handler that takes the update must be the same one,
    found among the candidates in the same order. `taken` records (group, handler) per group."""

    def __init__(self) -> None:
        super().__init__()
        self.taken: list[tuple[int, Any]] = []
        self.mismatches: list[str] = []

    def candidates(self, group: int, handlers: list[Any], update: object) -> Any:
        chosen = super().candidates(group, handlers, update)
        expected, got = _first_taker(handlers, update), _first_taker(chosen, update)
        positions = [handlers.index(handler) for handler in chosen]
        if got is not expected or positions != sorted(positions):
            self.mismatches.append(
                f"group {group}: {_label(got)} instead of {_label(expected)} for update {update}"
            )
        self.taken.append((group, expected))
        return chosen


def _label(handler: Any) -> str:
    spec = getattr(handler, "spec", None)
    return f"flow {spec.name}" if spec is not None else repr(handler)


def _first_taker(handlers: Any, update: object) -> Any:
    for handler in handlers:
        check = handler.check_update(update)
        if check is not None and check is not False:
            return handler
    return None


@dataclass(frozen=True)
class TgUser:
    id: int
    first_name: str
    language_code: str | None = "ar"
    username: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            data["language_code"] = self.language_code
        if self.username:
            data["username"] = self.username
        return data


class BotHarness:
    """One Application on one SQLite file, with helpers that speak Telegram."""

    def __init__(self, settings: Settings, clock: ManualClock) -> None:
        self.settings = settings
        self.clock = clock
        self.api = OfflineBotAPI()
        self.app = build_application(settings, request=self.api, clock=clock)
        self.routes = self.app.routes = CheckedRoutes()
        self.incoming = UpdateBuilder(self.app.bot, clock.now, first_message_id=100000)
        # A reply waiting out a 429 (or retrying a 5xx) waits on the test's clock, not for real.
        self.app.bot_data["limiter"].sleep = self._let_time_pass
        # Every harness of one test (restarts included), so the fixture can stop them all.
        self.family: list[BotHarness] = [self]

    async def start(self) -> BotHarness:
        await self.app.initialize()
        if self.app.post_init:
            await self.app.post_init(self.app)
        return self

    async def stop(self) -> None:
        if self.app.running:
            await self.app.stop()
        if self.db.is_open:  # not already stopped, nor killed by restart(graceful=False)
            await self.app.shutdown()

    async def restart(self, *, graceful: bool = True) -> BotHarness:
        """A new process on the same database. graceful=False is kill -9: no shutdown flush
        beyond what the 1-second persistence interval had already written."""
        if graceful:
            await self.stop()
        else:
            await self.app.update_persistence()  # what the periodic writer had saved
            await self.app.bot_data["db"].close()
        fresh = BotHarness(self.settings, self.clock)
        fresh.family = self.family
        self.family.append(fresh)
        return await fresh.start()

    async def _let_time_pass(self, seconds: float) -> None:
        await asyncio.sleep(0)
        self.clock.advance(seconds=seconds)

    @property
    def db(self):  # type: ignore[no-untyped-def]
        return self.app.bot_data["db"]

    # -- people -------------------------------------------------------------------------------

    @staticmethod
    def user(user_id: int, first_name: str = "Test", language_code: str | None = "ar",
             username: str | None = None) -> TgUser:
        return TgUser(user_id, first_name, language_code, username)

    @property
    def admin(self) -> TgUser:
        return TgUser(ADMIN_ID, "Admin", "en")

    # -- sending updates ----------------------------------------------------------------------

    async def process(self, payload: dict[str, Any]) -> list[Call]:
        before = len(self.api.calls)
        update = self.incoming.update(payload)
        await self.app.process_update(update)
        mismatches, self.routes.mismatches = self.routes.mismatches, []
        assert not mismatches, "the route index chose another handler than PTB: " + "; ".join(mismatches)
        if update.effective_user is not None:  # a draft that could not be stored fails the test
            encode_scratch(dict(self.app.user_data.get(update.effective_user.id, {})))
        return self.api.calls[before:]

    def _message(self, user: TgUser, *, group: int | None = None, **content: Any) -> dict[str, Any]:
        """A message from `user` in their private chat (or in the group chat `group`, < 0)."""
        chat = None if group is None else group_chat(group)
        return self.incoming.message(user.as_dict(), chat, **content)["message"]

    async def text(self, user: TgUser, text: str, *, group: int | None = None) -> list[Call]:
        return await self.process({"message": self._message(user, text=text, group=group)})

    async def command(self, user: TgUser, text: str, *, group: int | None = None) -> list[Call]:
        chat = None if group is None else group_chat(group)
        return await self.process(self.incoming.command(user.as_dict(), text, chat))

    async def contact(
        self, user: TgUser, phone: str, *, owner_id: int | None = -1, first_name: str | None = None
    ) -> list[Call]:
        """Share a contact; by default the sender's own (owner_id=-1 means the sender)."""
        contact: dict[str, Any] = {"phone_number": phone, "first_name": first_name or user.first_name}
        owner = user.id if owner_id == -1 else owner_id
        if owner is not None:
            contact["user_id"] = owner
        return await self.process({"message": self._message(user, contact=contact)})

    async def location(self, user: TgUser, latitude: float, longitude: float) -> list[Call]:
        return await self.process(
            {"message": self._message(user, location={"latitude": latitude, "longitude": longitude})}
        )

    async def sticker(self, user: TgUser) -> list[Call]:
        sticker = {
            "file_id": "sticker1", "file_unique_id": "s1", "type": "regular",
            "width": 512, "height": 512, "is_animated": False, "is_video": False,
        }
        return await self.process({"message": self._message(user, sticker=sticker)})

    async def photo(self, user: TgUser) -> list[Call]:
        photo = [{"file_id": "photo1", "file_unique_id": "p1", "width": 90, "height": 90}]
        return await self.process({"message": self._message(user, photo=photo)})

    async def forward(self, user: TgUser, original_sender: TgUser | None, text: str = "hi") -> list[Call]:
        """Forward a message; original_sender None means the sender hides their account."""
        if original_sender is None:
            origin = {"type": "hidden_user", "date": 0, "sender_user_name": "Hidden"}
        else:
            origin = {"type": "user", "date": 0, "sender_user": original_sender.as_dict()}
        return await self.process({"message": self._message(user, text=text, forward_origin=origin)})

    async def share_user(self, user: TgUser, shared_id: int, request_id: int = 1) -> list[Call]:
        shared = {"request_id": request_id, "users": [{"user_id": shared_id}]}
        return await self.process({"message": self._message(user, users_shared=shared)})

    async def press(
        self, user: TgUser, data: str, *, message_id: int | None = None
    ) -> list[Call]:
        """Press an inline button. The message is the last one sent to the user with that
        button when message_id is not given (or any bot message, for a forged press)."""
        message = self._find_message(user.id, data, message_id)
        return await self.process(self.incoming.press(user.as_dict(), data, message))

    async def press_label(self, user: TgUser, label_part: str) -> list[Call]:
        """Press the first button on the user's latest keyboard whose label contains label_part."""
        for call in reversed(self.api.calls):
            if call.chat_id == user.id or self._edited_chat(call) == user.id:
                for label, data in call.buttons:
                    if label_part in label:
                        return await self.press(user, data)
        raise AssertionError(f"no button containing {label_part!r} was sent to {user.id}")

    def _edited_chat(self, call: Call) -> int | None:
        if call.method.startswith("edit") and "message_id" in call.params:
            message = self.api.messages.get(int(call.params["message_id"]))
            return message["chat"]["id"] if message else None
        return None

    def _find_message(self, chat_id: int, data: str, message_id: int | None) -> dict[str, Any]:
        if message_id is not None and message_id in self.api.messages:
            return self.api.messages[message_id]
        for message in reversed(list(self.api.messages.values())):
            if message["chat"]["id"] != chat_id:
                continue
            for row in message.get("reply_markup", {}).get("inline_keyboard", []):
                if any(b.get("callback_data") == data for b in row):
                    return message
        # A forged or stale press: attach it to some bot message in that chat, or a blank one.
        for message in reversed(list(self.api.messages.values())):
            if message["chat"]["id"] == chat_id:
                return message
        return {
            "message_id": 1,
            "date": int(self.clock.now().timestamp()),
            "chat": {"id": chat_id, "type": "private"},
            "from": self.api.bot_user,
            "text": "…",
        }

    async def flush_outbox(self) -> list[Call]:
        """Deliver everything due in the outbox now (what the sender would do); returns calls."""
        return await flush_outbox(self)

    # -- reading what the bot sent ------------------------------------------------------------

    def sent(self, user: TgUser | int | None = None, method: str | None = None) -> list[Call]:
        chat_id = user.id if isinstance(user, TgUser) else user
        return self.api.sent(chat_id, method)

    def last(self, user: TgUser | int, method: str | None = None) -> Call:
        """The last call addressed to the user (sent or edited message, or a callback answer)."""
        chat_id = user.id if isinstance(user, TgUser) else user
        for call in reversed(self.api.calls):
            if method and call.method != method:
                continue
            if call.chat_id == chat_id or self._edited_chat(call) == chat_id:
                return call
        raise AssertionError(f"nothing was sent to {chat_id}")

    def texts(self, calls: list[Call]) -> str:
        """All texts (and alert texts) in a list of calls, joined, for loose assertions."""
        return "\n".join(c.text for c in calls if c.text)


def make_settings(tmp_path: Path, **env: str) -> Settings:
    base = {
        "BOT_TOKEN": TEST_TOKEN,
        "DATABASE_PATH": str(tmp_path / "aoun.sqlite3"),
        "ADMIN_IDS": str(ADMIN_ID),
        "DEFAULT_LOCALE": "ar",
        "TIMEZONE": "Asia/Riyadh",
        # Short-shift escalations (24h,6h in production) would add messages to every test that
        # moves the clock near a shift; tests/test_escalations.py turns them on.
        "ESCALATION_LEADS": "off",
    }
    base.update(env)
    return Settings.from_env(base)


DEFAULT_START = datetime(2026, 5, 10, 6, 0, tzinfo=UTC)  # 23 Dhu al-Qadah 1447, 09:00 in Madinah


async def flush_outbox(harness: BotHarness) -> list[Call]:
    """Deliver everything due in the outbox now; returns the calls it made.

    The real Sender logic (priority order, error handling, crash-safe marking), one message
    after the other without pacing sleeps and without moving the clock."""
    before = len(harness.api.calls)
    await harness.app.bot_data["sender"].drain(pace=False)
    return harness.api.calls[before:]

"""`python -m bot console [--demo]`: the whole bot in a terminal, offline, with no token.

The real Application runs in-process (initialize, post_init, start: the JobQueue, the persistence
writer and any sender task run as in production) on its own SQLite file, with the offline Bot API
adapter the tests use in place of Telegram. Each line typed becomes a real Update fed to
`application.process_update`; every Bot API call the bot makes is printed: messages to the
person being played in full with numbered buttons, messages to other people under their name.

Console commands are not sent to the bot: /as, /who, #N, /share_contact, /share_location,
/share_user, /clock, /help_console, /quit (see HELP). The console is a tool for people evaluating
or developing the bot, so its own lines are in English; the bot speaks as it does on Telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import importlib
import itertools
import json
import logging
import os
import re
import signal
import sys
import threading
import warnings
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from telegram.warnings import PTBUserWarning

from bot import db
from bot import demo as demo_data
from bot.app import build_application
from bot.clock import ManualClock
from bot.config import Settings
from bot.demo import ADMIN_PERSONA, persona_id
from bot.i18n import format_datetime, use_locale
from bot.incoming import UpdateBuilder
from bot.offline import EDIT_METHODS, MESSAGE_METHODS, Call, OfflineBotAPI

log = logging.getLogger(__name__)

CONSOLE_TOKEN = "123456789:CONSOLE-offline-token-not-for-telegram"
DEFAULT_DATABASE = Path("./data/console.sqlite3")
DEFAULT_PERSONA = "guest"
SILENT_METHODS = {
    "getMe", "setMyCommands", "deleteMyCommands", "getMyCommands", "sendChatAction",
    "setChatMenuButton", "getChat", "getUpdates", "deleteWebhook", "setWebhook", "close",
    "logOut",
}
OTHERS_SHOWN_ONE_BY_ONE = 5

HELP = """\
Console commands (not sent to the bot):
  /as NAME [LANG]          play another person, created on first use (/as admin is an admin);
                           LANG is their Telegram language, e.g. /as sara en
  /who                     the people played in this session, with their roles
  #N                       press button N of the latest message with buttons
  /share_contact [PHONE]   share your own phone number (what the contact button sends)
  /share_location LAT LON  share a location, e.g. /share_location 24.4672 39.6111
  /share_user NAME|ID      choose a person (what the "choose a person" button sends)
  /clock [+2h|+30m|+1d]    show the bot's time, or move it forward and run the scheduler
  /help_console            this list
  /quit                    leave (Ctrl+D works too)
Anything else goes to the bot from the person you play: /commands as commands, the rest as
text. Start a line with a backslash to send it exactly as typed (\\#1 sends "#1")."""


def console_settings(settings: Settings, environ: Mapping[str, str]) -> Settings:
    """The console's own database, a dummy token when none is set, and the admin persona."""
    token = settings.bot_token or CONSOLE_TOKEN
    database_path = settings.database_path if environ.get("DATABASE_PATH") else DEFAULT_DATABASE
    return dataclasses.replace(
        settings,
        bot_token=token,
        database_path=database_path,
        admin_ids=settings.admin_ids | {persona_id(ADMIN_PERSONA)},
        webhook_url="",
    )


def main(settings: Settings, *, demo: bool = False, environ: Mapping[str, str] | None = None) -> int:
    """Entry point of `python -m bot console [--demo]`."""
    env = os.environ if environ is None else environ
    if "LOG_LEVEL" not in env:
        # Start-up chatter would drown the conversation; errors still show.
        logging.getLogger().setLevel(logging.WARNING)
    # Advice for developers about handler settings, not for someone trying the bot.
    warnings.filterwarnings("ignore", category=PTBUserWarning)
    console = Console(console_settings(settings, env))
    try:
        return asyncio.run(console.run(demo=demo, handle_signals=True))
    except KeyboardInterrupt:
        return 130


@dataclass
class Persona:
    """Someone the console user plays: a Telegram user with a stable id."""

    name: str
    id: int
    first_name: str
    language_code: str | None

    def user(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def chat(self) -> dict[str, Any]:
        return {"id": self.id, "type": "private", "first_name": self.first_name}


class _LineReader:
    """Reads one line at a time on a daemon thread, so the event loop never blocks on input.

    A line is read only when asked for, so the prompt is always the current persona's; the
    thread is a daemon, so a read still waiting at exit does not keep the process alive.
    """

    def __init__(self, stream: IO[str], *, use_input: bool) -> None:
        self.stream = stream
        self.use_input = use_input
        self._requests: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[str | None], str]] = []
        self._wake = threading.Condition()
        self._future: asyncio.Future[str | None] | None = None
        self._thread = threading.Thread(target=self._run, name="console-input", daemon=True)
        self._thread.start()

    async def readline(self, prompt: str) -> str | None:
        """The next line without its newline, or None at end of input (or when interrupted)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[str | None] = loop.create_future()
        self._future = future
        with self._wake:
            self._requests.append((loop, future, prompt))
            self._wake.notify()
        try:
            return await future
        finally:
            self._future = None

    def interrupt(self) -> None:
        """Ctrl+C: end the pending read as if the input had ended."""
        if self._future is not None and not self._future.done():
            self._future.set_result(None)

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._requests:
                    self._wake.wait()
                loop, future, prompt = self._requests.pop(0)
            try:
                if self.use_input:
                    line: str | None = input(prompt)
                else:
                    raw = self.stream.readline()
                    line = raw.rstrip("\r\n") if raw else None
            except EOFError:
                line = None
            except Exception:  # a closed stream ends the session like end of input
                log.debug("console input failed", exc_info=True)
                line = None
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(_resolve, future, line)


def _resolve(future: asyncio.Future[str | None], line: str | None) -> None:
    if not future.done():
        future.set_result(line)


_DURATION = re.compile(r"(\d+)\s*([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_forward(text: str) -> timedelta | None:
    """`+2h`, `+30m`, `+1d`, `+1d6h`, `90m` -> timedelta; None when not understood."""
    cleaned = text.strip().lower().removeprefix("+").replace(" ", "")
    if not cleaned or _DURATION.sub("", cleaned):
        return None
    delta = timedelta()
    for number, unit in _DURATION.findall(cleaned):
        delta += timedelta(**{_UNITS[unit]: int(number)})
    return delta if delta > timedelta() else None


def describe_report(report: object) -> str:
    """`offers made 3, reminders sent 1` from a dataclass of counts (e.g. a TickReport)."""
    if not dataclasses.is_dataclass(report) or isinstance(report, type):
        return "done."
    counts = [
        f"{name.replace('_', ' ')} {value}"
        for name, value in dataclasses.asdict(report).items()
        if isinstance(value, int) and not isinstance(value, bool) and value
    ]
    return ", ".join(counts) + "." if counts else "nothing was due."


class Console:
    """The bot in a terminal: personas, numbered buttons, a clock that moves on demand."""

    def __init__(
        self,
        settings: Settings,
        *,
        stdin: IO[str] | None = None,
        stdout: IO[str] | None = None,
        clock: ManualClock | None = None,
        interactive: bool | None = None,
        drain_timeout: float = 15.0,
    ) -> None:
        self.settings = settings
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        if interactive is None:
            interactive = _isatty(self.stdin) and self.stdout is sys.stdout
        self.interactive = interactive
        self.clock = clock or ManualClock(running=True)
        self.drain_timeout = drain_timeout
        self.api = OfflineBotAPI()
        self.files_dir = settings.database_path.parent / "console-files"
        self._file_numbers = itertools.count(1)
        self.api.listeners.append(self._on_call)
        self.app = build_application(settings, request=self.api, clock=self.clock)
        self.personas: dict[str, Persona] = {}
        self.current = self._new_persona(DEFAULT_PERSONA, settings.default_locale, None)
        # The bot's own messages count from 1; the personas' from a million.
        self.incoming = UpdateBuilder(self.app.bot, self.clock.now, first_message_id=1_000_000)
        self._queries: dict[str, int] = {}  # callback query id -> who pressed
        self._reply_keyboards: dict[int, list[dict[str, Any]]] = {}
        self._demo_names: dict[int, str] | None = None
        self._others: list[tuple[str, str]] = []
        self._others_flush: asyncio.TimerHandle | None = None
        self._reader: _LineReader | None = None
        self._waiting_for_input = False
        self._commands: dict[str, Callable[[str], Awaitable[bool]]] = {
            "as": self._cmd_as,
            "who": self._cmd_who,
            "share_contact": self._cmd_share_contact,
            "share_location": self._cmd_share_location,
            "share_user": self._cmd_share_user,
            "clock": self._cmd_clock,
            "help_console": self._cmd_help,
            "quit": self._cmd_quit,
        }

    @property
    def db(self) -> db.Database:
        return self.app.bot_data["db"]

    # -- lifecycle ----------------------------------------------------------------------------

    async def run(self, *, demo: bool = False, handle_signals: bool = False) -> int:
        """Start the bot, chat until /quit or end of input, stop the bot; the exit status."""
        await self.app.initialize()
        try:
            summary = None
            if demo:
                coordinator = persona_id(demo_data.COORDINATOR_PERSONA)
                if await db.demo_data_present(self.db, coordinator):
                    self._say(
                        f"The database {self.settings.database_path} already has the demo data of "
                        "an earlier --demo run: it was kept as it is, with what you did in it "
                        "since, and nothing was added. For a fresh demo, delete that file (or "
                        "point DATABASE_PATH at a new one) and run --demo again."
                    )
                elif await db.has_domain_data(self.db):
                    self._say(
                        f"The database {self.settings.database_path} already has data, and --demo "
                        "only fills a fresh one, so nothing was added. Run `python -m bot console` "
                        "without --demo to use it as it is, or point DATABASE_PATH at a new file."
                    )
                    return 1
                else:
                    summary = await demo_data.seed(self.db, self.settings, now=self.clock.now())
            if self.app.post_init:
                await self.app.post_init(self.app)
            await self.app.start()
            try:
                self._banner(summary)
                await self._chat(handle_signals)
            finally:
                await self.app.stop()
                if self.app.post_stop:
                    await self.app.post_stop(self.app)
        finally:
            await self.app.shutdown()
            if self.app.post_shutdown:
                await self.app.post_shutdown(self.app)
        return 0

    def _banner(self, summary: demo_data.DemoSummary | None) -> None:
        self._say(
            "Aoun console: the real bot, offline, in this terminal "
            f"(database {self.settings.database_path})."
        )
        if summary is not None:
            self._say(summary.describe())
        self._say(
            f"You are [{self.current.name}]. Send /start to talk to the bot; /as admin plays an "
            "admin; /help_console lists the console's own commands; /quit leaves."
        )

    async def _chat(self, handle_signals: bool) -> None:
        if self.interactive:
            with contextlib.suppress(ImportError):
                import readline  # noqa: F401  (line editing and history for input())
        self._reader = _LineReader(self.stdin, use_input=self.interactive)
        loop = asyncio.get_running_loop()
        if handle_signals:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signal.SIGINT, self._reader.interrupt)
                loop.add_signal_handler(signal.SIGTERM, self._reader.interrupt)
        try:
            while True:
                prompt = f"[{self.current.name}] > "
                if not self.interactive:
                    self._write(prompt)
                self._waiting_for_input = True
                line = await self._reader.readline(prompt)
                self._waiting_for_input = False
                if line is None:
                    self._write("\n")
                    break
                if not self.interactive:
                    self._write(line + "\n")
                try:
                    keep_going = await self.handle_line(line)
                except Exception:
                    log.exception("console command failed")
                    self._say("(that did not work; the details are in the log above)")
                    keep_going = True
                self._flush_others()
                if not keep_going:
                    break
        finally:
            if handle_signals:
                for sig in (signal.SIGINT, signal.SIGTERM):
                    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                        loop.remove_signal_handler(sig)
        self._say("Goodbye.")

    # -- one line -----------------------------------------------------------------------------

    async def handle_line(self, line: str) -> bool:
        """Act on one typed line; False means leave."""
        text = line.strip()
        if not text:
            return True
        if text.startswith("\\"):
            await self.send_text(text[1:])
        elif re.fullmatch(r"#\d+", text):
            await self.press(int(text[1:]))
        elif text.startswith("/"):
            word, _, rest = text[1:].partition(" ")
            command = self._commands.get(word.split("@")[0].lower())
            if command is not None:
                return await command(rest.strip())
            await self.send_command(text)
        elif (payload := self._deep_link_payload(text)) is not None:
            await self.send_command(f"/start {payload}")
        else:
            await self.send_text(text)
        await self.settle()
        return True

    def _deep_link_payload(self, text: str) -> str | None:
        """`https://t.me/<this bot>?start=X` opens the bot with /start X, as Telegram does."""
        match = re.fullmatch(r"(?:https?://)?t\.me/(\w+)\?start=([\w-]+)", text)
        if match and match.group(1).lower() == str(self.api.bot_user["username"]).lower():
            return match.group(2)
        return None

    # -- updates the console sends ------------------------------------------------------------

    async def process(self, payload: dict[str, Any]) -> None:
        """Feed one real Update to the Application, as Telegram's update stream would."""
        update = self.incoming.update(payload)
        # A task of its own, so the locale an update binds stays in that update.
        await asyncio.create_task(self.app.process_update(update))

    def _message(self, **content: Any) -> dict[str, Any]:
        return self.incoming.message(self.current.user(), self.current.chat(), **content)

    async def send_text(self, text: str) -> None:
        await self.process(self._message(text=text))

    async def send_command(self, text: str) -> None:
        await self.process(self.incoming.command(self.current.user(), text, self.current.chat()))

    async def press(self, number: int) -> None:
        """Press button `number` of the latest message to the current persona that has buttons."""
        message = self._latest_with_buttons(self.current.id)
        if message is None:
            self._say(f"(no message to [{self.current.name}] has buttons)")
            return
        buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
        if not 1 <= number <= len(buttons):
            self._say(f"(the latest message with buttons has buttons 1 to {len(buttons)})")
            return
        button = buttons[number - 1]
        self._say(f"(pressed [{number}] {button['text']})")
        if "callback_data" in button:
            query_id = self.incoming.next_query_id()
            self._queries[query_id] = self.current.id
            await self.process(
                self.incoming.press(self.current.user(), button["callback_data"], message, query_id=query_id)
            )
        elif "url" in button:
            payload = self._deep_link_payload(button["url"])
            if payload is None:
                self._say(f"(this button opens {button['url']})")
            else:
                await self.send_command(f"/start {payload}")
        else:
            self._say("(the console cannot press this kind of button)")

    def _latest_with_buttons(self, chat_id: int) -> dict[str, Any] | None:
        for message in reversed(self.api.messages.values()):
            if message["chat"]["id"] != chat_id:
                continue
            markup = message.get("reply_markup") or {}
            if any(markup.get("inline_keyboard") or []):
                return message
        return None

    # -- console commands ---------------------------------------------------------------------

    async def _cmd_as(self, rest: str) -> bool:
        parts = rest.split()
        if not parts or len(parts) > 2:
            self._say("(usage: /as NAME [LANG], e.g. /as sara or /as sara en)")
            return True
        name = parts[0]
        language = parts[1] if len(parts) == 2 else None
        if not re.fullmatch(r"\w[\w.-]{0,31}", name):
            self._say("(a persona name is one word of up to 32 letters, digits, _ . or -)")
            return True
        if language is not None and not re.fullmatch(r"[a-zA-Z]{2,3}([-_][a-zA-Z]{2,4})?", language):
            self._say("(LANG is a Telegram language code such as ar, en or ur)")
            return True
        persona = await self.persona(name, language)
        self.current = persona
        row = await db.get_user(self.db, persona.id)
        role = row["role"] if row is not None else "not seen by the bot yet: send /start"
        self._say(
            f"You are now [{persona.name}] (id {persona.id}, {role}, "
            f"language {persona.language_code or 'none'})."
        )
        return True

    async def persona(self, name: str, language: str | None = None) -> Persona:
        """The persona called `name`, created on first use (taking the bot's record if any)."""
        key = name.casefold()
        persona = self.personas.get(key)
        if persona is None:
            row = await db.get_user(self.db, persona_id(name))
            first_name = row["first_name"] if row is not None and row["first_name"] else None
            known_language = row["language_code"] if row is not None else None
            persona = self._new_persona(
                name, language or known_language or self.settings.default_locale, first_name
            )
        elif language is not None:
            persona.language_code = language
        return persona

    def _new_persona(self, name: str, language: str | None, first_name: str | None) -> Persona:
        if first_name is None:
            first_name = "Admin" if name.casefold() == ADMIN_PERSONA else name[:1].upper() + name[1:]
        persona = Persona(name, persona_id(name), first_name, language)
        self.personas[name.casefold()] = persona
        return persona

    async def _cmd_who(self, rest: str) -> bool:
        self._say(f"People played in this session (you are [{self.current.name}]):")
        for persona in self.personas.values():
            row = await db.get_user(self.db, persona.id)
            role = row["role"] if row is not None else "not seen yet"
            mark = "*" if persona is self.current else " "
            self._say(
                f" {mark} [{persona.name}] {persona.first_name}, id {persona.id}, {role}, "
                f"language {persona.language_code or 'none'}"
            )
        if await db.get_user(self.db, persona_id(demo_data.volunteer_persona(1))) is not None:
            self._say(
                "   Demo people: /as coord (coordinator), /as rep1 ... /as "
                f"rep{len(demo_data.ENTITIES)} (entity representatives), /as v001 ... /as "
                f"v{demo_data.VOLUNTEERS:03d} (volunteers)."
            )
        return True

    async def _cmd_share_contact(self, rest: str) -> bool:
        phone = rest.replace(" ", "") or f"+9665{self.current.id % 100_000_000:08d}"
        if not re.fullmatch(r"\+?\d{6,15}", phone):
            self._say("(usage: /share_contact [PHONE], e.g. /share_contact +966512345678)")
            return True
        contact = {
            "phone_number": phone,
            "first_name": self.current.first_name,
            "user_id": self.current.id,
        }
        self._say(f"(shared the contact of [{self.current.name}]: {phone})")
        await self.process(self._message(contact=contact))
        await self.settle()
        return True

    async def _cmd_share_location(self, rest: str) -> bool:
        try:
            latitude, longitude = (float(part) for part in rest.replace(",", " ").split())
        except ValueError:
            latitude = longitude = float("nan")
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            self._say("(usage: /share_location LAT LON, e.g. /share_location 24.4672 39.6111)")
            return True
        location = {"latitude": latitude, "longitude": longitude}
        self._say(f"(shared the location {latitude}, {longitude})")
        await self.process(self._message(location=location))
        await self.settle()
        return True

    async def _cmd_share_user(self, rest: str) -> bool:
        parts = rest.split()
        if len(parts) != 1 or not re.fullmatch(r"\w[\w.-]{0,31}", parts[0]):
            self._say("(usage: /share_user NAME or /share_user ID, e.g. /share_user sara)")
            return True
        chosen = await self.persona(parts[0])
        request_id = 1
        for button in self._reply_keyboards.get(self.current.id, []):
            if "request_users" in button:
                request_id = int(button["request_users"].get("request_id", 1))
                break
        shared = {"request_id": request_id, "users": [{"user_id": chosen.id}]}
        self._say(f"(shared the user [{chosen.name}], id {chosen.id})")
        await self.process(self._message(users_shared=shared))
        await self.settle()
        return True

    async def _cmd_clock(self, rest: str) -> bool:
        if not rest:
            self._say(f"🕒 It is {self._now_text()} (office time).")
            return True
        delta = parse_forward(rest)
        if delta is None:
            self._say("(usage: /clock +2h, /clock +30m or /clock +1d; time only moves forward)")
            return True
        self.clock.advance(delta)
        self._say(f"🕒 Moved the clock forward {rest.lstrip('+')}: it is {self._now_text()}.")
        await self.tick()
        await self.settle()
        return True

    def _now_text(self) -> str:
        with use_locale("en"):
            return format_datetime(self.clock.now(), self.settings.timezone)

    async def _cmd_help(self, rest: str) -> bool:
        self._say(HELP)
        return True

    async def _cmd_quit(self, rest: str) -> bool:
        return False

    # -- time and the outbox ------------------------------------------------------------------

    async def tick(self) -> None:
        """Run the scheduler once now, as its periodic job would."""
        try:
            scheduler = importlib.import_module("bot.scheduler")
        except ModuleNotFoundError as exc:
            if exc.name != "bot.scheduler":
                raise
            self._say("(this build has no scheduler yet: nothing is due to happen)")
            return
        try:
            report = await scheduler.tick(self.app)
        except Exception:
            log.exception("scheduler tick failed")
            self._say("(the scheduler failed; the details are in the log above)")
            return
        self._say(f"⚙ Scheduler: {describe_report(report)}")

    async def settle(self) -> None:
        """Let the outbox deliver what is due, so its messages show before the next prompt."""
        sender = self.app.bot_data.get("sender")
        if sender is None:
            # No sender task in this build: deliver the due rows ourselves, as it would.
            from bot import delivery

            send_due = getattr(delivery, "send_due", None)
            if send_due is not None:
                await send_due(self.app.bot, self.db, now=self.clock.now())
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.drain_timeout
        while (due := await db.count_due_outbox(self.db, now=self.clock.now())) > 0:
            if loop.time() >= deadline:
                self._say(f"(still sending {due} messages in the background)")
                return
            wake = getattr(sender, "wake", None)
            if callable(wake):
                wake()
            await asyncio.sleep(0.05)

    # -- showing what the bot did -------------------------------------------------------------

    def _on_call(self, call: Call) -> None:
        try:
            self._show(call)
        except Exception:  # never let the display break the bot's request
            log.exception("console could not show a %s call", call.method)

    def _show(self, call: Call) -> None:
        method = call.method
        if method in SILENT_METHODS:
            return
        if method == "answerCallbackQuery":
            text = call.params.get("text")
            chat_id = self._queries.get(str(call.params.get("callback_query_id")))
            if text and chat_id is not None:
                mark = "⚠ (alert)" if call.params.get("show_alert") else "💬"
                self._emit(chat_id, [f"{mark} {text}"])
            return
        if method in MESSAGE_METHODS:
            chat_id = call.chat_id
            lines = self._message_lines(call)
        elif method in EDIT_METHODS:
            chat_id = call.chat_id
            if chat_id is None and "message_id" in call.params:
                message = self.api.messages.get(int(call.params["message_id"]))
                chat_id = message["chat"]["id"] if message else None
            if method == "editMessageReplyMarkup":
                lines = ["✎ (buttons changed)" if call.buttons else "✎ (buttons removed)"]
            else:
                first, *rest = call.text.splitlines() or [""]
                lines = [f"✎ (edited) {first}", *rest]
            lines += self._button_lines(call)
        elif method == "deleteMessage":
            chat_id, lines = call.chat_id, ["🗑 (the bot deleted a message)"]
        else:
            chat_id, lines = call.chat_id, [f"(the bot called {method})"]
        if chat_id is not None:
            self._emit(chat_id, lines)

    def _message_lines(self, call: Call) -> list[str]:
        params = call.params
        lines: list[str] = []
        if call.method in {"sendLocation", "sendVenue"}:
            where = f"📍 {params.get('latitude')}, {params.get('longitude')}"
            if params.get("title"):
                where = f"📍 {params['title']} — {params.get('address', '')} ({where[2:]})"
            lines.append(where)
        elif call.method == "sendContact":
            lines.append(f"👤 {params.get('first_name', '')} {params.get('phone_number', '')}")
        elif call.method in {"sendDocument", "sendPhoto"}:
            icon = "📎" if call.method == "sendDocument" else "🖼"
            files = ", ".join(str(path) for path in self._save_files(call)) or "(a file)"
            lines.append(f"{icon} {files}")
        if call.text:
            lines.extend(call.text.splitlines() or [""])
        lines += self._button_lines(call)
        keyboard = call.keyboard
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        if keyboard and call.chat_id is not None:
            self._reply_keyboards[call.chat_id] = keyboard
            lines.append("⌨ " + "  ".join(_reply_button(b) for b in keyboard))
        elif isinstance(markup, dict) and markup.get("remove_keyboard") and call.chat_id is not None:
            self._reply_keyboards.pop(call.chat_id, None)
        return lines or [f"({call.method})"]

    def _save_files(self, call: Call) -> list[Path]:
        """Keep what the bot uploads (an /export spreadsheet) where the user can open it."""
        saved = []
        for filename, content in call.files.values():
            safe = re.sub(r"[^\w.-]+", "_", Path(filename or "file").name) or "file"
            path = self.files_dir / f"{next(self._file_numbers):03d}-{safe}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            saved.append(path)
        return saved

    @staticmethod
    def _button_lines(call: Call) -> list[str]:
        markup = call.params.get("reply_markup") or {}
        if isinstance(markup, str):
            markup = json.loads(markup)
        lines, number = [], 0
        for row in markup.get("inline_keyboard", []):
            cells = []
            for button in row:
                number += 1
                cells.append(f"[{number}] {button['text']}")
            lines.append("  ".join(cells))
        return lines

    def _emit(self, chat_id: int, lines: list[str]) -> None:
        persona = next((p for p in self.personas.values() if p.id == chat_id), None)
        if persona is None:
            self._queue_other(self._label(chat_id), lines[0] if lines else "")
            return
        if persona is self.current:
            head, indent = "🤖 ", "   "
        else:
            head = f"→ [{persona.name}] "
            indent = " " * len(head)
        text = "\n".join((head if i == 0 else indent) + line for i, line in enumerate(lines))
        self._write_async(text + "\n")

    def _label(self, chat_id: int) -> str:
        if self._demo_names is None:
            names = [ADMIN_PERSONA, demo_data.COORDINATOR_PERSONA]
            names += [demo_data.rep_persona(n) for n in range(1, len(demo_data.ENTITIES) + 1)]
            names += [demo_data.volunteer_persona(n) for n in range(1, demo_data.VOLUNTEERS + 1)]
            self._demo_names = {persona_id(name): name for name in names}
        return self._demo_names.get(chat_id, str(chat_id))

    def _queue_other(self, label: str, first_line: str) -> None:
        """People nobody plays: one line each, or a summary when the scheduler sends many."""
        self._others.append((label, first_line))
        if self._others_flush is None and self._waiting_for_input:
            loop = asyncio.get_running_loop()
            self._others_flush = loop.call_later(0.5, self._flush_others)

    def _flush_others(self) -> None:
        if self._others_flush is not None:
            self._others_flush.cancel()
            self._others_flush = None
        others, self._others = self._others, []
        if not others:
            return
        if len(others) <= OTHERS_SHOWN_ONE_BY_ONE:
            text = "".join(f"→ [{label}] {_shorten(line)}\n" for label, line in others)
        else:
            labels = list(dict.fromkeys(label for label, _ in others))
            shown = ", ".join(labels[:8]) + (f" and {len(labels) - 8} more" if len(labels) > 8 else "")
            # A message's text says more than the location pin sent before it.
            label, line = next((o for o in others if not o[1].startswith("📍")), others[0])
            text = (
                f"→ {len(others)} messages to people nobody is playing ({shown}; /as NAME plays "
                f"one), for example to [{label}]: {_shorten(line)}\n"
            )
        self._write_async(text)

    # -- output ---------------------------------------------------------------------------------

    def _say(self, text: str) -> None:
        self._write_async(text + "\n")

    def _write_async(self, text: str) -> None:
        """Write output; at a waiting interactive prompt, print above it and redraw it."""
        if self.interactive and self._waiting_for_input:
            typed = _readline_buffer()
            self._write("\r\x1b[K" + text + f"[{self.current.name}] > {typed}")
        else:
            self._write(text)

    def _write(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()


def _reply_button(button: dict[str, Any]) -> str:
    text = button.get("text", "")
    if button.get("request_contact"):
        return f"[{text} → /share_contact]"
    if button.get("request_location"):
        return f"[{text} → /share_location LAT LON]"
    if "request_users" in button:
        return f"[{text} → /share_user NAME]"
    return f"[{text}]"


def _shorten(line: str, width: int = 90) -> str:
    return line if len(line) <= width else line[: width - 1] + "…"


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _readline_buffer() -> str:
    try:
        import readline
    except ImportError:
        return ""
    return readline.get_line_buffer()

"""flow(): PTB's ConversationHandler, plus the one rule for who owns a person's typed text.

DESIGN.md "Three owners": typed text belongs to the question the bot asked last. Every flow sends
its questions with `ask()`, and asking is what gives a flow the person's text. When a flow asks
while another one is open, or a command starts something else, the open flow is left on purpose:

- a SHORT question (a reason, a number, an id) ends: its conversation state and answers go;
- a LONG draft (/need, /broadcast, registration, a profile edit) is kept with its answers; it is
  resumed with its command, or by itself once the short question that interrupted it ends.

Either way the bot says so in one line, and the left question keeps its text but loses its
buttons. A kept draft's buttons answer as stale until it is resumed; a kept draft never takes
typed text. Flows exist only in private chats: an update from a group never reaches one, so a
command in a group cannot disturb a private conversation.

Who owns what is kept in `user_data["_flow"]` (persisted with the conversations themselves):
`{"owner": name, "kept": [names], "return_to": name, "questions": {name: [message id, buttons]}}`.
This module is the only place that reads or writes it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, cast

from telegram import (
    ForceReply,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.auth import redirected_to_private_chat
from bot.context import Context
from bot.flows.kit.callback import area_pattern
from bot.flows.kit.parts import chat_id_of, is_private, query_of, scratch
from bot.i18n import _
from bot.operations import drafts

log = logging.getLogger(__name__)

END = ConversationHandler.END
KEY = "_flow"
# Commands that only show something: they leave the question open. /delete_me only asks
# (its "Yes, erase" closes every flow at once with `end_all`).
PASSIVE_COMMANDS = frozenset({"help", "privacy", "lang", "start", "delete_me"})

Callback = Callable[[Update, Context], Awaitable[object]]
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply | None


class Mode(StrEnum):
    SHORT = "short"  # ends when something else starts
    LONG = "long"  # kept, and resumed


@dataclass(frozen=True)
class FlowSpec:
    """What the kit must know of a flow before its handlers exist.

    `subject` names what is kept or closed, for the one-line notice ("your need draft");
    `commands` start or resume it; `area` is its callback-data prefix (its stale buttons);
    `draft` names its answers in `user_data` when that is not the flow's name (drafts persisted
    under an older key keep loading).
    """

    name: str
    mode: Mode
    subject: str  # marked with N_(), translated when shown
    area: str
    commands: tuple[str, ...] = ()
    draft: str = ""

    @property
    def draft_key(self) -> str:
        return self.draft or self.name

    def command_hint(self) -> str:
        return f"/{self.commands[0]}" if self.commands else ""


# -- the ownership record ------------------------------------------------------------------------


@dataclass
class Record:
    owner: str | None = None
    kept: list[str] = field(default_factory=list)
    return_to: str | None = None
    questions: dict[str, list[Any]] = field(default_factory=dict)

    def dump(self) -> dict[str, Any]:
        return {
            "owner": self.owner, "kept": list(self.kept), "return_to": self.return_to,
            "questions": dict(self.questions),
        }


def _load(user_data: Mapping[str, Any] | None, registry: Mapping[str, Flow] | None = None) -> Record:
    raw = (user_data or {}).get(KEY)
    if isinstance(raw, dict):
        return Record(
            owner=raw.get("owner"), kept=list(raw.get("kept") or []),
            return_to=raw.get("return_to"), questions=dict(raw.get("questions") or {}),
        )
    # A conversation persisted before the kit: the old focus stack, else the one open draft.
    record = Record()
    stack = (user_data or {}).get("flow_focus") or []
    if stack:
        record.owner = stack[-1][0]
    elif registry and user_data:
        open_drafts = [name for name, flow in registry.items() if flow.spec.draft_key in user_data]
        record.owner = open_drafts[-1] if open_drafts else None
    return record


def _save(user_data: dict[str, Any], record: Record) -> None:
    if record.owner is None and not record.kept and not record.questions:
        user_data.pop(KEY, None)
    else:
        user_data[KEY] = record.dump()
    user_data.pop("flow_focus", None)


def owner_of(user_data: Mapping[str, Any] | None) -> str | None:
    return _load(user_data).owner


def kept_drafts(context: Context) -> list[FlowSpec]:
    """The long drafts this person left and can resume, most recent last."""
    registry = _registry(context)
    record = _load(context.user_data, registry)
    return [registry[name].spec for name in record.kept if name in registry]


def kept_hint(context: Context) -> str:
    """One line per kept draft: how to go on with it ("" when there is none)."""
    return "\n".join(_kept_line(spec) for spec in reversed(kept_drafts(context)))


def _kept_line(spec: FlowSpec) -> str:
    return _("Your {subject} is kept: send {command} to go on with it.").format(
        subject=_(spec.subject), command=spec.command_hint()
    )


def _registry(context: Context) -> dict[str, Flow]:
    return cast(dict[str, "Flow"], context.bot_data.setdefault("flows", {}))


# -- drafts --------------------------------------------------------------------------------------


def start(context: Context, spec: FlowSpec, draft: dict[str, Any] | None = None) -> dict[str, Any]:
    """A fresh draft for `spec`, with its own identity (`_id`: the key that makes submitting it
    twice have its effect once)."""
    fresh = dict(draft or {})
    fresh.setdefault("_id", uuid.uuid4().hex)
    fresh.setdefault("_started", context.now().isoformat())
    scratch(context.user_data)[spec.draft_key] = fresh
    return fresh


def draft(context: Context, spec: FlowSpec) -> dict[str, Any] | None:
    found = scratch(context.user_data).get(spec.draft_key)
    return found if isinstance(found, dict) else None


def draft_id(context: Context, spec: FlowSpec) -> str:
    found = draft(context, spec) or start(context, spec)
    return str(found.setdefault("_id", uuid.uuid4().hex))


# -- asking --------------------------------------------------------------------------------------


async def ask(
    update: Update,
    context: Context,
    spec: FlowSpec,
    text: str,
    reply_markup: Markup = None,
    **kwargs: Any,
) -> Message:
    """Send `spec`'s next question: it now owns the person's typed text. An earlier question of
    any flow loses its buttons (it keeps its text); a flow this one interrupts is left, and the
    bot says so in a line above the question."""
    user_data = scratch(context.user_data)
    registry = _registry(context)
    record = _load(user_data, registry)
    current = draft(context, spec)
    if current is not None:  # a draft that is being answered does not expire
        current["_touched"] = context.now().isoformat()
    lines: list[str] = []
    left: str | None = None
    if record.owner != spec.name:
        left = record.owner
        lines = await _take_over(update, context, record, spec)
    if lines and _had_reply_keyboard(record, left) and not isinstance(
        reply_markup, ReplyKeyboardMarkup | ReplyKeyboardRemove
    ):
        # The left question's keyboard under the text field must go too: its own line does it.
        await context.bot.send_message(
            chat_id_of(update), "\n\n".join(lines), reply_markup=ReplyKeyboardRemove()
        )
    elif lines:
        text = "\n\n".join([*lines, text])
    message = await context.bot.send_message(
        chat_id_of(update), text, reply_markup=reply_markup, **kwargs
    )
    # The new question first (it is what the person reads next), then the old one goes dead.
    await _strip(update, context, record, spec.name)
    if left:
        await _strip(update, context, record, left)
    record.questions[spec.name] = [
        message.message_id, isinstance(reply_markup, InlineKeyboardMarkup),
        isinstance(reply_markup, ReplyKeyboardMarkup),
    ]
    _save(user_data, record)
    return message


def _had_reply_keyboard(record: Record, name: str | None) -> bool:
    """Whether `name`'s open question put a keyboard under the text field (share a contact, a
    location, pick a person): that keyboard stays until a message removes it."""
    question = record.questions.get(name or "")
    return bool(question and len(question) > 2 and question[2])


def settled(context: Context, spec: FlowSpec) -> None:
    """The flow edited its question message itself (its buttons are gone already)."""
    user_data = scratch(context.user_data)
    record = _load(user_data)
    if spec.name in record.questions:
        record.questions[spec.name] = [record.questions[spec.name][0], False]
        _save(user_data, record)


async def took(update: Update, context: Context, spec: FlowSpec, text: str | None = None) -> None:
    """A button of the open question was pressed: acknowledge it and take the question's buttons
    away (replacing its text with `text` when given), so nothing on it looks live."""
    query = query_of(update)
    await query.answer()
    if text is None:
        await query.edit_message_reply_markup(None)
    else:
        await query.edit_message_text(text)
    settled(context, spec)


async def close_pressed(update: Update, note: str, reply_markup: InlineKeyboardMarkup | None = None) -> None:
    """Leave on the pressed message what its press did: its text, then `note`, and no buttons (or
    `reply_markup`). The press itself is answered by the caller. A message that can no longer be
    edited (too old, deleted) keeps what it had; the note is not essential."""
    query = query_of(update)
    message = query.message
    original = message.text if isinstance(message, Message) and message.text else ""
    try:
        await query.edit_message_text(f"{original}\n\n{note}" if original else note, reply_markup=reply_markup)
    except TelegramError as error:
        log.info("could not edit the message of callback %s: %s", query.data, error)


async def stale(update: Update, text: str | None = None) -> None:
    """The one answer to a button that is no longer active."""
    await query_of(update).answer(text or _("This button is no longer active."), show_alert=True)


async def answer(update: Update, text: str | None = None, *, alert: bool = False) -> bool:
    """Answer a pressed button; False when Telegram refused the answer (the query is too old, or
    was answered already). That is logged, not raised: what the press did is still shown, so a
    person who taps again sees it done instead of doing it twice."""
    try:
        await query_of(update).answer(text, show_alert=alert)
    except TelegramError as error:
        log.info("could not answer a button press: %s", error)
        return False
    return True


async def drop_buttons(update: Update, context: Context, spec: FlowSpec) -> None:
    """Take the buttons off `spec`'s open question now, before the flow sends its next message
    (that message is then the last one the person sees; otherwise the kit does it after)."""
    user_data = scratch(context.user_data)
    record = _load(user_data)
    if spec.name in record.questions:
        await _strip(update, context, record, spec.name)
        _save(user_data, record)


async def _strip(update: Update, context: Context, record: Record, name: str) -> None:
    """Take the buttons off `name`'s last question, unless the person is pressing one of them
    (the flow then edits that message itself)."""
    question = record.questions.pop(name, None)
    if not question or not question[1]:
        return
    message_id = question[0]
    pressed = update.callback_query
    if pressed and pressed.message and pressed.message.message_id == message_id:
        return
    try:
        await context.bot.edit_message_reply_markup(chat_id_of(update), message_id, reply_markup=None)
    except BadRequest as error:  # already edited, deleted, or too old to edit: nothing is live
        log.debug("question %s of %s kept its markup: %s", message_id, name, error)


async def _take_over(update: Update, context: Context, record: Record, spec: FlowSpec) -> list[str]:
    """`spec` asks now: leave the flow that had the text; the line that says so."""
    lines: list[str] = []
    previous = record.owner
    registry = _registry(context)
    if previous and previous != spec.name and previous in registry:
        line = await _leave(update, context, record, registry[previous], by=spec)
        if line:
            lines.append(line)
    elif (
        previous is None and spec.mode is Mode.SHORT
        and record.return_to in record.kept and record.return_to in registry
    ):
        # A command left the draft a moment ago (/staff, then "Add a coordinator"): this short
        # question is what it waits for, so say that it comes back after it.
        lines.append(_("Your {subject} is kept: we will come back to it after this.").format(
            subject=_(registry[record.return_to].spec.subject)
        ))
    if spec.name in record.kept:
        record.kept.remove(spec.name)
    if spec.mode is Mode.LONG:
        record.return_to = None
    record.owner = spec.name
    return lines


async def _leave(
    update: Update, context: Context, record: Record, flow: Flow, *, by: FlowSpec | None
) -> str:
    """`flow` loses the text: a short question ends, a long draft is kept (the caller takes
    the buttons off its question)."""
    record.owner = None if record.owner == flow.spec.name else record.owner
    if flow.spec.mode is Mode.SHORT:
        flow.end_for(update)
        scratch(context.user_data).pop(flow.spec.draft_key, None)
        return _("I stopped waiting for your answer about {subject}.").format(subject=_(flow.spec.subject))
    if flow.spec.name not in record.kept:
        record.kept.append(flow.spec.name)
    record.return_to = flow.spec.name
    if by is not None and by.mode is Mode.SHORT:
        return _("Your {subject} is kept: we will come back to it after this.").format(
            subject=_(flow.spec.subject)
        )
    return _kept_line(flow.spec)


async def _finished(update: Update, context: Context, flow: Flow) -> None:
    """`flow` ended (answered, submitted, cancelled): its last question goes dead, its answers
    go, and the long draft it interrupted, if any, asks its question again."""
    user_data = scratch(context.user_data)
    registry = _registry(context)
    record = _load(user_data, registry)
    await _strip(update, context, record, flow.spec.name)
    user_data.pop(flow.spec.draft_key, None)
    if flow.spec.name in record.kept:
        record.kept.remove(flow.spec.name)
    if record.owner != flow.spec.name:
        _save(user_data, record)
        return
    record.owner = None
    back = record.return_to if flow.spec.mode is Mode.SHORT else None
    record.return_to = None
    _save(user_data, record)
    if back and back in record.kept and back in registry:
        await registry[back].resume(update, context, notice=_("You can now go on with what you were doing before."))


# -- the conversation handler --------------------------------------------------------------------


class Flow(ConversationHandler[Context]):
    """A ConversationHandler that obeys the ownership record (see the module docstring)."""

    def __init__(
        self,
        spec: FlowSpec,
        *,
        entry_points: list[BaseHandler[Update, Context, object]],
        states: dict[object, list[BaseHandler[Update, Context, object]]],
        fallbacks: list[BaseHandler[Update, Context, object]],
        on_cancel: Callback,
        resume: Callable[..., Awaitable[object]] | None = None,
    ) -> None:
        self.spec = spec
        self._on_cancel = on_cancel
        self._resume = resume
        self._user_data: Mapping[int, Mapping[str, Any]] = {}
        cancel = CommandHandler("cancel", self._cancel)
        self._cancel_handler = cancel
        self._stale_handler = CallbackQueryHandler(_answer_stale)
        self._resume_handler = TypeHandler(Update, self._resume_by_command)
        self._redirect_handler = TypeHandler(Update, _to_private_chat)
        # What can start this flow (its entry points' kinds), to turn other updates away without
        # trying each entry point: PTB's CommandHandler matches only an update whose message
        # text begins with "/", a CallbackQueryHandler only a button press.
        self._by_command = any(isinstance(entry, CommandHandler) for entry in entry_points)
        self._by_button = any(isinstance(entry, CallbackQueryHandler) for entry in entry_points)
        self._by_anything = any(
            not isinstance(entry, CommandHandler | CallbackQueryHandler) for entry in entry_points
        )
        super().__init__(
            entry_points=entry_points,
            states=states,
            fallbacks=[
                cancel,
                *fallbacks,
                CallbackQueryHandler(_answer_stale, pattern=area_pattern(spec.area)),
                MessageHandler(~filters.COMMAND & ~filters.StatusUpdate.ALL, self._wrong_input),
            ],
            name=spec.name,
            persistent=True,
            # per_chat + per_user, per_message=False: the flow follows the person across
            # messages, not one message, so PTB warns that its CallbackQueryHandlers are not
            # tracked per message. That is deliberate: every button's handler re-checks who
            # pressed it and whether its draft is still current, and the kit answers the
            # buttons of left and finished flows as stale.
            per_chat=True,
            per_user=True,
            per_message=False,
            allow_reentry=True,
        )

    def bind(self, all_user_data: Mapping[int, Mapping[str, Any]]) -> None:
        self._user_data = all_user_data

    # -- routing ---------------------------------------------------------------------------

    def check_update(self, update: object) -> Any:
        if not isinstance(update, Update) or update.effective_user is None:
            return None
        if not is_private(update):
            # A flow's command or button in a group: a link to the private chat, nothing else.
            if update.effective_chat is None or update.edited_message is not None:
                return None
            for entry in self.entry_points:
                check = entry.check_update(update)
                if check is not None and check is not False:
                    return None, self._get_key(update), self._redirect_handler, True
            return None
        if update.edited_message is not None:  # an edited old message is never a new answer
            return None
        key = self._get_key(update)
        state = self._conversations.get(key)
        if state is None:
            if not self._may_start(update):
                return None
            return super().check_update(update)
        user_data = self._user_data.get(update.effective_user.id)
        record = _load(user_data, None)
        if record.owner == self.spec.name or (record.owner is None and not record.kept):
            if self._is_own_command(update) and self.spec.mode is Mode.LONG:
                return state, key, self._resume_handler, True  # /need again: go on, not restart
            return super().check_update(update)
        # Left (kept) by its person: only its command (resume) and, when nothing else is open,
        # /cancel reach it; its buttons are stale; typed text is someone else's.
        if self._is_own_command(update):
            return state, key, self._resume_handler, True
        if (
            self._is_command(update, "cancel") and record.owner is None
            and record.kept and record.kept[-1] == self.spec.name
        ):
            return state, key, self._cancel_handler, self._cancel_handler.check_update(update)
        if update.callback_query is not None:
            for entry in self.entry_points:
                check = entry.check_update(update)
                if check is not None and check is not False:
                    return state, key, self._resume_handler, True
            for handler in (*self.states.get(state, []), *self.fallbacks):
                if isinstance(handler, CallbackQueryHandler):
                    check = handler.check_update(update)
                    if check is not None and check is not False:
                        return state, key, self._stale_handler, True
        return None

    def _may_start(self, update: Update) -> bool:
        """Whether one of the entry points could match (a quick "no" for the rest)."""
        if self._by_anything or (self._by_button and update.callback_query is not None):
            return True
        if not self._by_command:
            return False
        message = update.effective_message  # what CommandHandler reads, a pressed message too
        return message is not None and message.text is not None and message.text.startswith("/")

    def _is_command(self, update: Update, name: str) -> bool:
        text = update.message.text if update.message else None
        return text is not None and command_name(text) == name

    def _is_own_command(self, update: Update) -> bool:
        text = update.message.text if update.message else None
        return bool(text) and command_name(text or "") in self.spec.commands

    async def handle_update(
        self, update: Update, application: Any, check_result: Any, context: Context
    ) -> object:
        key = check_result[1]
        result = await super().handle_update(update, application, check_result, context)
        if self._conversations.get(key) is None and is_private(update):
            await _finished(update, context, self)
        return result

    def end_for(self, update: Update) -> None:
        """End this flow's conversation with the person of `update` (it was left)."""
        self._update_state(END, self._get_key(update))

    def end_for_key(self, key: tuple[int, ...]) -> None:
        self._update_state(END, key)

    def set_state(self, update: Update, state: object) -> None:
        if state is not None:
            self._update_state(state, self._get_key(update))

    # -- the kit's own answers ---------------------------------------------------------------

    async def resume(self, update: Update, context: Context, *, notice: str = "") -> None:
        """Ask this flow's current question again (it takes the text back)."""
        if self._resume is None:
            return
        state = await self._resume(update, context, notice=notice)
        if state == END:
            self.end_for(update)
            await _finished(update, context, self)
        else:
            self.set_state(update, state)

    async def _resume_by_command(self, update: Update, context: Context) -> object:
        if update.callback_query:
            await update.callback_query.answer()
        if self._resume is None:
            return None
        return await self._resume(
            update, context, notice=_("Let us go on where you left off.")
        )

    async def _cancel(self, update: Update, context: Context) -> object:
        return await self._on_cancel(update, context)

    async def _wrong_input(self, update: Update, context: Context) -> object:
        """A message the open question cannot take: say what it takes and ask it again."""
        state = self._conversations.get(self._get_key(update))
        typed = any(isinstance(h, MessageHandler) for h in self.states.get(state, []))
        notice = _("Please type your answer as text.") if typed else _(
            "Please use the buttons below the question."
        )
        if self._resume is None:
            await context.bot.send_message(chat_id_of(update), notice)
            return None
        return await self._resume(update, context, notice=notice)


async def _to_private_chat(update: Update, context: Context) -> None:
    await redirected_to_private_chat(update, context)


async def _answer_stale(update: Update, context: Context) -> None:
    await stale(update)


def command_name(text: str) -> str | None:
    """`/need@AounBot extra` -> "need"; None for plain text."""
    if not text.startswith("/"):
        return None
    return text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(text) > 1 else None


def typed_answer(
    receive: Callable[[Update, Context], Coroutine[Any, Any, object]],
    wrong_kind: Callable[[Update, Context], Coroutine[Any, Any, object]],
) -> list[BaseHandler[Update, Context, object]]:
    """A question answered by typing: text goes to `receive`, anything else a person sends (a
    sticker, a photo, a contact) to `wrong_kind`; commands and service messages to neither."""
    new = filters.UpdateType.MESSAGE & ~filters.COMMAND
    return [
        MessageHandler(new & filters.TEXT, receive),
        MessageHandler(new & ~filters.TEXT & ~filters.StatusUpdate.ALL, wrong_kind),
    ]


def flow(
    spec: FlowSpec,
    *,
    entry_points: Sequence[BaseHandler[Update, Context, object]],
    states: Mapping[object, Sequence[BaseHandler[Update, Context, object]]],
    fallbacks: Sequence[BaseHandler[Update, Context, object]] = (),
    on_cancel: Callback,
    resume: Callable[..., Awaitable[object]] | None = None,
) -> Flow:
    """Build a flow. `on_cancel` answers /cancel (the kit drops the draft); `resume(update,
    context, notice=...)` asks the current question again and returns the state."""
    return Flow(
        spec,
        entry_points=list(entry_points),
        states={state: list(handlers) for state, handlers in states.items()},
        fallbacks=list(fallbacks),
        on_cancel=on_cancel,
        resume=resume,
    )


# -- commands that start something else ----------------------------------------------------------


async def leave_for_command(update: Update, context: Context) -> None:
    """A command in a private chat: unless it cancels, resumes or only shows something, the open
    question is left (a short one ends, a long draft is kept) and the bot says so in one line."""
    if not is_private(update) or update.message is None or not update.message.text:
        return
    name = command_name(update.message.text)
    if name is None or name in PASSIVE_COMMANDS or name == "cancel":
        return
    user_data = context.user_data
    if not user_data:
        return
    registry = _registry(context)
    record = _load(user_data, registry)
    if record.owner is None or record.owner not in registry:
        return
    open_flow = registry[record.owner]
    if name in open_flow.spec.commands:
        return
    starts = next((f.spec for f in registry.values() if name in f.spec.commands), None)
    line = await _leave(update, context, record, open_flow, by=starts)
    keyboard = ReplyKeyboardRemove() if _had_reply_keyboard(record, open_flow.spec.name) else None
    await context.bot.send_message(chat_id_of(update), line, reply_markup=keyboard)
    await _strip(update, context, record, open_flow.spec.name)
    _save(scratch(user_data), record)


async def end_all(update: Update, context: Context) -> None:
    """End every flow of this person at once, short and long, with their answers (/delete_me:
    nothing of theirs is kept); their questions lose their buttons."""
    user_data = scratch(context.user_data)
    registry = _registry(context)
    record = _load(user_data, registry)
    for flow in registry.values():
        flow.end_for(update)
        user_data.pop(flow.spec.draft_key, None)
    for name in list(record.questions):
        await _strip(update, context, record, name)
    _save(user_data, Record())


def install(app: Application[Any, Any, Any, Any, Any, Any], *flows: Flow, group: int = 0) -> None:
    """Register the flows in `group`, in this order (call `leave_for_command` for every update
    before group 0: bot/app.py does, right after binding the locale)."""
    registry: dict[str, Flow] = app.bot_data.setdefault("flows", {})
    for item in flows:
        if item.spec.name in registry:
            raise ValueError(f"two flows named {item.spec.name}")
        item.bind(app.user_data)
        registry[item.spec.name] = item
        app.add_handler(item, group=group)


# -- drafts left unfinished ------------------------------------------------------------------------


async def expire_drafts(app: Application[Any, Any, Any, Any, Any, Any], *, now: datetime) -> int:
    """Discard every draft untouched for DRAFT_TTL: its conversation ends, its answers go (they
    hold personal data), and its person is told once. Returns how many were discarded."""
    registry: dict[str, Flow] = app.bot_data.get("flows", {})
    settings = app.bot_data["settings"]
    expired = 0
    for user_id, user_data in list(app.user_data.items()):
        record = _load(user_data, registry)
        for flow in registry.values():
            found = user_data.get(flow.spec.draft_key)
            if not isinstance(found, dict):
                continue
            touched = found.get("_touched") or found.get("_started")
            if touched is None:  # a draft from before expiry existed: its clock starts now
                found["_touched"] = now.isoformat()
                continue
            if now - datetime.fromisoformat(touched) < settings.draft_ttl:
                continue
            flow.end_for_key((user_id, user_id))  # flows live in private chats: chat id = user id
            user_data.pop(flow.spec.draft_key, None)
            record.questions.pop(flow.spec.name, None)
            if flow.spec.name in record.kept:
                record.kept.remove(flow.spec.name)
            if record.owner == flow.spec.name:
                record.owner = None
            if record.return_to == flow.spec.name:
                record.return_to = None
            await drafts.tell_expired(
                app.bot_data["db"], settings, user_id=user_id, subject=flow.spec.subject,
                command=flow.spec.command_hint() or "/start", draft_id=str(found.get("_id", touched)),
                now=now,
            )
            expired += 1
        _save(user_data, record)
    return expired

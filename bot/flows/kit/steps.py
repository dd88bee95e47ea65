"""A table of questions turned into the states of one flow.

Each `Step` says how to ask its question (`ask(draft, env) -> (text, markup)`) and how to take
an answer typed (`on_text`) or pressed (`on_press`); both return an `Answer`: `DONE` (go on),
`error(text)` (explain and ask again), `alert(text)` (refuse the press, keep the question),
`REDRAW` (the same question with its new selection) or `goto(step)`. The runner keeps the
current step in the draft, sends questions with the kit's `ask`, answers stale buttons, and calls
`after(update, context, step_key, notice)` when a step is done, so the flow decides what follows.
Registration and profile edits (bot/flows/volunteer_steps.py) and /need intake run on it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from telegram import InlineKeyboardMarkup, Message, ReplyKeyboardRemove, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.context import Context
from bot.flows.kit.flow import FlowSpec, Markup, ask, settled, stale
from bot.flows.kit.parts import message_of, query_of
from bot.i18n import _

E = TypeVar("E")

STEP_KEY, MESSAGE_KEY = "_step", "_msg"
# Only incoming new messages answer a question: an edited old message is not a new answer.
NEW_MESSAGE = filters.UpdateType.MESSAGE


@dataclass(frozen=True)
class Answer:
    kind: str  # done | error | alert | redraw | goto
    text: str = ""
    goto: str = ""


DONE = Answer("done")
REDRAW = Answer("redraw")


def error(text: str) -> Answer:
    """Explain and ask the same question again."""
    return Answer("error", text)


def alert(text: str) -> Answer:
    """Refuse a button press with an alert; the question stays as it is."""
    return Answer("alert", text)


def goto(step: str, text: str = "") -> Answer:
    """Done; the next question is `step` rather than the one `after` would pick."""
    return Answer("goto", text, step)


TextParser = Callable[[dict[str, Any], Message, E], Answer]
PressParser = Callable[[dict[str, Any], str, E], Answer | None]


@dataclass(frozen=True)
class Step(Generic[E]):
    key: str
    code: str  # in callback data: <area>:<code>:<value>
    field: str  # what the echo after the step shows (the flow's own vocabulary)
    ask: Callable[[dict[str, Any], E], tuple[str, Markup]]
    on_text: TextParser[E] | None = None
    on_press: PressParser[E] | None = None
    accepts_contact: bool = False
    accepts_location: bool = False


AfterStep = Callable[[Update, Context, str, str], Awaitable[object]]
Lost = Callable[[Update, Context], Awaitable[object]]
Echo = Callable[["Step[Any]", dict[str, Any]], str]


def wrong_kind_text(step: Step[Any]) -> str:
    if step.accepts_contact:
        return _("Please tap “📱 Share my phone number” or type your number.")
    if step.accepts_location:
        return _("Please share a location (📎, then Location), or tap Skip.")
    if step.on_text is None or step.on_press is not None:
        return _("Please choose with the buttons below.")
    return _("Please type your answer as a text message.")


class StepRunner(Generic[E]):
    """The steps as states `<flow>.<step>`; answers go to the flow's draft."""

    def __init__(
        self,
        spec: FlowSpec,
        steps: Mapping[str, Step[E]],
        *,
        env: Callable[[Context], E],
        after: AfterStep,
        lost: Lost,
        echo: Echo | None = None,
        prefix: str | None = None,
        footer: Callable[[str], str] | None = None,
    ) -> None:
        self.spec = spec
        self.steps = steps
        self.env = env
        self.after = after
        self.lost = lost
        self.echo = echo
        self.prefix = prefix or spec.area  # the state names' prefix (kept for persisted states)
        self.footer = footer

    def state(self, step_key: str) -> str:
        return f"{self.prefix}.{step_key}"

    def draft(self, context: Context) -> dict[str, Any] | None:
        found = (context.user_data or {}).get(self.spec.draft_key)
        return found if isinstance(found, dict) else None

    def handlers(self) -> list[BaseHandler[Update, Context, object]]:
        return [
            CallbackQueryHandler(self.pressed, pattern=rf"^{self.spec.area}:"),
            MessageHandler(NEW_MESSAGE & ~filters.COMMAND, self.answered),
        ]

    def states(self) -> dict[object, list[BaseHandler[Update, Context, object]]]:
        handlers = self.handlers()
        return {self.state(key): handlers for key in self.steps}

    async def ask(self, update: Update, context: Context, step_key: str, *, notice: str = "") -> str:
        """Send the step's question (after an optional notice) as a new message."""
        draft = self.draft(context)
        if draft is None:
            raise LookupError(f"{self.spec.name}: no draft to ask {step_key} for")
        text, markup = self.steps[step_key].ask(draft, self.env(context))
        if notice:
            text = f"{notice}\n\n{text}"
        if self.footer:
            text = self.footer(text)
        message = await ask(update, context, self.spec, text, markup)
        draft[STEP_KEY] = step_key
        draft[MESSAGE_KEY] = message.message_id if isinstance(markup, InlineKeyboardMarkup) else None
        return self.state(step_key)

    def current(self, context: Context) -> tuple[dict[str, Any], Step[E]] | None:
        draft = self.draft(context)
        step = self.steps.get(draft.get(STEP_KEY, "")) if draft else None
        return (draft, step) if draft is not None and step is not None else None

    async def answered(self, update: Update, context: Context) -> object:
        """A message while a question is open: the answer, or an explanation and the question."""
        found = self.current(context)
        if found is None:
            return await self.lost(update, context)
        draft, step = found
        message = message_of(update)
        takes = (
            (message.contact and step.accepts_contact)
            or (message.location and step.accepts_location)
            or (message.text and step.on_text)
        )
        if takes and step.on_text is not None:
            answer = step.on_text(draft, message, self.env(context))
        else:
            answer = error(wrong_kind_text(step))
        return await self._apply(update, context, draft, step, answer)

    async def pressed(self, update: Update, context: Context) -> object:
        """A button of this flow: the current question's, or a stale one from an old message."""
        query = query_of(update)
        found = self.current(context)
        if found is None:
            await query.answer()
            return await self.lost(update, context)
        draft, step = found
        _area, _sep, rest = (query.data or "").partition(":")
        code, _sep, value = rest.partition(":")
        answer = None
        same_message = query.message is not None and query.message.message_id == draft.get(MESSAGE_KEY)
        if code == step.code and step.on_press and same_message:
            answer = step.on_press(draft, value, self.env(context))
        if answer is None:
            await stale(update)
            return await self.ask(update, context, step.key)
        return await self._apply(update, context, draft, step, answer)

    async def _apply(
        self, update: Update, context: Context, draft: dict[str, Any], step: Step[E], answer: Answer
    ) -> object:
        query = update.callback_query
        if answer.kind == "alert" and query:
            await query.answer(answer.text, show_alert=True)
            return None
        if answer.kind == "redraw" and query:
            await query.answer()
            text, markup = step.ask(draft, self.env(context))
            if self.footer:
                text = self.footer(text)
            await query.edit_message_text(
                text, reply_markup=markup if isinstance(markup, InlineKeyboardMarkup) else None
            )
            return None
        if answer.kind == "error":
            if query:
                await query.answer()
            return await self.ask(update, context, step.key, notice=answer.text)
        notice = self.echo(step, draft) if self.echo else ""
        if query:
            await query.answer()
            if notice:
                await query.edit_message_text(notice)
            else:
                await query.edit_message_reply_markup(None)
            settled(context, self.spec)
            notice = ""
        elif step.accepts_contact and notice:
            # Take the "share my phone" keyboard away before the next question's buttons.
            await message_of(update).reply_text(notice, reply_markup=ReplyKeyboardRemove())
            notice = ""
        if answer.kind == "goto":
            return await self.ask(update, context, answer.goto, notice=notice)
        return await self.after(update, context, step.key, notice)

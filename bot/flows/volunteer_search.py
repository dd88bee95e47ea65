"""/volunteers: the overview with its quick lists, and a search by name, phone or specialty.

`/volunteers NAME` searches at once. `/volunteers` alone shows the overview and asks what to
search for: a short question, so the next text typed (a reply to the prompt or not) is the
search, and anything else started meanwhile ends the question. A reply to the latest prompt
after that, when no other question is open, searches again. Private chats only: the results
hold personal data. The result pages, cards and decisions are bot/handlers/volunteers_staff.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from telegram import ForceReply, Message, Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot import db
from bot.auth import STAFF, requires
from bot.catalog import SPECIALTIES
from bot.context import Context
from bot.flows import kit
from bot.i18n import N_, _
from bot.notices.volunteers import PENDING_PAGE, SEARCH_PAGE, SPECIALTY_PAGE, results_screen
from bot.texts.volunteers import overview_text

SPEC = kit.FlowSpec(
    "volunteer_search", kit.Mode.SHORT, N_("the volunteer search"), area="vs", commands=("volunteers",)
)
QUERY = "volunteer_search.query"
SEARCH = "vol_search"  # user_data: {"q": text, "n": serial} of the coordinator's last search
PROMPT = "vol_prompt"  # user_data: message id of the latest search prompt
BACK_TO = "vol_back"  # user_data: callback data of the list page a card was opened from


async def _search(update: Update, context: Context, query: str) -> object:
    """The first page of a search; its pages page on only while it is the latest search."""
    user_data = kit.scratch(context.user_data)
    previous = user_data.get(SEARCH) or {}
    serial = int(previous.get("n", 0)) + 1
    query = query.strip()[:100]
    user_data[SEARCH] = {"q": query, "n": serial}
    user_data[BACK_TO] = SEARCH_PAGE.data(serial, 0)
    text, keyboard = await results_screen(
        context.db, "s", query, 0, (serial,), now=context.now(), tz=context.settings.timezone
    )
    await kit.message_of(update).reply_text(text, reply_markup=keyboard)
    return kit.END


async def ask(update: Update, context: Context, *, notice: str = "") -> str:
    text = _("Or reply to this message with what to search for: a name, a phone number, a language, a "
           "specialty, a city or a status, or several together.")
    if notice:
        text = f"{notice}\n\n{text}"
    prompt = await kit.ask(
        update, context, SPEC, text,
        ForceReply(input_field_placeholder=_("Name, phone, language, specialty, city…")),
    )
    kit.scratch(context.user_data)[PROMPT] = prompt.message_id
    return QUERY


@requires(STAFF)
async def begin(update: Update, context: Context) -> object:
    """/volunteers [name, phone or specialty]: search, or the overview with quick lists."""
    query = " ".join(context.args or []).strip()
    if query:
        return await _search(update, context, query)
    counts = await db.count_volunteers_by_status(context.db)
    keyboard = kit.markup(
        [
            kit.button(
                _("⏳ Waiting for approval ({count})").format(count=counts.get("pending", 0)),
                PENDING_PAGE.data(0),
            )
        ],
        kit.grid([kit.button(item.label_text(), SPECIALTY_PAGE.data(item.code, 0)) for item in SPECIALTIES], 2),
    )
    await kit.message_of(update).reply_text(overview_text(counts), reply_markup=keyboard)
    return await ask(update, context)


@requires(STAFF)
async def typed(update: Update, context: Context) -> object:
    """The text typed after the prompt: search for it."""
    text = kit.message_of(update).text or ""
    if not text.strip():
        return await ask(update, context, notice=_("Please type your answer as text."))
    return await _search(update, context, text)


async def cancel(update: Update, context: Context) -> object:
    await context.bot.send_message(kit.chat_id_of(update), _("Cancelled. Nothing was changed."))
    return kit.END


async def resume(update: Update, context: Context, *, notice: str = "") -> object:
    return await ask(update, context, notice=notice)


class RepliesToPrompt(filters.MessageFilter):
    """A reply to this person's latest search prompt while no other question is open."""

    def __init__(self, user_data: Mapping[int, Mapping[str, Any]]) -> None:
        super().__init__(name="RepliesToPrompt")
        self._user_data = user_data

    def filter(self, message: Message) -> bool:
        replied, user = message.reply_to_message, message.from_user
        if replied is None or user is None:
            return False
        mine = self._user_data.get(user.id, {})
        return replied.message_id == mine.get(PROMPT) and kit.owner_of(mine) in (None, SPEC.name)


def build(user_data: Mapping[int, Mapping[str, Any]]) -> kit.Flow:
    """The flow; `user_data` is the application's (for replies to an earlier prompt)."""
    text = filters.TEXT & ~filters.COMMAND
    return kit.flow(
        SPEC,
        entry_points=[
            CommandHandler("volunteers", begin),
            MessageHandler(filters.UpdateType.MESSAGE & text & RepliesToPrompt(user_data), typed),
        ],
        states={QUERY: [MessageHandler(filters.UpdateType.MESSAGE & text, typed)]},
        on_cancel=cancel,
        resume=resume,
    )


def register(app: Application) -> None:
    kit.install(app, build(app.user_data))

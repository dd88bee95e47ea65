"""/trainings: the training sessions and lectures not over yet, with their seats taken, and how
to schedule one (/newtraining). Coordinators and admins."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import db
from bot.auth import STAFF, requires
from bot.context import Context
from bot.flows import kit
from bot.i18n import _, ltr
from bot.texts.trainings import session_line

PAGE = 10
SESSIONS_PAGE = kit.Route("trl", "p", int)  # offset


async def _render(context: Context, offset: int) -> tuple[str, InlineKeyboardMarkup | None]:
    total, rows = await db.session_list(context.db, now=context.now(), limit=PAGE, offset=offset)
    tz = context.settings.timezone
    if not rows:
        text = _("No training session or lecture is scheduled. Schedule one with /newtraining.")
        return text, None
    lines = [_("🎓 Trainings and lectures ahead ({n}):").format(n=ltr(total)), ""]
    lines += [f"{ltr('#' + str(r['id']))} {session_line(r, tz)}" for r in rows]
    lines += ["", _("Schedule another with /newtraining. Attendance: open the session's need in /needs.")]
    pager = kit.pager(SESSIONS_PAGE, offset, total, PAGE)
    return "\n".join(lines), kit.markup(pager) if pager else None


@requires(STAFF)
async def list_sessions(update: Update, context: Context) -> None:
    """/trainings: the sessions ahead, soonest first."""
    text, markup = await _render(context, 0)
    await kit.message_of(update).reply_text(text, reply_markup=markup)


@requires(STAFF)
async def sessions_page(update: Update, context: Context) -> None:
    """Another page of /trainings."""
    text, markup = await _render(context, max(0, SESSIONS_PAGE.one(kit.data_of(update))))
    query = kit.query_of(update)
    await query.answer()
    await query.edit_message_text(text, reply_markup=markup)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("trainings", list_sessions))
    app.add_handler(CallbackQueryHandler(sessions_page, pattern=SESSIONS_PAGE.pattern))

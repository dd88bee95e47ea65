"""/certificate: an hours certificate as a PDF, for a Hijri season, the last 30 days or a typed
range of days (either calendar).

Volunteers get their own; coordinators and admins issue one for any volunteer with
`/certificate <telegram id>` (in the volunteer's language); a representative gets its entity's
volunteers and their hours this season, a page at a time. A short question: the period.
"""

from __future__ import annotations

import asyncio

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import auth, certificate_pdf, db
from bot.certificates import (
    CertificateInputError,
    Period,
    recent,
    season,
    typed_period,
    verify_link,
)
from bot.context import Context
from bot.flows import kit
from bot.i18n import N_, _, isolate, use_locale
from bot.operations import certificates as operations
from bot.texts import certificates as texts

SPEC = kit.FlowSpec(
    "certificate", kit.Mode.SHORT, N_("the certificate's period"), area="crt",
    commands=("certificate",),
)
PERIOD = "certificate.period"
SEASON = kit.Route("crt", "season")
RECENT = kit.Route("crt", "days")
CANCEL = kit.Route("crt", "x")
PAGE = kit.Route("crt", "pg", int, int)  # entity id, offset
PAGE_SIZE = 25


def office_name(context: Context) -> str:
    return context.settings.office_name or _("Aoun volunteer desk")


async def ask(update: Update, context: Context, *, notice: str = "") -> str:
    today = context.now().astimezone(context.settings.timezone).date()
    text, season_label, recent_label = texts.period_question(season(today).hijri_year or 0)
    keyboard = kit.markup(
        [kit.button(season_label, SEASON.data())],
        [kit.button(recent_label, RECENT.data())],
        [kit.button(_("✖ Cancel"), CANCEL.data())],
    )
    draft = kit.draft(context, SPEC) or kit.start(context, SPEC)
    if draft.get("name"):
        text = _("Certificate for {name}.").format(name=isolate(draft["name"])) + "\n\n" + text
    if notice:
        text = f"{notice}\n\n{text}"
    message = await kit.ask(update, context, SPEC, text, keyboard)
    draft["_msg"] = message.message_id
    return PERIOD


async def begin(update: Update, context: Context) -> object:
    """/certificate [telegram id]: whose certificate depends on who asks."""
    user_id = kit.user_id_of(update)
    role = await auth.caller_role(context, user_id)
    args = context.args or []
    if role == auth.ENTITY_REP and not args:
        return await _entity_hours(update, context, offset=0)
    if args and role not in auth.STAFF:
        await auth.refuse(update, auth.refusal_text(auth.STAFF))
        return kit.END
    if role in auth.STAFF and not args:
        await kit.message_of(update).reply_text(
            _("Send /certificate followed by the volunteer's Telegram id, for example "
              "/certificate 123456789.")
        )
        return kit.END
    target = user_id
    if args:
        if not args[0].isdigit():
            await kit.message_of(update).reply_text(_("A Telegram id is a number, for example 123456789."))
            return kit.END
        target = int(args[0])
    volunteer = await db.get_volunteer(context.db, target)
    if volunteer is None or volunteer["status"] == "deleted":
        text = (
            _("There is no volunteer with this Telegram id.") if args
            else _("You have not registered as a volunteer yet. Send /register to begin.")
        )
        await kit.message_of(update).reply_text(text)
        return kit.END
    kit.start(context, SPEC, {"for": target, "name": volunteer["full_name"] if args else ""})
    return await ask(update, context)


async def typed(update: Update, context: Context) -> object:
    """Two dates: the first and the last day of the period."""
    message = kit.message_of(update)
    try:
        period = typed_period(message.text or "", context.now().astimezone(context.settings.timezone).date())
    except CertificateInputError as exc:
        return await ask(update, context, notice=exc.message())
    return await _issue(update, context, period)


async def pressed(update: Update, context: Context) -> object:
    """This season, the last 30 days, or cancel (from the latest question only)."""
    query = kit.query_of(update)
    draft = kit.draft(context, SPEC) or {}
    if query.message is None or query.message.message_id != draft.get("_msg"):
        await kit.stale(update)
        return await ask(update, context)
    await kit.took(update, context, SPEC)
    if CANCEL.parse(query.data) is not None:
        return await cancel(update, context)
    today = context.now().astimezone(context.settings.timezone).date()
    period = season(today) if SEASON.parse(query.data) is not None else recent(today)
    return await _issue(update, context, period)


async def _issue(update: Update, context: Context, period: Period) -> object:
    draft = kit.draft(context, SPEC) or {}
    chat_id = kit.chat_id_of(update)
    outcome = await operations.issue(
        context.db, volunteer_id=int(draft.get("for") or kit.user_id_of(update)), period=period,
        tz=context.settings.timezone, issued_by=kit.user_id_of(update),
        request_key=kit.draft_id(context, SPEC), default_locale=context.settings.default_locale,
        now=context.now(),
    )
    if outcome.certificate is None:
        text = (
            _("That volunteer's data is no longer there, so no certificate was issued.")
            if outcome.kind == "no_volunteer"
            else _("No completed shifts in this period, so there are no hours to certify. "
                   "Try another period with /certificate.")
        )
        await context.bot.send_message(chat_id, text)
        return kit.END
    certificate = outcome.certificate
    url = verify_link(context.bot.username, certificate.code)
    with use_locale(certificate.locale):  # the certificate speaks the volunteer's language
        sheet = texts.sheet(certificate, office=office_name(context), url=url, tz=context.settings.timezone)
    content = await asyncio.to_thread(certificate_pdf.render, sheet)
    await context.bot.send_document(
        chat_id, document=content, filename=f"certificate-{certificate.code}.pdf",
        caption=texts.caption(certificate),
    )
    return kit.END


async def _entity_hours(update: Update, context: Context, *, offset: int, entity_id: int | None = None) -> object:
    """A representative's view: the entity's volunteers and their hours this season."""
    memberships = await db.rep_memberships(context.db, kit.user_id_of(update))
    entity = next((e for e in memberships if entity_id in (None, e["id"])), None)
    if entity is None:
        if update.callback_query:
            await kit.stale(update)
        else:
            await kit.message_of(update).reply_text(_("You do not represent any entity at the moment."))
        return kit.END
    period = season(context.now().astimezone(context.settings.timezone).date())
    since, until = period.bounds(context.settings.timezone)
    total, rows = await db.entity_volunteer_hours(
        context.db, int(entity["id"]), since=since, until=until, limit=PAGE_SIZE, offset=offset
    )
    text = texts.entity_hours_page(entity, period, total, rows, offset)
    nav = kit.pager(PAGE, offset, total, PAGE_SIZE, int(entity["id"]))
    markup = InlineKeyboardMarkup([nav]) if nav else None
    if update.callback_query:
        await update.callback_query.answer()
        await update.callback_query.edit_message_text(text, reply_markup=markup)
    else:
        await kit.message_of(update).reply_text(text, reply_markup=markup)
    return kit.END


async def page(update: Update, context: Context) -> object:
    """Previous / Next on a representative's hours list."""
    parsed = PAGE.parse(kit.data_of(update))
    if parsed is None:
        await kit.stale(update)
        return kit.END
    entity_id, offset = parsed
    return await _entity_hours(update, context, offset=offset, entity_id=entity_id)


async def cancel(update: Update, context: Context) -> object:
    await context.bot.send_message(kit.chat_id_of(update), _("Cancelled. Nothing was changed."))
    return kit.END


async def resume(update: Update, context: Context, *, notice: str = "") -> object:
    return await ask(update, context, notice=notice)


def build() -> kit.Flow:
    return kit.flow(
        SPEC,
        entry_points=[
            CommandHandler("certificate", begin),
            CallbackQueryHandler(page, pattern=PAGE.pattern),
        ],
        states={
            PERIOD: [
                CallbackQueryHandler(pressed, pattern=SEASON.pattern),
                CallbackQueryHandler(pressed, pattern=RECENT.pattern),
                CallbackQueryHandler(pressed, pattern=CANCEL.pattern),
                MessageHandler(filters.UpdateType.MESSAGE & ~filters.COMMAND, typed),
            ]
        },
        on_cancel=cancel,
        resume=resume,
    )


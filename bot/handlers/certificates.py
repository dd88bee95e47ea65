"""`/start verify_<code>`: anyone checks an hours certificate; and /certificate outside a private
chat (the certificate flow runs in the private chat only)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, filters

from bot import auth, db
from bot.certificates import VERIFY_PREFIX, Certificate, normalize_code
from bot.context import Context
from bot.flows import kit
from bot.i18n import _
from bot.texts import certificates as texts


def office_name(context: Context) -> str:
    return context.settings.office_name or _("Aoun volunteer desk")


async def verify(update: Update, context: Context) -> None:
    """/start verify_<code>: the certificate's facts, for anyone (an employer, a university)."""
    message = kit.message_of(update)
    payload = (message.text or "").split(maxsplit=1)[-1]
    code = normalize_code(payload.removeprefix(VERIFY_PREFIX))
    row = await db.get_certificate(context.db, code=code) if code else None
    if row is None:
        await message.reply_text(texts.not_found())
        return
    certificate = Certificate.from_row(row)
    await message.reply_text(
        texts.verified(certificate, office=office_name(context), tz=context.settings.timezone)
    )


async def in_group(update: Update, context: Context) -> None:
    """/certificate in a group: the certificate shows hours and a name, so only in private."""
    await auth.redirected_to_private_chat(update, context)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(
        CommandHandler("start", verify, filters=filters.Regex(rf"^/start(@\w+)? {VERIFY_PREFIX}"))
    )
    app.add_handler(CommandHandler("certificate", in_group, filters=~filters.ChatType.PRIVATE))

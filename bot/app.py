"""The one composition root: wires the database, persistence, handlers, scheduler and sender."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.request import BaseRequest

from bot import db as queries
from bot import scheduler
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.context import Context
from bot.db import Database
from bot.delivery import Sender
from bot.flows import (
    broadcast,
    checkin,
    entity_edit,
    need_intake,
    need_reject,
    need_slots,
    pause,
    profile_edit,
    registration,
    shift_reasons,
)
from bot.handlers import (
    attendance,
    common,
    entities,
    errors,
    membership,
    needs,
    reports,
    shifts,
    staff,
    volunteer,
    volunteers_staff,
)
from bot.limiter import DeliveryLimiter
from bot.persistence import SqlitePersistence
from bot.updates import PerUserUpdateProcessor

log = logging.getLogger(__name__)


class AounApplication(Application):  # type: ignore[type-arg]
    """Opens the database before PTB loads persisted conversations, closes it after shutdown."""

    async def initialize(self) -> None:
        database: Database = self.bot_data["db"]
        settings: Settings = self.bot_data["settings"]
        await database.connect()
        await database.migrate()
        async with database.transaction() as tx:
            await queries.bootstrap_admins(
                tx, settings.admin_ids, now=self.bot_data["clock"].now()
            )
        await super().initialize()

    async def start(self) -> None:
        await super().start()
        # A 409 Conflict soon after this means another process has the token (handlers/errors).
        self.bot_data["polling_since"] = self.bot_data["clock"].now()
        self.bot_data["sender"].start()

    async def stop(self) -> None:
        # Let the sends in flight be recorded before the database closes.
        await self.bot_data["sender"].stop()
        await super().stop()

    async def shutdown(self) -> None:
        await super().shutdown()
        await self.bot_data["db"].close()


async def _post_init(app: Application) -> None:  # type: ignore[type-arg]
    await common.publish_command_menus(app)
    if app.bot_data.get("polling"):
        await errors.another_poller(app)  # if so, it stops: python -m bot says why


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    clock: Clock | None = None,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    persistence_interval: float = 1.0,
) -> Application:  # type: ignore[type-arg]
    """Build the Application; `request` replaces the network (tests and the console);
    `clock` and `sleep` are the time the sender and the limiter pace on (tests move it)."""
    database = Database(settings.database_path)
    clock = clock or SystemClock()
    app_clock = clock
    # The one limiter of every send and edit, replies and the outbox alike (bot/limiter.py).
    limiter = DeliveryLimiter(
        rate=settings.send_rate,
        paid_rate=settings.paid_broadcast_rate,
        clock=lambda: app_clock.now().timestamp(),
        sleep=sleep,
    )
    builder = (
        ApplicationBuilder()
        .application_class(AounApplication)
        .token(settings.bot_token)
        .base_url(f"{settings.bot_api_base_url}/bot")
        .base_file_url(f"{settings.bot_api_base_url}/file/bot")
        .context_types(ContextTypes(context=Context))
        .persistence(SqlitePersistence(database, update_interval=persistence_interval))
        .post_init(_post_init)
        # Different users side by side, one user's updates strictly in order (bot/updates.py).
        .concurrent_updates(PerUserUpdateProcessor(64))
        .rate_limiter(limiter)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    app = builder.build()
    services: dict[str, Any] = {
        "db": database,
        "settings": settings,
        "clock": clock,
        "limiter": limiter,
        # The one outbox sender: started with the application (start), stopped before shutdown.
        "sender": Sender(
            app.bot,
            database,
            rate=settings.send_rate,
            max_attempts=settings.send_max_attempts,
            clock=clock,
            sleep=sleep,
            default_locale=settings.default_locale,
            max_age=settings.send_max_age,
            paid_rate=settings.paid_broadcast_rate,
            limiter=limiter,
        ),
    }
    app.bot_data.update(services)

    # Order matters. Group -1: remember the user and bind their locale before anything else.
    app.add_handler(TypeHandler(Update, common.bind_user_and_locale), group=-1)
    # Group 0: conversation flows first (they own /cancel while active), then one-step handlers,
    # and the "I did not understand" fallbacks last.
    # (profile_edit also adds a group 1 handler: another command drops an unfinished edit.)
    # Volunteers' flows: registration, profile edits and pause (each takes typed text only while
    # its own answers are in progress).
    registration.register(app)
    profile_edit.register(app)
    pause.register(app)
    # Entities and needs flows; when several are open (Reject pressed on a card in the middle
    # of /need), bot/flows/focus.py gives typed text to the one started last.
    entity_edit.register(app)
    need_reject.register(app)
    need_slots.register(app)
    need_intake.register(app)
    # Coordinators' /broadcast (also on focus.py), with its progress list's buttons.
    broadcast.register(app)
    # One-step commands and buttons.
    staff.register(app)
    # Typed reasons for declines and late cancellations: after the other flows (staff.register
    # holds add_coordinator), so that a running flow's question gets the user's text first.
    app.add_handler(shift_reasons.build())
    # Check in with a shared location: after the other flows for the same reason.
    app.add_handler(checkin.build())
    entities.register(app)  # its /start rep_<token> must come before common's /start
    needs.register(app)
    reports.register(app)
    volunteer.register(app)
    volunteers_staff.register(app)
    membership.register(app)  # my_chat_member: blocked the bot
    shifts.register(app)
    attendance.register(app)  # coordinators' and representatives' attendance corrections
    common.register(app)
    common.register_fallbacks(app)
    app.add_error_handler(errors.on_error)
    # The dispatch tick (offers, expiry, waitlist, reminders) on the JobQueue.
    scheduler.register(app)
    return app

"""The one composition root: wires the database, persistence, handlers, scheduler and sender."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_TRUE
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    ContextTypes,
    ExtBot,
    TypeHandler,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot import backup, bot_profile, scheduler, webhook
from bot import db as queries
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.context import Context
from bot.db import Database
from bot.delivery import Sender
from bot.flows import (
    add_coordinator,
    broadcast,
    certificate,
    checkin,
    entity_edit,
    kit,
    manual_reason,
    need_intake,
    need_reject,
    need_slots,
    pause,
    profile_edit,
    registration,
    shift_reasons,
    suspension,
    training_session,
    volunteer_search,
)
from bot.handlers import (
    attendance,
    broadcasts,
    certificates,
    common,
    entities,
    errors,
    escalations,
    manual,
    membership,
    needs,
    reports,
    shifts,
    staff,
    today,
    trainings,
    volunteer,
    volunteers_staff,
)
from bot.limiter import DeliveryLimiter
from bot.persistence import SqlitePersistence
from bot.sent import AounBot
from bot.texts.volunteers import registered_greeting
from bot.updates import PerUserUpdateProcessor

log = logging.getLogger(__name__)
_PTB_LOG = logging.getLogger("telegram.ext.Application")  # PTB's own, for its loop's messages


class AounApplication(Application):
    """Opens the database before PTB loads persisted conversations, closes it after shutdown."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.routes = kit.RouteIndex()  # which handlers could take an update (process_update)

    async def initialize(self) -> None:
        database: Database = self.bot_data["db"]
        settings: Settings = self.bot_data["settings"]
        await database.connect()
        await database.migrate(backup_dir=settings.backup_dir)
        async with database.transaction() as tx:
            await queries.bootstrap_admins(
                tx, settings.admin_ids, now=self.bot_data["clock"].now()
            )
        await super().initialize()

    async def process_update(self, update: object) -> None:
        # A handler's transactions are a few short statements: on this thread, no break (db.Tx).
        token = queries.WRITES_ON_LOOP.set(0)
        try:
            await self._process_update(update)
        finally:
            queries.WRITES_ON_LOOP.reset(token)

    async def _process_update(self, update: object) -> None:
        """PTB's `Application.process_update` (v22.8), the same loop with one change: each group
        tries only the handlers that could take the update (bot/flows/kit/routes.py), in their
        registered order, so the first one whose check_update says yes is the one PTB finds.
        Groups, one handler per group, ApplicationHandlerStop, blocking and errors as PTB."""
        self._check_initialized()
        context = None
        any_blocking = False
        for group, handlers in [(g, v.copy()) for g, v in self.handlers.items()]:
            try:
                for handler in self.routes.candidates(group, handlers, update):
                    check = handler.check_update(update)
                    if check is None or check is False:
                        continue
                    if not context:
                        try:
                            context = self.context_types.context.from_update(update, self)
                        except Exception as exc:
                            _PTB_LOG.critical(
                                "Error while building CallbackContext for update %s. "
                                "Update will not be processed.",
                                update, exc_info=exc,
                            )
                            return
                        await context.refresh_data()
                    coroutine = handler.handle_update(update, self, check, context)
                    if not handler.block or (
                        handler.block is DEFAULT_TRUE
                        and isinstance(self.bot, ExtBot)
                        and self.bot.defaults
                        and not self.bot.defaults.block
                    ):
                        self.create_task(
                            coroutine, update=update,
                            name=f"Application:{self.bot.id}:process_update_non_blocking:{handler}",
                        )
                    else:
                        any_blocking = True
                        await coroutine
                    break  # one handler per group
            except ApplicationHandlerStop:
                _PTB_LOG.debug("Stopping further handlers due to ApplicationHandlerStop")
                break
            except Exception as exc:
                if await self.process_error(update=update, error=exc):
                    _PTB_LOG.debug("Error handler stopped further handlers.")
                    break
        if any_blocking:
            self._mark_for_persistence_update(update=update)

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

    def run_webhook(self, *args: Any, **kwargs: Any) -> None:
        """Webhook mode through bot/webhook.py instead of PTB's built-in server: the secret and
        the body size are checked before the body is read, re-deliveries dropped. Takes
        run_webhook's listen, port, url_path, webhook_url, secret_token and allowed_updates."""
        if args:
            raise TypeError("run_webhook takes keyword arguments only")
        webhook.run(
            self,
            listen=kwargs.get("listen", "127.0.0.1"),
            port=kwargs.get("port", 80),
            url_path=kwargs.get("url_path", "telegram"),
            webhook_url=kwargs["webhook_url"],
            secret_token=kwargs["secret_token"],
            allowed_updates=kwargs.get("allowed_updates"),
        )


async def _before_any_handler(update: Update, context: Context) -> None:
    await common.bind_user_and_locale(update, context)
    await kit.leave_for_command(update, context)


DRAFT_SWEEP = timedelta(hours=1)


async def _expire_drafts(context: Context) -> None:
    await kit.expire_drafts(context.application, now=context.bot_data["clock"].now())


async def _post_init(app: Application) -> None:
    await common.publish_command_menus(app)
    await bot_profile.publish(app.bot, app.bot_data["settings"].default_locale)
    if app.bot_data.get("polling"):
        await errors.another_poller(app)  # if so, it stops: python -m bot says why
    if app.bot_data.get("own_process"):
        freeze_startup_heap()


def freeze_startup_heap() -> None:
    """What start-up built (modules, catalogs, the handlers, the Application: ~64,000 objects)
    lives as long as the process: move it out of the garbage collector's sight (gc.freeze), so
    that a full collection walks only what was made since. At a tick's peak a full collection
    took 20-30 ms, and every update arriving meanwhile waited for it. `python -m bot` does this
    once its Application is up (bot_data["own_process"]); tests, which build many Applications
    in one process, do not. Anything frozen earlier is thawed first, so that it is collected
    if it has become garbage."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    clock: Clock | None = None,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    persistence_interval: float = 1.0,
) -> Application:
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
    # The builder's own defaults for the network (256 connections for calls, 1 for updates).
    bot = AounBot(
        settings.bot_token,
        base_url=f"{settings.bot_api_base_url}/bot",
        base_file_url=f"{settings.bot_api_base_url}/file/bot",
        request=request or HTTPXRequest(connection_pool_size=256),
        get_updates_request=request or HTTPXRequest(connection_pool_size=1),
        rate_limiter=limiter,
    )
    builder = (
        ApplicationBuilder()
        .application_class(AounApplication)
        .bot(bot)
        .context_types(ContextTypes(context=Context))
        .persistence(SqlitePersistence(database, update_interval=persistence_interval))
        .post_init(_post_init)
        # Different users side by side, one user's updates strictly in order (bot/updates.py).
        .concurrent_updates(PerUserUpdateProcessor(64))
    )
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
    # A transaction that queued a message wakes the sender as it commits (bot/delivery.py).
    database.on_enqueue = services["sender"].wake

    # Order matters. Group -1: remember the user and bind their locale before anything else;
    # then a command that starts something else leaves the open question (bot/flows/kit).
    app.add_handler(TypeHandler(Update, _before_any_handler), group=-1)
    # Group 0: conversation flows first (the one whose question was asked last owns typed text
    # and /cancel: bot/flows/kit decides, so their order does not), then one-step handlers, and
    # the "I did not understand" fallbacks last.
    # Volunteers' flows: registration, profile edits, pause, and coordinators' search question.
    registration.register(app)
    profile_edit.register(app)
    pause.register(app)
    volunteer_search.register(app)  # coordinators' /volunteers and its search question
    suspension.register(app)  # Suspend on a volunteer's card: the reason question
    # Entities and needs flows (Reject pressed on a card in the middle of /need: the reason
    # question takes the text, and /need asks again once it is answered).
    entity_edit.register(app)
    need_reject.register(app)
    need_slots.register(app)
    need_intake.register(app)
    training_session.register(app)  # /newtraining, also from a need's "Schedule a training"
    # Coordinators' /broadcast: its progress list's buttons first (the flow answers every other
    # "bc:" button of a draft that is over as stale).
    broadcasts.register(app)
    broadcast.register(app)
    # Admins' short question "who should become a coordinator?", started from /staff's list.
    add_coordinator.register(app)
    # "Offer anyway" on an offer made by hand: a short question, the reason.
    manual_reason.register(app)
    kit.install(app, certificate.build())  # /certificate: a short question, the period
    # One-step commands and buttons.
    staff.register(app)
    escalations.register(app)  # a short shift's buttons: offer to the next ones, tell who fits
    # Typed reasons for declines and late cancellations, and check-in with a shared location.
    shift_reasons.register(app)
    checkin.register(app)
    entities.register(app)  # its /start rep_<token> must come before common's /start
    certificates.register(app)  # /start verify_<code> too
    needs.register(app)
    reports.register(app)
    trainings.register(app)  # /trainings
    volunteer.register(app)
    volunteers_staff.register(app)
    membership.register(app)  # my_chat_member: blocked the bot
    shifts.register(app)
    attendance.register(app)  # coordinators' and representatives' attendance corrections
    today.register(app)  # /today: the day's board
    manual.register(app)  # offers made by hand, from a volunteer's card or a shift's roster
    common.register(app, greeting=registered_greeting)  # a volunteer's /start
    common.register_fallbacks(app)
    app.add_error_handler(errors.on_error)
    # The dispatch tick (offers, expiry, waitlist, reminders) on the JobQueue.
    scheduler.register(app)
    # Drafts left unfinished for DRAFT_TTL are discarded (they hold personal data) and told.
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            _expire_drafts, interval=DRAFT_SWEEP, first=DRAFT_SWEEP, name="expire_drafts",
            job_kwargs={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )
    # Backups of the live database every BACKUP_INTERVAL, on the same JobQueue.
    backup.register(app)
    return app

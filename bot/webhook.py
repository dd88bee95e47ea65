"""Webhook mode: a small tornado app in front of the Application (PTB's custom-webhook pattern).

PTB's built-in webhook server reads a whole request body (up to tornado's 100 MB default)
before it looks at the secret, hands malformed JSON a 500, and passes a re-delivered update on
twice. This one streams the body, so it can refuse before reading a byte of it:

- a missing or wrong X-Telegram-Bot-Api-Secret-Token: 403, body never read;
- a body over MAX_BODY (by Content-Length, or as it arrives when chunked): 413;
- a body that is not a JSON object Telegram would send: 400;
- an update_id seen recently: 200 and dropped (Telegram re-delivers when an answer was slow).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import tornado.http1connection
import tornado.httpserver
import tornado.web
from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # Telegram's updates are a few KB; 1 MB leaves room and bounds memory
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
REMEMBERED_UPDATES = 10_000


class RecentIds:
    """The last `size` update ids seen, to drop re-deliveries."""

    def __init__(self, size: int = REMEMBERED_UPDATES) -> None:
        self.size = size
        self._ids: OrderedDict[int, None] = OrderedDict()

    def seen(self, update_id: int) -> bool:
        """True if `update_id` was seen before; remembers it either way."""
        if update_id in self._ids:
            self._ids.move_to_end(update_id)
            return True
        self._ids[update_id] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return False


@tornado.web.stream_request_body
class TelegramUpdateHandler(tornado.web.RequestHandler):
    """POST /<path>: one update from Telegram."""

    SUPPORTED_METHODS = ("POST",)

    def initialize(
        self, bot_app: Application, secret: str, recent: RecentIds
    ) -> None:
        self.bot_app = bot_app
        self.secret = secret
        self.recent = recent
        self.chunks: list[bytes] = []
        self.size = 0

    def prepare(self) -> None:
        # Headers only so far: refuse here and the body is never read.
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.info("webhook call with a wrong secret from %s refused", self.request.remote_ip)
            self._refuse(403)
            return
        length = self.request.headers.get("Content-Length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            self._refuse(413)
            return
        connection = self.request.connection
        if isinstance(connection, tornado.http1connection.HTTP1Connection):
            connection.set_max_body_size(MAX_BODY)  # also bounds chunked bodies

    def _refuse(self, status: int) -> None:
        self.set_status(status)
        self.finish()

    def data_received(self, chunk: bytes) -> None:
        if self._finished:
            return
        self.size += len(chunk)
        if self.size > MAX_BODY:
            self._refuse(413)
            return
        self.chunks.append(chunk)

    async def post(self) -> None:
        if self._finished:
            return
        try:
            data = json.loads(b"".join(self.chunks))
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise ValueError("not an update")
            update = Update.de_json(data, self.bot_app.bot)
        except Exception:  # malformed JSON, or JSON that is not an update
            log.info("malformed webhook body refused (%d bytes)", self.size)
            self._refuse(400)
            return
        if self.recent.seen(update.update_id):
            log.info("update %s was delivered again; dropped", update.update_id)
        else:
            await self.bot_app.update_queue.put(update)
        self.set_status(200)
        self.finish()

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        log.warning("webhook request failed: %s", value)


def make_server(
    application: Application,
    *,
    secret: str,
    url_path: str = "telegram",
) -> tornado.httpserver.HTTPServer:
    """The HTTP server for `application`'s webhook; call `.listen(port, address)` on it."""
    app = tornado.web.Application(
        [(rf"/{url_path.strip('/')}/?", TelegramUpdateHandler,
          {"bot_app": application, "secret": secret, "recent": RecentIds()})]
    )
    return tornado.httpserver.HTTPServer(
        app, max_body_size=MAX_BODY, max_buffer_size=MAX_BODY, xheaders=True
    )


async def serve(
    application: Application,
    *,
    listen: str,
    port: int,
    url_path: str,
    webhook_url: str,
    secret_token: str,
    allowed_updates: Sequence[str] | None,
    stop: asyncio.Event,
) -> None:
    """Initialize, register the webhook with Telegram, serve until `stop` is set, shut down."""
    await application.initialize()
    try:
        if application.post_init:
            await application.post_init(application)
        await application.bot.set_webhook(
            url=webhook_url, secret_token=secret_token, allowed_updates=allowed_updates
        )
        server = make_server(application, secret=secret_token, url_path=url_path)
        server.listen(port, address=listen)
        log.info("webhook server listening on %s:%s/%s", listen, port, url_path)
        await application.start()
        try:
            await stop.wait()
        finally:
            server.stop()
            await server.close_all_connections()
            await application.stop()
            if application.post_stop:
                await application.post_stop(application)
    finally:
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)


def run(application: Application, **kwargs: Any) -> None:
    """Blocking: serve the webhook until SIGTERM or SIGINT."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(application, stop=stop, **kwargs)

    asyncio.run(main())

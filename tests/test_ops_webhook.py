"""The webhook server (bot/webhook.py) over real HTTP on 127.0.0.1: the secret and the size are
checked before the body is read, malformed bodies get 400, re-deliveries are dropped."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot import webhook
from tests.harness import BotHarness

SECRET = "s3cret-token_for-tests"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def served(bot: BotHarness) -> AsyncIterator[tuple[BotHarness, int]]:
    port = free_port()
    server = webhook.make_server(bot.app, secret=SECRET, url_path="telegram")
    server.listen(port, address="127.0.0.1")
    await bot.app.start()
    try:
        yield bot, port
    finally:
        server.stop()
        await server.close_all_connections()
        await bot.app.stop()


async def raw_request(port: int, head: str, body: bytes = b"") -> int:
    """Send `head` and `body` (maybe none of the body the head announces); the answer's status
    (0 when the server closed the connection without one)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head.encode() + body)
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), 5)
        return int(line.split()[1]) if line else 0
    finally:
        writer.close()


def head(length: int, secret: str | None = SECRET, *, chunked: bool = False) -> str:
    lines = ["POST /telegram HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    if secret is not None:
        lines.append(f"X-Telegram-Bot-Api-Secret-Token: {secret}")
    lines.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {length}")
    return "\r\n".join(lines) + "\r\n\r\n"


async def post(port: int, payload: Any, secret: str | None = SECRET) -> int:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return await raw_request(port, head(len(body), secret), body)


def start_update(update_id: int, user_id: int = 301) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": "Maryam", "language_code": "en"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id, "date": 0, "text": "/start", "from": user,
            "chat": {"id": user_id, "type": "private", "first_name": "Maryam"},
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def replies(bot: BotHarness, user_id: int, count: int, wait: float = 10) -> int:
    for _ in range(int(wait * 20)):
        if len(bot.sent(user_id, "sendMessage")) >= count:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)  # and nothing more arrives
    return len(bot.sent(user_id, "sendMessage"))


async def test_a_wrong_or_missing_secret_is_refused_before_the_body_is_read(
    served: tuple[BotHarness, int],
) -> None:
    bot, port = served
    # Headers announcing 50 MB and no body at all: the answer comes without waiting for it.
    assert await raw_request(port, head(50 * 1024 * 1024, "wrong")) == 403
    assert await raw_request(port, head(50 * 1024 * 1024, None)) == 403
    assert await post(port, start_update(1), "wrong") == 403
    assert await replies(bot, 301, 0, wait=0.2) == 0


async def test_a_body_over_one_megabyte_is_refused_before_it_is_read(
    served: tuple[BotHarness, int],
) -> None:
    _bot, port = served
    assert await raw_request(port, head(webhook.MAX_BODY + 1)) == 413
    # Chunked, so no length up front: refused once the limit is passed (tornado's own limit,
    # set to MAX_BODY, answers 400 and closes the connection).
    chunk = b"x" * 65536
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(20)) + b"0\r\n\r\n"
    status = await raw_request(port, head(0, chunked=True), body)
    assert status in (400, 413, 0)  # a refusal, or the connection closed on us: never 200


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"no_update_id": 1}', b""])
async def test_malformed_bodies_get_400(served: tuple[BotHarness, int], body: bytes) -> None:
    _bot, port = served
    assert await post(port, body) == 400


async def test_an_update_delivered_twice_is_handled_once(served: tuple[BotHarness, int]) -> None:
    bot, port = served
    assert await post(port, start_update(41)) == 200
    assert await post(port, start_update(41)) == 200
    assert await replies(bot, 301, 1) == 1
    assert await post(port, start_update(42)) == 200
    assert await replies(bot, 301, 2) == 2

"""The update processor: one user's updates in order, different users concurrently."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.updates import PerUserUpdateProcessor


def make_update(update_id: int, user_id: int) -> Update:
    return Update.de_json(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 0,
                "chat": {"id": user_id, "type": "private"},
                "from": {"id": user_id, "is_bot": False, "first_name": "U"},
                "text": "hi",
            },
        },
        None,
    )


async def test_same_user_in_order_and_other_users_alongside() -> None:
    processor = PerUserUpdateProcessor(16)
    log: list[str] = []
    gate = asyncio.Event()

    async def work(name: str, wait: bool) -> None:
        log.append(f"start {name}")
        if wait:
            await gate.wait()
        log.append(f"end {name}")

    tasks = [
        asyncio.create_task(processor.process_update(make_update(1, 10), work("a1", True))),
        asyncio.create_task(processor.process_update(make_update(2, 10), work("a2", False))),
        asyncio.create_task(processor.process_update(make_update(3, 20), work("b1", False))),
    ]
    await asyncio.sleep(0.01)
    # a2 waits behind a1 (same user); b1 (another user) has already run to the end.
    assert log == ["start a1", "start b1", "end b1"]
    gate.set()
    await asyncio.gather(*tasks)
    assert log[3:] == ["end a1", "start a2", "end a2"]
    assert processor._locks == {}

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


async def test_a_person_with_many_queued_updates_does_not_delay_another() -> None:
    """64 slots; one person sends 64 updates while their first is still being answered: their
    63 waiting updates hold no slot, so another person's update runs at once."""
    processor = PerUserUpdateProcessor(64)
    gate = asyncio.Event()
    log: list[str] = []

    async def slow(name: str) -> None:
        await gate.wait()
        log.append(name)

    async def quick(name: str) -> None:
        log.append(name)

    busy = [
        asyncio.create_task(processor.process_update(make_update(n, 10), slow(f"a{n}")))
        for n in range(64)
    ]
    await asyncio.sleep(0.01)
    assert processor.current_concurrent_updates == 1  # only the update being answered
    other = asyncio.create_task(processor.process_update(make_update(100, 20), quick("b")))
    await asyncio.wait_for(asyncio.shield(other), timeout=1)
    assert log == ["b"]  # answered while the first person's first update is still open
    gate.set()
    await asyncio.gather(*busy)
    assert log[1:] == [f"a{n}" for n in range(64)]  # the first person's order is kept
    assert processor.current_concurrent_updates == 0 and processor._locks == {}

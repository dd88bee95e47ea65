"""Updates of different people run concurrently; updates of one person run one after another.

PTB's plain `concurrent_updates=True` would let two updates of the same user race inside a
ConversationHandler (STYLE.md lists that as an anti-pattern), while `False` makes the whole bot
wait for every reply to every user. This processor keeps per-user order and lets a thousand
volunteers pressing Accept at once be served side by side.

PTB takes a global slot (one of max_concurrent_updates) before it calls do_process_update; an
update that must wait for the same person's earlier ones gives its slot back while it waits and
takes one again when its turn has come. So one person with dozens of queued updates holds one
slot, never all of them, and nobody else waits behind that person.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerUserUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    @staticmethod
    def _key(update: object) -> int | None:
        if not isinstance(update, Update):
            return None
        if update.effective_user is not None:
            return update.effective_user.id
        return update.effective_chat.id if update.effective_chat is not None else None

    async def do_process_update(self, update: object, coroutine: Awaitable[object]) -> None:
        key = self._key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            if lock.locked():
                await self._wait_without_slot(lock)
            else:
                await lock.acquire()
            try:
                await coroutine
            finally:
                lock.release()
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key]
                self._locks.pop(key, None)

    async def _wait_without_slot(self, lock: asyncio.Lock) -> None:
        """Wait for the person's lock holding no global slot; return holding both."""
        slot = self._semaphore  # the base class's slot, taken around do_process_update
        slot.release()
        acquired = False
        try:
            acquired = await lock.acquire()
        finally:
            # Shielded: the base class gives the slot back whatever happens, so it must be held
            # again even when this task is cancelled (at shutdown) while waiting for it.
            try:
                await asyncio.shield(slot.acquire())
            except BaseException:
                if acquired:
                    lock.release()
                raise

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

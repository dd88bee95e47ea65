"""A long draft built with the flow kit, for tests of short questions opened beside one.

`/probe` asks two typed questions (a title, then a place) and is LONG: leaving it keeps it, its
command resumes it, and a short question that interrupted it hands the text back when it ends.
It stands in for /need or /broadcast where a test is about the short flow, not the long one.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from telegram import Update
from telegram.ext import CommandHandler, MessageHandler, filters

from bot.clock import ManualClock
from bot.context import Context
from bot.flows import kit
from tests.harness import BotHarness, make_settings

PROBE = kit.FlowSpec("probe", kit.Mode.LONG, "probe draft", area="prb", commands=("probe",))
TITLE, PLACE = "probe.title", "probe.place"
QUESTIONS = {TITLE: "What is the probe called?", PLACE: "Where is the probe?"}


async def _ask(update: Update, context: Context, *, notice: str = "") -> str:
    draft = kit.draft(context, PROBE) or kit.start(context, PROBE, {"step": TITLE})
    step = str(draft["step"])
    question = QUESTIONS[step]
    await kit.ask(update, context, PROBE, f"{notice}\n\n{question}" if notice else question)
    return step


async def _begin(update: Update, context: Context) -> str:
    kit.start(context, PROBE, {"step": TITLE})
    return await _ask(update, context)


async def _typed(update: Update, context: Context) -> object:
    draft = kit.draft(context, PROBE) or {}
    text = kit.message_of(update).text or ""
    if draft.get("step") == TITLE:
        draft.update(title=text, step=PLACE)
        return await _ask(update, context)
    await kit.message_of(update).reply_text(f"Probe saved: {draft.get('title')} at {text}")
    return kit.END


async def _cancel(update: Update, context: Context) -> object:
    await kit.message_of(update).reply_text("Probe dropped.")
    return kit.END


def build_probe() -> kit.Flow:
    typed = MessageHandler(filters.TEXT & ~filters.COMMAND, _typed)
    return kit.flow(
        PROBE,
        entry_points=[CommandHandler("probe", _begin)],
        states={TITLE: [typed], PLACE: [typed]},
        on_cancel=_cancel,
        resume=_ask,
    )


@contextlib.asynccontextmanager
async def probe_harness(tmp_path: Path, clock: ManualClock) -> AsyncIterator[BotHarness]:
    """The real Application with /probe installed first in group 0 (before it starts, so that
    its conversations are persisted like every other flow's). In a test module:

        @pytest.fixture
        async def probe_bot(tmp_path, clock):
            async with probe_harness(tmp_path, clock) as harness:
                yield harness
    """
    harness = BotHarness(make_settings(tmp_path), clock)
    flow = build_probe()
    kit.install(harness.app, flow)
    group = harness.app.handlers[0]
    group.remove(flow)
    group.insert(0, flow)
    await harness.start()
    try:
        yield harness
    finally:
        for member in harness.family:
            await member.stop()

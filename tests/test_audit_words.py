"""/audit in words: every recorded action reads as a sentence in the reader's language, and the
log filters by kind of action and by person, paged."""

from __future__ import annotations

import re
from pathlib import Path

from bot import db
from bot.texts.staff import AUDIT_ACTIONS, AUDIT_KINDS
from tests import factories
from tests.harness import ADMIN_ID, BotHarness

ROOT = Path(__file__).resolve().parent.parent / "bot"
COORDINATOR_ID = 820


def action_codes_in_code() -> set[str]:
    """Every audit action the code writes: `action="need.submit"` and the f-string forms."""
    codes: set[str] = set()
    for path in ROOT.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "audit(" not in text:  # argparse's action="store_true" is no audit action
            continue
        for found in re.finditer(r"action=\"([a-z_.]+)\"", text):
            codes.add(found.group(1))
        for found in re.finditer(r"action=f\"([a-z_]+)\.\{'([a-z_]+)' if [^}]* else '([a-z_]+)'\}\"", text):
            codes |= {f"{found.group(1)}.{found.group(2)}", f"{found.group(1)}.{found.group(3)}"}
        for found in re.finditer(r"\"([a-z]+\.[a-z_]+)\" if [a-z_]+ else \"([a-z]+\.[a-z_]+)\"", text):
            if "action" in text[max(0, found.start() - 80):found.start()]:
                codes |= {found.group(1), found.group(2)}
        for found in re.finditer(r"\(\(\"[a-z_]+\",\)?[^)]*\), \"[a-z_]+\", \"([a-z]+\.[a-z_]+)\"\)", text):
            codes.add(found.group(1))
    return codes


def test_every_action_code_in_the_code_reads_in_words() -> None:
    codes = action_codes_in_code()
    assert {"need.approve", "need.reject", "volunteer.suspend", "attendance.absent", "export"} <= codes
    missing = sorted(codes - set(AUDIT_ACTIONS))
    assert not missing, f"add these to bot/texts/staff.py AUDIT_ACTIONS: {missing}"
    prefixes = {p for _code, _label, group in AUDIT_KINDS for p in group}
    assert all(code.split(".")[0] in prefixes for code in AUDIT_ACTIONS)


async def seed(bot: BotHarness) -> None:
    await factories.create_user(bot.db, COORDINATOR_ID, role="coordinator", first_name="Omar",
                                language_code="ar")
    async with bot.db.transaction() as tx:
        now = bot.clock.now()
        for code in AUDIT_ACTIONS:
            await db.audit(tx, actor_id=ADMIN_ID, action=code, now=now, target_type="x", target_id=7)
        await db.audit(tx, actor_id=COORDINATOR_ID, action="need.approve", now=now,
                       target_type="need", target_id=42)
        await db.audit(tx, actor_id=COORDINATOR_ID, action="export", now=now,
                       details={"dataset": "needs", "format": "csv", "rows": 12})
        await db.audit(tx, actor_id=COORDINATOR_ID, action="something.new", now=now)


def no_raw_code(text: str) -> None:
    for code in [*AUDIT_ACTIONS, "something.new"]:
        if "." in code:
            assert code not in text, code


async def test_audit_reads_in_english_with_kind_and_person_filters(bot: BotHarness) -> None:
    await seed(bot)
    admin = bot.user(ADMIN_ID, "Admin", "en")
    [first] = await bot.command(admin, "/audit")
    no_raw_code(first.text)
    assert "Omar (820) approved need 42" in first.text
    assert "Omar (820) exported a spreadsheet (Needs and shifts with rosters, CSV, 12 rows)" in first.text
    assert "Omar (820) made a change to the records" in first.text
    labels = [label for label, _data in first.buttons]
    assert "🗂 By kind" in labels and "👤 By person" in labels

    [menu] = (await bot.press(admin, "audit:k:all:0"))[-1:]
    assert menu.text == "Show which kind of action?"
    assert ("Needs and shifts", "audit:f:needs:0:0") in menu.buttons
    page = (await bot.press(admin, "audit:f:needs:0:0"))[-1]
    assert page.text.startswith("Staff actions: Needs and shifts")
    assert "approved need 42" in page.text and "cancelled shift 7" in page.text
    assert "suspended volunteer" not in page.text and "exported" not in page.text
    assert ("✖ All actions", "audit:p:0") in page.buttons

    people = (await bot.press(admin, "audit:a:needs:0"))[-1]
    assert people.text == "Show whose actions?"
    assert any(data == f"audit:f:needs:{COORDINATOR_ID}:0" for _label, data in people.buttons)
    page = (await bot.press(admin, f"audit:f:needs:{COORDINATOR_ID}:0"))[-1]
    assert "Needs and shifts — by Omar (820)" in page.text
    body = page.text.split("\n\n", 1)[1]
    assert body.count("•") == 1 and "approved need 42" in body

    # Only one person, every kind: paged 15 at a time, newest first.
    page = (await bot.press(admin, f"audit:f:all:{ADMIN_ID}:0"))[-1]
    assert page.text.count("•") == 15
    assert ("Older ▶", f"audit:f:all:{ADMIN_ID}:15") in page.buttons
    last = (len(AUDIT_ACTIONS) - 1) // 15 * 15
    older = (await bot.press(admin, f"audit:f:all:{ADMIN_ID}:{last}"))[-1]
    assert older.text.count("•") == len(AUDIT_ACTIONS) - last
    assert ("◀ Newer", f"audit:f:all:{ADMIN_ID}:{last - 15}") in older.buttons
    assert not any(label.startswith("Older") for label, _data in older.buttons)
    no_raw_code(older.text)

    empty = (await bot.press(admin, f"audit:f:train:{COORDINATOR_ID}:0"))[-1]
    assert "No recorded actions match this filter." in empty.text


async def test_audit_reads_in_arabic(bot: BotHarness) -> None:
    await seed(bot)
    omar = bot.user(COORDINATOR_ID, "Omar", "ar")
    [first] = await bot.command(omar, "/audit")
    no_raw_code(first.text)
    assert "need" not in first.text and "approved" not in first.text
    assert "اعتماد" in first.text
    labels = [label for label, _data in first.buttons]
    assert "🗂 حسب النوع" in labels
    page = (await bot.press(omar, "audit:f:export:0:0"))[-1]
    assert "الاحتياجات والمناوبات مع قوائم المتطوعين" in page.text
    assert "need" not in page.text.lower()


async def test_audit_filters_refuse_volunteers_and_stale_codes(bot: BotHarness) -> None:
    await seed(bot)
    vera = bot.user(830, "Vera", "en")
    await bot.command(vera, "/help")
    for data in ("audit:f:needs:0:0", "audit:k:all:0", "audit:a:all:0"):
        calls = await bot.press(vera, data)
        assert [c.method for c in calls] == ["answerCallbackQuery"], data
        assert calls[0].params["text"].startswith("Sorry")
    admin = bot.user(ADMIN_ID, "Admin", "en")
    for data in ("audit:f:nonsense:0:0", "audit:f:all:999999:0"):
        calls = await bot.press(admin, data)
        assert [c.method for c in calls] == ["answerCallbackQuery"], data

"""The import rules of DESIGN.md, checked on the source (ast), so they stay true.

- handlers and flows never import each other (bot.flows.kit is shared by both);
- only bot/app.py imports handlers and flows (the one composition root);
- pure modules import neither telegram nor bot.db;
- operations import no telegram;
- nothing outside bot/db.py holds SQL transactions in handlers or flows.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"
PURE = (
    "matching", "needs", "volunteers", "audience", "assignments", "catalog", "richtext", "clock",
    "answers", "offer_check",
)


def _module(path: Path) -> str:
    parts = path.relative_to(BOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module `path` imports (`from bot import db` counts as bot.db)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


SOURCES = sorted(BOT.rglob("*.py"))


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _is_flow(name: str) -> bool:
    return _within(name, "bot.flows") and not _within(name, "bot.flows.kit") and name != "bot.flows"


def _violations(check) -> list[str]:  # type: ignore[no-untyped-def]
    bad = []
    for path in SOURCES:
        module = _module(path)
        for imported in sorted(_imports(path)):
            if check(module, imported):
                bad.append(f"{module} imports {imported}")
    return bad


def test_handlers_and_flows_never_import_each_other() -> None:
    def crosses(module: str, imported: str) -> bool:
        if _within(module, "bot.handlers"):
            return _is_flow(imported) or (
                _within(imported, "bot.handlers") and imported not in ("bot.handlers",)
                and not _within(imported, module)
            )
        if _is_flow(module):
            return _within(imported, "bot.handlers")
        return False

    assert _violations(crosses) == []


def test_only_the_composition_root_imports_handlers_and_flows() -> None:
    def wires(module: str, imported: str) -> bool:
        if module == "bot.app" or _within(module, "bot.handlers") or _within(module, "bot.flows"):
            return False
        return _within(imported, "bot.handlers") or _is_flow(imported)

    assert _violations(wires) == []


@pytest.mark.parametrize("layer", ["pure", "texts", "operations"])
def test_layers_keep_out_of_telegram_and_sql(layer: str) -> None:
    def leaks(module: str, imported: str) -> bool:
        if layer == "pure" and module in {f"bot.{name}" for name in PURE}:
            return _within(imported, "telegram") or _within(imported, "bot.db")
        if layer == "texts" and _within(module, "bot.texts"):
            return _within(imported, "telegram") or _within(imported, "bot.db")
        if layer == "operations" and _within(module, "bot.operations"):
            return _within(imported, "telegram")
        return False

    assert _violations(leaks) == []


def test_no_transaction_in_handlers_or_flows() -> None:
    holders = [
        f"{path.relative_to(BOT.parent)}:{number}"
        for folder in ("handlers", "flows")
        for path in sorted((BOT / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "transaction()" in line
    ]
    assert holders == []

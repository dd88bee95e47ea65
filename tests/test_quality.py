"""Project-wide checks that run with the suite: lint, catalogs, benchmarks at quick sizes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def test_ruff_is_clean() -> None:
    result = run("-m", "ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_no_error_in_bot() -> None:
    # One `# type: ignore` is left, on purpose: Database._conn (bot/db.py) is a read-only
    # property over the query mixin's attribute.
    result = run("-m", "mypy")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


def test_every_string_is_translated_in_every_catalog() -> None:
    result = run("-m", "bot", "i18n", "check")
    assert result.returncode == 0, result.stdout
    assert "0 untranslated entries" in result.stdout


def test_benchmarks_run_at_quick_sizes() -> None:
    result = run("-m", "bench", "--quick")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("bench ")]
    assert lines, result.stdout
    for line in lines:
        assert "; target " in line and line.rstrip().endswith(("PASS", "SHORT")), line


def test_readme_documents_every_setting_with_its_default() -> None:
    from bot.config import Settings

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, default, _doc in Settings.variables():
        row = next((line for line in readme.splitlines() if line.startswith(f"| `{name}` |")), None)
        assert row is not None, f"{name} is not in the README's configuration table"
        assert (f"`{default}`" if default else "—") in row, row


def test_readme_quick_start_has_exactly_two_commands_and_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = quick_start.split("```")[1::2]
    assert len(blocks) == 2
    test_command = blocks[1].strip()
    assert "pytest" in test_command
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")

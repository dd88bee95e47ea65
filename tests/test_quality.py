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

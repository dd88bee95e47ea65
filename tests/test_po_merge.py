"""The catalog merge driver (scripts/po_merge.py) merges entry by entry against the common
ancestor: a retranslation or a dropped entry on one side is kept, not undone by the other."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "po_merge.py"


def _write(path: Path, entries: dict[str, str]) -> Path:
    catalog = Catalog(locale="ar")
    for msgid, msgstr in entries.items():
        catalog.add(msgid, msgstr)
    with path.open("wb") as handle:
        write_po(handle, catalog)
    return path


def test_each_side_keeps_what_it_changed(tmp_path: Path) -> None:
    base = _write(tmp_path / "base.po", {"Old": "قديم", "Word": "كلمة", "Kept": "باقٍ"})
    ours = _write(tmp_path / "ours.po", {"Word": "كلمة", "Kept": "باقٍ", "Mine": "لي"})
    theirs = _write(tmp_path / "theirs.po", {"Old": "قديم", "Word": "لفظ", "Theirs": "لهم"})
    subprocess.run([sys.executable, str(SCRIPT), str(base), str(ours), str(theirs)], check=True)
    with ours.open("rb") as handle:
        merged = {m.id: m.string for m in read_po(handle) if m.id}
    # "Old" we dropped stays dropped; "Kept" they dropped goes; "Word" takes their retranslation.
    assert merged == {"Word": "لفظ", "Mine": "لي", "Theirs": "لهم"}

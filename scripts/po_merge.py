"""A git merge driver for gettext catalogs: the union of entries, translations kept from both sides.

Enable it once per clone:
    git config merge.po.name "gettext catalog union"
    git config merge.po.driver ".venv/bin/python scripts/po_merge.py %O %A %B"
(.gitattributes routes locales/**/*.po and *.pot to it.) Run `python -m bot i18n update` after a
merge to drop entries the code no longer uses.
"""

from __future__ import annotations

import sys

from babel.messages.pofile import read_po, write_po


def main(base_path: str, ours_path: str, theirs_path: str) -> int:
    with open(ours_path, "rb") as handle:
        ours = read_po(handle)
    with open(theirs_path, "rb") as handle:
        theirs = read_po(handle)
    try:
        with open(base_path, "rb") as handle:
            base = read_po(handle)
    except (OSError, ValueError):
        base = None
    for message in theirs:
        if not message.id:
            continue
        mine = ours.get(message.id, message.context)
        if mine is None:
            ours[message.id] = message
        elif not _translated(mine) and _translated(message):
            mine.string = message.string
        elif _translated(message) and base is not None:
            # A translation changed on their side only (a retranslation) wins over ours, which
            # is still the common ancestor's.
            old = base.get(message.id, message.context)
            if old is not None and mine.string == old.string and message.string != old.string:
                mine.string = message.string
    with open(ours_path, "wb") as handle:
        write_po(handle, ours, width=100, sort_output=True, no_location=True)
    return 0


def _translated(message: object) -> bool:
    string = message.string  # type: ignore[attr-defined]
    return all(string) if isinstance(string, tuple) else bool(string)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))

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
        old = base.get(message.id, message.context) if base is not None else None
        if mine is None and old is not None and old.string == message.string:
            continue  # we dropped it and they did not change it: it stays dropped
        if mine is None:
            ours[message.id] = message
        elif not _translated(mine) and _translated(message):
            mine.string = message.string
        elif (
            _translated(message) and old is not None
            and mine.string == old.string and message.string != old.string
        ):
            # A translation changed on their side only (a retranslation) wins over ours, which
            # is still the common ancestor's.
            mine.string = message.string
    if base is not None:
        for message in list(base):
            mine = ours.get(message.id, message.context) if message.id else None
            if mine is not None and theirs.get(message.id, message.context) is None \
                    and mine.string == message.string:
                ours.delete(message.id, message.context)  # they dropped it, we did not change it
    with open(ours_path, "wb") as handle:
        write_po(handle, ours, width=100, sort_output=True, no_location=True)
    return 0


def _translated(message: object) -> bool:
    string = message.string  # type: ignore[attr-defined]
    return all(string) if isinstance(string, tuple) else bool(string)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))

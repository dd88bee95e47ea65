"""Fill translations into a catalog from a Python file holding a dict `T` (msgid -> msgstr).

    PYTHONPATH=. .venv/bin/python scripts/fill_po.py ar translations.py

Only empty entries are filled unless --force is given; unknown msgids are reported.
"""

from __future__ import annotations

import runpy
import sys

from babel.messages.pofile import read_po, write_po

from bot.i18n import LOCALES_DIR


def main(argv: list[str]) -> int:
    force = "--force" in argv
    locale, source = [a for a in argv if a != "--force"][:2]
    table: dict[str, str] = runpy.run_path(source)["T"]
    path = LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    filled = 0
    for msgid, msgstr in table.items():
        message = catalog.get(msgid)
        if message is None:
            print(f"not in the catalog: {msgid[:60]!r}")
            continue
        if force or not message.string:
            message.string = msgstr
            filled += 1
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True, no_location=True)
    print(f"filled {filled} entries in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""`python -m bot i18n update|check`: extract messages with pybabel and keep the catalogs tidy.

update: extract `_()`, `N_()` and `ngettext()` from bot/ into locales/messages.pot, merge it into
every locales/<lang>/LC_MESSAGES/messages.po (English is the source language, so its entries are
filled with the source text), with fixed header dates and no line numbers so that branches merge.
check: list entries that still lack a translation, whose placeholders differ from the source,
whose catalog's Plural-Forms header disagrees with CLDR's plural rules, or that put a number
before a countable noun without ngettext ("{slots} volunteers": Arabic needs six forms), or whose
Arabic addresses a reader of unknown gender, or a woman, in the masculine («اضغط»، «هل تريد»); exit
1 if any.
"""

from __future__ import annotations

import gettext
import re
import string
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po
from babel.plural import to_gettext

from bot.config import SUPPORTED_LOCALES
from bot.i18n import DOMAIN, LOCALES_DIR

ROOT = LOCALES_DIR.parent
POT = LOCALES_DIR / f"{DOMAIN}.pot"
SOURCE_LOCALE = "en"
# CLDR's plural categories, in the order gettext numbers a catalog's forms.
CLDR_ORDER = ("zero", "one", "two", "few", "many", "other")
PLURAL_CHECK_RANGE = range(0, 1001)
# A placeholder followed by a countable noun (at most one adjective between) in a msgid that is
# not a plural entry: "{n} accepted volunteers", "{high} characters". A heuristic: placeholders
# that are not counts ("{site} for the shifts") fall outside it because no adjective is allowed
# there; a sentence it catches wrongly goes in COUNT_ALLOWED with the reason.
COUNTABLE_NOUNS = (
    "volunteers?|places?|seats?|days?|minutes?|hours?|characters?|years?|shifts?|"
    "representatives?|needs?|offers?|cancellations?|stars?|messages?|entries|people|persons?|"
    "weeks?|months?|rows?|users?|recipients?|members?|sessions?|lectures?|certificates?|"
    "invitations?|words?|times|points?|volunteer|coordinators?|admins?"
)
COUNT_ADJECTIVES = "accepted|more|new|open|late|active|paused|free|other|unanswered|left"
COUNTED = re.compile(
    rf"\{{(\w+)\}}\s+(?:(?:{COUNT_ADJECTIVES})\s+)?(?:{COUNTABLE_NOUNS})\b", re.IGNORECASE
)
COUNT_ALLOWED: frozenset[str] = frozenset({
    # "{icon} Need {id}": the icon is not a number.
    "{icon} Need {id}: {title}",
})

# Address (docs/GLOSSARY.md): an Arabic entry without a context is read by people whose gender is
# not stored (office staff, representatives, newcomers), a "female" one by a woman; neither may
# speak to the reader in the masculine. Caught: a masculine singular imperative starting a clause
# (at the start, after punctuation or «أو»/«ثم», with a و/ف prefix and an object pronoun
# allowed), «تريد/ترغب/تستطيع» (a woman reads «تريدين»), «أنت» + a masculine participle, and a
# masculine predicate after «لست/أصبحت/كنت/لم تعد...» («لست ممثلًا»). Short vowels are ignored
# except the damma, which tells a passive from an imperative («أُرسل العرض», «أرسل /cancel»).
# Only words with no other common reading are listed («سجّل» and «تابع» are also past tense and
# nouns). The "male" entries (and "to a man") are exempt, and so are the audit lines (third person:
# «أرسل {actor} الرسالة الجماعية»).
ADDRESS_LOCALES = frozenset({"ar"})
ADDRESS_EXEMPT_CONTEXTS = frozenset({"male", "to a man", "audit"})
MASCULINE_IMPERATIVES = (
    "اضغط", "انقر", "اكتب", "اختر", "أرسل", "أدخل", "افتح", "اطلب", "انشر", "راجع", "شارك", "أضف",
    "أعد", "حاول", "تحقق", "تأكد", "تواصل", "استخدم", "جرب", "انظر", "احذف", "احتفظ", "امسح",
    "الصق", "ألغ", "أبق", "أزل", "اعرض", "اقبل", "أجب", "حدد", "اطلع", "أخبر", "أكد", "ابدأ",
    "انتظر", "اقرأ",
)
_SHORT_VOWELS = re.compile("[\u064b-\u064e\u0650-\u0652\u0670\u0640]")  # all but the damma
_CLAUSE = r"(?:^|(?<=[.،,:;؛؟?!\n(—–])\s*|(?<=\s)(?:أو|ثم)\s+)"
_OBJECT = r"(?:ه|ها|هم|هما|نا|ني)?"
_WORD_END = r"(?=$|[\s.،,:;؛؟?!)»\"])"
MASCULINE_ADDRESS = (
    re.compile(rf"{_CLAUSE}[وف]?(?:{'|'.join(MASCULINE_IMPERATIVES)}){_OBJECT}{_WORD_END}"),
    re.compile(rf"(?<!\S)(?:هل\s+|ماذا\s+)?(?:تريد|ترغب|تستطيع){_OBJECT}{_WORD_END}"),
    re.compile(
        r"(?<!\S)أنت\s+(?:ممثل|مسجل|مدعو|نشط|متاح|مؤهل|مدرب|موقوف|متوقف|منسق|مدير|قادر|مستعد|متأكد)(?!\w)"
    ),
    re.compile(r"(?<!\S)(?:لست|أصبحت|كنت|لم تعد|ما زلت|لا تزال|صرت)\s+\w{2,}ا(?!\w)"),
    re.compile(r"(?<!\S)غير\s+قادر(?!\w)"),
)
ADDRESS_ALLOWED: frozenset[str] = frozenset({
    # «أرسله {name} في {when}»: past tense, of the person who submitted the need.
    "Submitted by {name} on {when}.",
})


def masculine_address(text: str) -> list[str]:
    """The words of an Arabic translation that address the reader in the masculine."""
    plain = _SHORT_VOWELS.sub("", text)
    return [match.group(0).strip() for pattern in MASCULINE_ADDRESS for match in pattern.finditer(plain)]


def cldr_plural_forms(locale: str) -> str:
    """The Plural-Forms header CLDR gives for `locale` (forms numbered in CLDR order)."""
    return to_gettext(Locale.parse(locale).plural_form)


def plural_mismatches(locale: str, header: str) -> list[int]:
    """The numbers in 0..1000 whose form the header picks differently from CLDR."""
    rule = Locale.parse(locale).plural_form
    categories = [tag for tag in CLDR_ORDER if tag in rule.tags or tag == "other"]
    match = re.search(r"plural=(.+?);?\s*$", header)
    if match is None:
        return list(PLURAL_CHECK_RANGE)
    try:
        pick = gettext.c2py(match.group(1).rstrip(";"))
    except ValueError:
        return list(PLURAL_CHECK_RANGE)
    return [n for n in PLURAL_CHECK_RANGE if pick(n) != categories.index(rule(n))]


def _placeholders(text: object) -> set[str]:
    try:
        return {name for _lit, name, _spec, _conv in string.Formatter().parse(str(text or "")) if name is not None}
    except ValueError:
        return {"<unbalanced braces>"}


def uncounted(msgid: str) -> list[str]:
    """The "{n} nouns" of a singular msgid that should be an ngettext entry (empty when fine)."""
    if msgid in COUNT_ALLOWED:
        return []
    return [match.group(0) for match in COUNTED.finditer(msgid)]


def addressed_in_the_masculine(
    locale: str, context: str | None, msgid: str, strings: Sequence[str]
) -> list[str]:
    """What in an entry's translations speaks to the reader in the masculine (empty when fine,
    or when the entry is a "male" one, an audit line, or in ADDRESS_ALLOWED)."""
    if locale not in ADDRESS_LOCALES or context in ADDRESS_EXEMPT_CONTEXTS or msgid in ADDRESS_ALLOWED:
        return []
    return sorted({word for text in strings for word in masculine_address(str(text or ""))})


def _set_plural_header(catalog: Catalog, locale: str) -> None:
    headers = [(k, v) for k, v in catalog.mime_headers if k.lower() != "plural-forms"]
    catalog.mime_headers = [*headers, ("Plural-Forms", cldr_plural_forms(locale))]


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def _catalogs() -> list[tuple[str, Path]]:
    for locale in SUPPORTED_LOCALES:
        path = LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not path.exists():
            _pybabel("init", "-i", str(POT), "-o", str(path), "-l", locale)
    return sorted(
        (path.parent.parent.name, path) for path in LOCALES_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")
    )


def _tidy(path: Path, locale: str | None) -> None:
    """Stable headers (no dates), source text for English, obsolete entries dropped."""
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    catalog.project, catalog.version = "Aoun", "1"
    catalog.copyright_holder = "Aoun contributors"
    catalog.msgid_bugs_address = ""
    catalog.creation_date = catalog.revision_date = datetime(2026, 1, 1, tzinfo=UTC)
    catalog.last_translator = catalog.language_team = "Aoun contributors"
    catalog.obsolete.clear()
    if locale is not None:  # never keep an old Babel's formula (Babel issue #816)
        _set_plural_header(catalog, locale)
    if locale == SOURCE_LOCALE:
        for message in catalog:
            if message.id and not message.string:
                message.string = message.id
            elif isinstance(message.id, tuple) and not any(message.string or ()):
                message.string = (message.id[0], message.id[1])
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, sort_output=True, no_location=True)


def _gendered_messages() -> set[str]:
    """The msgids written with G_() (they address the reader)."""
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT / "bot"), keywords={"G_": None}
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _add_gendered(path: Path) -> None:
    """Every G_() string also gets a "male" and a "female" entry (pgettext contexts), translated
    as addressed to a man and to a woman; the entry without a context is the neutral phrasing."""
    with path.open("rb") as handle:
        catalog = read_po(handle)
    for msgid in sorted(_gendered_messages()):
        flags = ["python-brace-format"] if _placeholders(msgid) else []
        for gender in ("male", "female"):
            if catalog.get(msgid, context=gender) is None:
                catalog.add(msgid, context=gender, flags=flags)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, sort_output=True, no_location=True)


def update() -> int:
    _pybabel(
        "extract", "--no-location", "--sort-output", "-k", "N_", "-k", "ngettext:1,2", "-k", "P_:1c,2",
        "-k", "G_",
        "--project", "Aoun", "--version", "1", "-w", "100", "-o", str(POT), str(ROOT / "bot"),
    )
    _add_gendered(POT)
    _tidy(POT, None)
    for locale, path in _catalogs():
        _pybabel(
            "update", "--no-fuzzy-matching", "--ignore-obsolete",
            "-w", "100", "-i", str(POT), "-o", str(path), "-l", locale,
        )
        _tidy(path, locale)
    return check()


def _source_messages() -> set[str]:
    """Every msgid the code uses now (singular ids for plurals)."""
    keywords = {**DEFAULT_KEYWORDS, "N_": None, "ngettext": (1, 2), "P_": ((1, "c"), 2), "G_": None}
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT / "bot"), keywords=keywords
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def check() -> int:
    missing = 0
    in_code = _source_messages()
    for locale, path in _catalogs():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        known = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog if m.id}
        header = dict(catalog.mime_headers).get("Plural-Forms", "")
        wrong = plural_mismatches(locale, header)
        if wrong:
            missing += 1
            print(f"{locale}: Plural-Forms picks the wrong form for n = {wrong[:8]} (run update)")
        for msgid in sorted(in_code - known):
            missing += 1
            print(f"{locale}: not in the catalog (run `python -m bot i18n update`): {msgid!r}")
        for message in catalog:
            if not message.id:
                continue
            if (
                locale == SOURCE_LOCALE and isinstance(message.id, str) and message.id in in_code
                and uncounted(message.id)
            ):
                missing += 1
                print(
                    f"a count without ngettext ({uncounted(message.id)}; use ngettext, or say why "
                    f"in COUNT_ALLOWED of bot/i18n_tool.py): {message.id!r}"
                )
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if not all(strings) or message.fuzzy:
                missing += 1
                print(f"{locale}: untranslated: {message.id!r}")
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            masculine = addressed_in_the_masculine(
                locale, message.context, str(ids[0]), [str(text) for text in strings]
            )
            if masculine:
                missing += 1
                print(
                    f"{locale}: addresses the reader in the masculine ({masculine}; write «يُرجى + "
                    f"مصدر» or use G_(), docs/GLOSSARY.md): {message.context or ''} {ids[0]!r}"
                )
            expected = set().union(*(_placeholders(i) for i in ids))
            for translated in strings:
                # A plural form may leave the number out ("one volunteer"), never add a name.
                extra = _placeholders(translated) - expected
                lost = expected - _placeholders(translated) - {"n", "count"}
                if extra or (lost and not isinstance(message.id, tuple)):
                    missing += 1
                    print(f"{locale}: placeholders differ ({sorted(extra | lost)}): {message.id!r}")
    print(f"{missing} untranslated entries")
    return 1 if missing else 0


def main(action: str) -> int:
    if action == "update":
        return update()
    return check()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "check"))

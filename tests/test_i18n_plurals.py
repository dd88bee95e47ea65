"""Plural forms follow CLDR in every catalog, so no `pybabel update` can bring back the swapped
forms 4 and 5 of an old Babel (issue #816): «تبقّى 11 مكان» and «100 متطوعًا» were the result."""

from __future__ import annotations

import gettext

import pytest
from babel import Locale
from babel.messages.pofile import read_po

from bot.config import SUPPORTED_LOCALES
from bot.i18n import LOCALES_DIR, ngettext, use_locale
from bot.i18n_tool import CLDR_ORDER, _source_messages, plural_mismatches, uncounted

OLD_ARABIC_HEADER = (
    "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "
    "n%100>=0 && n%100<=2 ? 4 : 5);"
)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_each_catalogs_formula_picks_cldrs_form_for_0_to_1000(locale: str) -> None:
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        header = dict(read_po(handle, locale=locale).mime_headers)["Plural-Forms"]
    rule = Locale.parse(locale).plural_form
    forms = [tag for tag in CLDR_ORDER if tag in rule.tags or tag == "other"]
    pick = gettext.c2py(header.split("plural=", 1)[1].rstrip(";"))
    assert [n for n in range(1001) if forms[pick(n)] != rule(n)] == []


def test_the_old_babel_header_is_caught() -> None:
    assert plural_mismatches("ar", OLD_ARABIC_HEADER)[:3] == [11, 12, 13]


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, "لم يتبقَّ أي مكان"), (1, "تبقّى مكان واحد"), (2, "تبقّى مكانان"), (3, "تبقّت 3 أماكن"),
     (11, "تبقّى 11 مكانًا"), (99, "تبقّى 99 مكانًا"), (100, "تبقّى 100 مكان"), (103, "تبقّت 103 أماكن")],
)
def test_arabic_counts_read_naturally(n: int, expected: str) -> None:
    with use_locale("ar"):
        assert ngettext("{n} place left", "{n} places left", n).format(n=n).startswith(expected)


@pytest.mark.parametrize(("n", "expected"), [(3, "3 متطوعين"), (11, "11 متطوعًا"), (100, "100 متطوع")])
def test_arabic_volunteer_counts(n: int, expected: str) -> None:
    with use_locale("ar"):
        assert ngettext("{n} volunteer", "{n} volunteers", n).format(n=n) == expected


@pytest.mark.parametrize(
    "msgid",
    ["{accepted} of {slots} places taken.", "A shift ahead already has {n} accepted volunteers.",
     "Please type between {low} and {high} characters.", "Sorry, volunteers must be at least {age} years old."],
)
def test_the_check_catches_a_count_written_without_ngettext(msgid: str) -> None:
    assert uncounted(msgid)


@pytest.mark.parametrize(
    "msgid",
    ["Places taken: {accepted} of {slots}.", "We are sorry: the organisers cancelled “{title}” at {site} "
     "for the shifts below.", "{icon} Need {id}: {title}", "{status} · {slots} per shift"],
)
def test_the_check_leaves_sentences_without_a_counted_noun(msgid: str) -> None:
    assert uncounted(msgid) == []


def test_no_catalog_entry_puts_a_number_before_a_noun_without_ngettext() -> None:
    with (LOCALES_DIR / "en" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="en")
    in_code = _source_messages()  # a merge may leave entries no code uses until `i18n update`
    assert [m.id for m in catalog if isinstance(m.id, str) and m.id in in_code and uncounted(m.id)] == []


@pytest.mark.parametrize(
    ("n", "expected"),
    [(3, "يُرجى كتابة نص من 3 إلى 3 أحرف."), (80, "يُرجى كتابة نص من 3 إلى 80 حرفًا."), (500, "يُرجى كتابة نص من 3 إلى 500 حرف.")],
)
def test_ranges_of_characters_agree_with_their_upper_bound(n: int, expected: str) -> None:
    with use_locale("ar"):
        text = ngettext(
            "Please type between {low} and {high} character.", "Please type between {low} and {high} characters.", n
        )
        assert text.format(low=3, high=n) == expected


def test_arabic_many_form_takes_the_accusative_and_other_does_not() -> None:
    """11-99 count a singular accusative noun («11 يومًا»), 100+ a genitive one («100 يوم»): an
    entry whose "other" form has the tanween its "many" form lacks has the two swapped."""
    with (LOCALES_DIR / "ar" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="ar")
    swapped = [
        message.id[0] for message in catalog
        if message.id and isinstance(message.id, tuple) and len(message.string) == 6
        and "\u064b" in message.string[5] and "\u064b" not in message.string[4]
    ]
    assert swapped == []

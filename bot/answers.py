"""Answers as people type them, in Arabic and English: pure, no Telegram and no SQL.

Wherever the bot offers buttons it also takes the typed word ("ذكر", "yes", "الأردية"); a site
may come as a pasted Google or Apple Maps link or as "24.4936, 39.5905"; names and titles lose
the bidi control characters that would reverse the rest of a line for other readers.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from urllib.parse import parse_qs, unquote, urlparse

from bot import catalog
from bot.i18n import DateInputError, normalize_digits, parse_date, translations

# Bidi embeddings, overrides and isolates, marks, and zero-width characters other than the
# joiners Arabic and Persian names need (ZWNJ/ZWJ stay).
BIDI_CONTROLS = re.compile("[\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff]")
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"})


def strip_bidi_controls(text: str) -> str:
    """`text` without direction-changing invisible characters (a name like "‮Ali" reverses
    every line it is shown in), with its spaces tidied."""
    return " ".join(BIDI_CONTROLS.sub("", text or "").split())


def fold(text: str) -> str:
    """A typed word in a comparable form: lower case, no diacritics or tatweel, one alef, and
    the article «ال» optional."""
    word = _ARABIC_MARKS.sub("", unicodedata.normalize("NFKC", strip_bidi_controls(text))).lower()
    word = word.translate(_FOLD).strip(" .!،,؟?")
    return word


def _without_article(word: str) -> str:
    return word[2:] if word.startswith("ال") and len(word) > 3 else word


_GENDER_WORDS = {
    "male": {"ذكر", "رجل", "ذكور", "male", "man", "m", "boy", "mr"},
    "female": {"انثي", "انثى", "امراه", "امرأة", "نساء", "female", "woman", "f", "girl", "ms", "mrs"},
}
_YES = {"نعم", "اي", "ايوه", "ايوا", "اجل", "موافق", "بلي", "yes", "y", "yeah", "yep", "ok", "okay", "sure"}
_NO = {"لا", "كلا", "ليس", "no", "n", "nope", "not now", "لاحقا", "ليس الان"}


def typed_gender(text: str) -> str | None:
    """"ذكر" / "أنثى" / "male" / "F" -> the catalog's gender code."""
    word = fold(text)
    for code, words in _GENDER_WORDS.items():
        if word in {fold(w) for w in words}:
            return code
    return None


def typed_yes_no(text: str) -> bool | None:
    word = fold(text)
    if word in {fold(w) for w in _YES}:
        return True
    if word in {fold(w) for w in _NO}:
        return False
    return None


# Names people type that the catalog's labels do not give: colloquial adjectives («عربي»،
# «انجليزي» come from the labels), other spellings, and common words for a field of work.
TYPED_ALIASES: dict[str, tuple[str, ...]] = {
    "en": ("انكليزي", "انقليزي", "eng"),
    "ur": ("اردو", "اوردو", "الاوردية", "اوردي"),
    "id": ("اندونيسي", "bahasa", "bahasa indonesia"),
    "bn": ("بنجالي", "البنجالية", "bangla"),
    "fa": ("farsi",),
    "ms": ("ملايو", "ماليزي", "الماليزية", "malaysian"),
    "zh": ("mandarin",),
    "other": ("اخرى", "غير ذلك", "another language", "others"),
    "healthcare": ("اسعاف", "الاسعافات الاولية", "اسعافات اولية", "صحي", "طبي", "first aid",
                   "medical", "health"),
    "environment": ("النظافة", "نظافه"),
    "crowd_management": ("الحشود", "تفويج", "التفويج", "crowds"),
    "education": ("التعليم", "تعليم"),
    "research": ("بحوث", "الابحاث", "ابحاث", "البحوث"),
    "guidance": ("الارشاد", "ارشاد", "guiding"),
    "translation": ("interpreting", "interpretation"),
    "elderly_care": ("كبار السن", "المسنين", "elderly"),
    "lost_children": ("الاطفال التائهين", "الاطفال المفقودين", "التائهين"),
    "special_needs": ("ذوي الاعاقة", "ذوي الاحتياجات الخاصة", "الاحتياجات الخاصة", "disabilities"),
    "gift_distribution": ("الهدايا", "توزيع هدايا", "gifts"),
    "reception_farewell": ("الاستقبال", "الاستقبال والتوديع", "reception", "استقبال وتوديع"),
}


@functools.cache
def _names_of(item: catalog.Item) -> frozenset[str]:
    """Every way to type an item: its code, its English and Arabic labels, the adjective a label
    comes from («العربية» -> «عربي»), and its TYPED_ALIASES (the catalogs are loaded once, so
    this is worked out once per item: a search reads it for every word)."""
    names = {item.code, item.label, *TYPED_ALIASES.get(item.code, ())}
    for locale in ("ar", "en"):
        names.add(translations(locale).ugettext(item.label))
    folded = {fold(name) for name in names}
    bare = {_without_article(name) for name in folded}
    adjectives = {name[:-1] for name in bare if name.endswith("يه") and " " not in name}
    return frozenset(folded | bare | adjectives)


def typed_choice(text: str, items: tuple[catalog.Item, ...]) -> str | None:
    """A catalog item typed by name in Arabic or English ("الأردية", "urdu", "ur", «عربي»)."""
    word = fold(text)
    candidates = {word, _without_article(word), word.removesuffix("ه")}
    for prefix in ("اللغه ", "لغه "):
        if word.startswith(prefix):
            rest = word.removeprefix(prefix)
            candidates |= {rest, rest.removesuffix("ه")}
    candidates.add(word.removesuffix(" language"))
    for item in items:
        if candidates & _names_of(item):
            return item.code
    return None


# Words that join the items of a typed list; commas and the like separate them outright.
_CONJUNCTIONS = frozenset({"و", "and", "&", "+"})
_SEPARATORS = re.compile(r"[,،;/\n]+")
_LONGEST_NAME = 4  # words: «الاسعافات الأولية», "Reception and farewell"


def _typed_list(text: str, items: tuple[catalog.Item, ...]) -> tuple[list[str], list[str]]:
    """Items typed one after the other, as people type them: separated by commas, «و» (alone
    or on the next word: «والأردية»), "and", "&"; an item's own name may have several words
    («الاستقبال والتوديع»): the longest name that fits is taken first. Returns (codes, unknown
    phrases), each in the order typed."""
    whole = typed_choice(text or "", items)  # "لغة أخرى", "Other language"
    if whole is not None:
        return [whole], []
    codes: list[str] = []
    unknown: list[str] = []
    for chunk in _SEPARATORS.split(normalize_digits(strip_bidi_controls(text or ""))):
        words = chunk.replace("&", " & ").replace("+", " + ").split()
        stray: list[str] = []
        i = 0
        while i < len(words):
            if words[i].lower() in _CONJUNCTIONS:
                if stray:
                    unknown.append(" ".join(stray))
                    stray = []
                i += 1
                continue
            code, taken = None, 0
            for j in range(min(len(words), i + _LONGEST_NAME), i, -1):
                if words[j - 1].lower() in _CONJUNCTIONS:
                    continue
                span = " ".join(words[i:j])
                code = typed_choice(span, items)
                if code is None and span.startswith("و"):
                    code = typed_choice(span[1:], items)
                if code is not None:
                    taken = j - i
                    break
            if code is None:
                stray.append(words[i])
                i += 1
                continue
            if stray:
                unknown.append(" ".join(stray))
                stray = []
            if code not in codes:
                codes.append(code)
            i += taken
        if stray:
            unknown.append(" ".join(stray))
    return codes, unknown


def typed_languages(text: str) -> tuple[list[str], list[str]]:
    """Languages typed as a list ("العربية والأردية", «عربي، انجليزي», "Arabic & Urdu"):
    (codes, unknown words)."""
    return _typed_list(text, catalog.LANGUAGES)


# -- places ----------------------------------------------------------------------------------------

_PAIR = re.compile(r"(-?\d{1,3}(?:\.\d+)?)\s*[,،]\s*(-?\d{1,3}(?:\.\d+)?)")


def _valid(lat: float, lon: float) -> tuple[float, float] | None:
    if -90 <= lat <= 90 and -180 <= lon <= 180 and (lat, lon) != (0.0, 0.0):
        return round(lat, 6), round(lon, 6)
    return None


def typed_location(text: str) -> tuple[float, float] | None:
    """(latitude, longitude) from "24.4936, 39.5905" or a pasted Google or Apple Maps link."""
    cleaned = normalize_digits(strip_bidi_controls(text)).strip()
    if not cleaned:
        return None
    if re.match(r"^(https?://|www\.|maps\.|goo\.gl)", cleaned, re.IGNORECASE):
        return _from_link(cleaned)
    match = _PAIR.fullmatch(cleaned)
    return _valid(float(match.group(1)), float(match.group(2))) if match else None


def _from_link(link: str) -> tuple[float, float] | None:
    url = urlparse(link if "://" in link else f"https://{link}")
    text = unquote(url.path + "?" + url.query)
    # Google: .../place/Name/@24.49,39.59,17z/data=!3d24.4936!4d39.5905 (the pin wins over the view)
    pin = re.search(r"!3d(-?\d+(?:\.\d+)?)!4d(-?\d+(?:\.\d+)?)", text)
    if pin:
        return _valid(float(pin.group(1)), float(pin.group(2)))
    query = parse_qs(url.query)
    for key in ("q", "query", "ll", "sll", "daddr", "destination", "center"):
        for value in query.get(key, []):
            match = _PAIR.search(unquote(value))
            if match:
                return _valid(float(match.group(1)), float(match.group(2)))
    view = re.search(r"@(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)", text)
    if view:
        return _valid(float(view.group(1)), float(view.group(2)))
    return None


# -- what a city is not ----------------------------------------------------------------------------


def looks_like_a_date_or_number(text: str) -> bool:
    """"1447-12-08", "12/5", "2026" or "٥٠٠" typed where a place name is asked."""
    cleaned = normalize_digits(strip_bidi_controls(text)).strip()
    return bool(cleaned) and not any(c.isalpha() for c in cleaned)


def looks_like_a_date(text: str) -> bool:
    """"1447-12-08 هـ", "8/12/1447", "2026-05-24 م": a date typed where a place name is asked."""
    try:
        parse_date(text)
    except DateInputError:
        return looks_like_a_date_or_number(text)
    return True


def typed_choices(text: str, items: tuple[catalog.Item, ...]) -> tuple[list[str], list[str]]:
    """Several catalog items typed as a list ("الترجمة والإرشاد", "Relief, first aid",
    «الترجمة والاستقبال والتوديع»): (codes, unknown phrases)."""
    return _typed_list(text, items)


# -- names -----------------------------------------------------------------------------------------

# Words that join the parts of an Arabic name rather than being a name of their own.
NAME_PARTICLES = frozenset({
    "بن", "ابن", "بنت", "ال", "آل", "عبد", "ابو", "أبو", "ابي", "أبي", "ام", "أم", "ذو",
    "bin", "ibn", "bint", "binti", "al", "el", "abd", "abdul", "abu", "abi", "umm", "bn",
})


def name_words(name: str) -> tuple[int, int]:
    """(words, of which particles): «عبد الرحمن بن عبد الله آل الشيخ» is 7 words, 4 particles."""
    words = name.split()
    particles = sum(1 for w in words if fold(w) in {fold(p) for p in NAME_PARTICLES})
    return len(words), particles

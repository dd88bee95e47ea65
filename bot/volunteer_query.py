"""What a coordinator typed after /volunteers, understood: pure, no Telegram and no SQL.

"Urdu nurse Madinah", «الأردية تمريض المدينة», "0501234567", «عبد الله», "paused translators":
each word (or two or three words together) is read as a language, a specialty, a volunteer
status or a city when it names one, in Arabic or English; what is left is a part of a name.
The criteria combine: every one given must hold. A phone number in any format is a phone search.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot import catalog
from bot.answers import fold, strip_bidi_controls, typed_choice
from bot.i18n import normalize_digits, translations
from bot.volunteers import matching_specialties, phone_query_digits, search_key

# Words people type for a field of work that are not its label ("nurse" for Healthcare).
SPECIALTY_WORDS = {
    "healthcare": ("nurse", "nurses", "nursing", "doctor", "doctors", "medic", "medics", "paramedic",
                   "paramedics", "medical", "first aid", "ممرض", "ممرضه", "ممرضين", "ممرضات", "تمريض",
                   "طبيب", "طبيبه", "اطباء", "مسعف", "مسعفين", "اسعاف", "اسعافات اوليه", "صحي", "صحه"),
    "translation": ("translator", "translators", "interpreter", "interpreters", "مترجم", "مترجمين",
                    "مترجمه", "ترجمه"),
    "guidance": ("guide", "guides", "wayfinding", "مرشد", "مرشدين", "ارشاد", "ارشاد المكاني"),
    "traffic": ("مرور", "مروري"),
    "elderly_care": ("elderly", "كبار السن", "المسنين"),
    "lost_children": ("lost children", "children", "الاطفال التائهين", "الاطفال المفقودين"),
    "special_needs": ("disability", "disabilities", "ذوي الاعاقه", "ذوي الاحتياجات الخاصه"),
    "crowd_management": ("crowds", "crowd", "الحشود"),
}
# Names of languages people type that are not the catalogue's label («اردو» for «الأردية»).
LANGUAGE_WORDS = {
    "ur": ("اردو", "اوردو", "الاوردو", "urdu speaking"),
    "id": ("اندونيسي", "اندونيسيه", "bahasa"),
    "tr": ("تركي", "تركيه"),
    "fr": ("فرنسي", "فرنسيه"),
    "fa": ("فارسي", "فارسيه", "farsi"),
    "bn": ("بنغالي", "بنجالي", "bangla"),
    "ms": ("ملايو", "ملايوي", "ملاوي"),
    "hi": ("هندي", "هنديه"),
    "ru": ("روسي", "روسيه"),
    "zh": ("صيني", "صينيه", "mandarin"),
    "en": ("انجليزي", "انكليزي", "انجليزيه"),
    "ar": ("عربي", "عربيه"),
    "ha": ("هوسا", "هاوسا"),
}
STATUS_WORDS = {
    "pending": ("pending", "waiting", "waiting for approval", "new", "بانتظار", "بانتظار الموافقه",
                "معلق", "جديد", "جدد"),
    "active": ("active", "نشط", "نشطون", "نشطين", "فعال"),
    "paused": ("paused", "متوقف", "متوقفون", "متوقف مؤقتا", "متوقفين"),
    "suspended": ("suspended", "موقوف", "موقوفون", "موقوفين"),
}
# Words that join criteria and mean nothing by themselves.
FILLER = {"and", "or", "in", "at", "from", "who", "speaks", "speak", "speaking", "speakers", "speaker",
          "language", "volunteers", "volunteer", "with", "و", "في", "من", "يتحدث", "يتحدثون", "يجيد",
          "يجيدون", "لغه", "اللغه", "متطوع", "متطوعين", "متطوعون", "مع"}
LONGEST = 3  # words read together as one label ("بانتظار الموافقة", "first aid")


@dataclass(frozen=True)
class Search:
    """The criteria of one search; empty means it names nothing."""

    phone: str | None = None
    languages: tuple[str, ...] = ()
    specialties: tuple[tuple[str, ...], ...] = ()  # each group: any of these codes
    status: str | None = None
    cities: tuple[str, ...] = ()  # city words: codes of the catalogue, or folded typed words
    name: str = ""  # what is left: a part of a name
    # A lone unknown word may also be a part of a specialty's label ("trans") or a typed city:
    # then the name, these specialties or these cities match (any of them).
    or_specialties: tuple[str, ...] = ()
    or_cities: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.phone or self.languages or self.specialties or self.status or self.cities
                    or self.name)


@functools.cache
def _labels(item: catalog.Item) -> frozenset[str]:
    names = {fold(item.code.replace("_", " ")), fold(item.label)}
    for locale in ("ar", "en"):
        names.add(fold(translations(locale).ugettext(item.label)))
    return frozenset(names | {n[2:] for n in names if n.startswith("ال") and len(n) > 4})


@functools.cache
def _status_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for code, words in STATUS_WORDS.items():
        for word in words:
            names[fold(word)] = code
        for locale in ("ar", "en"):
            names[fold(translations(locale).upgettext("volunteer status", _VOLUNTEER_LABELS[code]))] = code
    return names


_VOLUNTEER_LABELS = {"pending": "waiting for approval", "active": "active", "paused": "paused",
                     "suspended": "suspended"}


@functools.cache
def _city_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for code, label in catalog.CITY_LABELS.items():
        variants = {fold(code.replace("_", " ")), fold(label)}
        for locale in ("ar", "en"):
            variants.add(fold(translations(locale).ugettext(label)))
        for variant in variants:
            names[variant] = code
            names[variant.removeprefix("al-").removeprefix("al ")] = code
            if variant.startswith("ال") and len(variant) > 4:
                names[variant[2:]] = code
    return names


@functools.cache
def _folded_words(kind: str) -> dict[str, str]:
    """SPECIALTY_WORDS or LANGUAGE_WORDS as folded word -> code (the first code naming it)."""
    table = SPECIALTY_WORDS if kind == "specialty" else LANGUAGE_WORDS
    found: dict[str, str] = {}
    for code, words in table.items():
        for word in words:
            found.setdefault(fold(word), code)
    return found


def _specialty(phrase: str) -> str | None:
    code = typed_choice(phrase, catalog.SPECIALTIES)
    if code:
        return code
    words = _folded_words("specialty")
    return words.get(phrase) or words.get(phrase.removeprefix("ال"))


def _language(phrase: str) -> str | None:
    code = typed_choice(phrase, catalog.LANGUAGES)
    if code is None and phrase.startswith("و"):
        code = typed_choice(phrase[1:], catalog.LANGUAGES)
    if code is None:
        words = _folded_words("language")
        code = words.get(phrase) or words.get(phrase.removeprefix("ال"))
    return code if code != "other" else None


def _city(phrase: str, known: dict[str, str]) -> str | None:
    if phrase in known:
        return known[phrase]
    if phrase.startswith("ال") and phrase[2:] in known:
        return known[phrase[2:]]
    return None


def city_matches(word: str, stored: Iterable[str]) -> list[str]:
    """The stored city values (as typed at registration) that contain `word` as a word, folded."""
    key = search_key(word)
    found = []
    for city in stored:
        words = search_key(city).replace("-", " ").split()
        bare = {w[2:] if w.startswith("ال") and len(w) > 4 else w for w in words}
        if key in words or key in bare or (key.startswith("ال") and key[2:] in bare) or key == search_key(city):
            found.append(city)
    return found


def parse(text: str, stored_cities: Sequence[str] = ()) -> Search:
    """The criteria in a typed search. `stored_cities`: the distinct cities volunteers gave."""
    cleaned = strip_bidi_controls(normalize_digits(text or ""))[:200]
    digits = phone_query_digits(cleaned)
    if digits:
        return Search(phone=digits)
    words = [w for w in re.split(r"[\s,،;/]+", cleaned) if w]
    languages: list[str] = []
    specialties: list[tuple[str, ...]] = []
    cities: list[str] = []
    status: str | None = None
    rest: list[str] = []
    statuses, known_cities = _status_names(), _city_names()
    i = 0
    while i < len(words):
        for size in range(min(LONGEST, len(words) - i), 0, -1):
            phrase = fold(" ".join(words[i:i + size]))
            if size == 1 and phrase in FILLER:
                break
            if phrase in statuses and status is None:
                status = statuses[phrase]
                break
            if (code := _language(phrase)) is not None:
                languages.append(code)
                break
            if (code := _specialty(phrase)) is not None:
                specialties.append((code,))
                break
            if (code := _city(phrase, known_cities)) is not None:
                cities += [code, *city_matches(phrase, stored_cities)]
                break
            if size == 1:
                typed_cities = city_matches(words[i], stored_cities) if len(words) > 1 else []
                if typed_cities and len(search_key(words[i])) >= 3:
                    cities.extend(typed_cities)
                else:
                    rest.append(words[i])
        i += size
    name = " ".join(rest)
    if not (languages or specialties or status or cities) and len(words) == 1 and rest:
        return Search(name=name, or_specialties=tuple(matching_specialties(name)),
                      or_cities=tuple(city_matches(name, stored_cities)))
    return Search(
        languages=tuple(dict.fromkeys(languages)), specialties=tuple(dict.fromkeys(specialties)),
        status=status, cities=tuple(dict.fromkeys(cities)), name=name,
    )

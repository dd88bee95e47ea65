"""The office's fixed catalogues: specialties, languages, availability periods, genders.

Codes are stored; labels are marked with N_ and translated where they are shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_, _


@dataclass(frozen=True)
class Item:
    code: str
    label: str  # N_-marked; show with label()
    description: str = ""

    def label_text(self) -> str:
        return _(self.label)

    def description_text(self) -> str:
        return _(self.description) if self.description else ""


SPECIALTIES = (
    Item("healthcare", N_("Healthcare"), N_("First aid and support for medical teams")),
    Item("environment", N_("Environment"), N_("Cleanliness, waste sorting and green spaces")),
    Item("crowd_management", N_("Crowd management"), N_("Guiding pilgrim groups as they move")),
    Item("traffic", N_("Traffic"), N_("Helping traffic police direct vehicles and pedestrians")),
    Item("dawah", N_("Dawah"), N_("Inviting to Islam with wisdom and good counsel")),
    Item("education", N_("Religious education"), N_("Teaching the rites of Hajj and Umrah")),
    Item("awareness", N_("Awareness"), N_("Health, safety and conduct campaigns")),
    Item("training", N_("Training"), N_("Training other volunteers")),
    Item("research", N_("Research"), N_("Surveys, studies and field data")),
    Item("guidance", N_("Wayfinding"), N_("Showing visitors the way to sites and services")),
    Item("relief", N_("Relief"), N_("Water, food and help in emergencies")),
    Item("translation", N_("Translation"), N_("Interpreting for pilgrims in their language")),
    Item("elderly_care", N_("Elderly care"), N_("Helping elderly pilgrims move and rest")),
    Item("lost_children", N_("Lost children"), N_("Caring for lost children until they are reunited")),
    Item("special_needs", N_("Special needs"), N_("Assisting pilgrims with disabilities")),
    Item("gift_distribution", N_("Gift distribution"), N_("Handing out gifts and welcome packs")),
    Item("reception_farewell", N_("Reception and farewell"), N_("Welcoming and seeing off pilgrims at arrival points")),
)

LANGUAGES = (
    Item("ar", N_("Arabic")),
    Item("en", N_("English")),
    Item("ur", N_("Urdu")),
    Item("id", N_("Indonesian")),
    Item("tr", N_("Turkish")),
    Item("fr", N_("French")),
    Item("bn", N_("Bengali")),
    Item("fa", N_("Persian")),
    Item("ms", N_("Malay")),
    Item("ha", N_("Hausa")),
    Item("hi", N_("Hindi")),
    Item("ru", N_("Russian")),
    Item("zh", N_("Chinese")),
    Item("other", N_("Other language")),
)

# Periods of the day, in the office time zone: [start hour, end hour).
PERIODS = (
    Item("morning", N_("Morning (06-12)")),
    Item("afternoon", N_("Afternoon (12-17)")),
    Item("evening", N_("Evening (17-22)")),
    Item("night", N_("Night (22-06)")),
)
PERIOD_HOURS = {"morning": (6, 12), "afternoon": (12, 17), "evening": (17, 22), "night": (22, 6)}

WEEKDAY_SHORT = (
    N_("Mon"),
    N_("Tue"),
    N_("Wed"),
    N_("Thu"),
    N_("Fri"),
    N_("Sat"),
    N_("Sun"),
)

GENDERS = (Item("male", N_("Male")), Item("female", N_("Female")))

ENTITY_KINDS = (
    Item("government", N_("Government")),
    Item("charity", N_("Charity")),
    Item("private", N_("Private sector")),
)

# City and district choices (CITIES setting holds codes; unknown codes are shown as typed).
CITY_LABELS = {
    "central_area": N_("Central area (around the Prophet's Mosque)"),
    "quba": N_("Quba"),
    "uhud": N_("Uhud"),
    "al_awali": N_("Al-Awali"),
    "al_aziziyah": N_("Al-Aziziyah"),
    "al_iskan": N_("Al-Iskan"),
    "sultanah": N_("Sultanah"),
    "al_khalidiyyah": N_("Al-Khalidiyyah"),
    "airport": N_("Airport area"),
    "train_station": N_("Haramain train station area"),
}


def by_code(items: tuple[Item, ...], code: str) -> Item | None:
    return next((item for item in items if item.code == code), None)


def label(items: tuple[Item, ...], code: str) -> str:
    """The translated label of a code, or the code itself when unknown."""
    item = by_code(items, code)
    return item.label_text() if item else code


def city_label(code: str) -> str:
    return _(CITY_LABELS[code]) if code in CITY_LABELS else code

"""How a feasibility finding reads (bot/feasibility.py): who can fill a shift, what blocks it and
what would help, for the /need summary, the approval card and the short-shift escalation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import catalog, feasibility
from bot.feasibility import Blocker, Finding, Pool
from bot.i18n import _, format_short_date, format_time, get_locale, ltr, ngettext

SHOWN = 7  # shifts listed one by one; the rest are summed up


def _separator() -> str:
    return "؛ " if get_locale() == "ar" else "; "


def _languages(pool: Pool) -> str:
    comma = "، " if get_locale() == "ar" else ", "
    return comma.join(
        _("{language}: {n}").format(language=catalog.label(catalog.LANGUAGES, code), n=ltr(count))
        for code, count in sorted(pool.by_language.items())
    )


def blocker_text(blocker: Blocker, pool: Pool, specialty: str, gender: str) -> str:
    n = blocker.count
    if blocker.requirement == feasibility.SPECIALTY:
        return ngettext(
            "only {n} active volunteer has the specialty {specialty}",
            "only {n} active volunteers have the specialty {specialty}", n,
        ).format(n=n, specialty=catalog.label(catalog.SPECIALTIES, specialty))
    if blocker.requirement == feasibility.TRAINING:
        return ngettext(
            "only {n} of them holds a valid qualification in it",
            "only {n} of them hold a valid qualification in it", n,
        ).format(n=n)
    if blocker.requirement == feasibility.LANGUAGES:
        if len(pool.by_language) == 1:
            (code,) = pool.by_language
            return ngettext(
                "only {n} of them speaks {language}", "only {n} of them speak {language}", n,
            ).format(n=n, language=catalog.label(catalog.LANGUAGES, code))
        return ngettext(
            "only {n} of them speaks one of the languages ({languages})",
            "only {n} of them speak one of the languages ({languages})", n,
        ).format(n=n, languages=_languages(pool))
    if blocker.requirement == feasibility.GENDER:
        if gender == "male":
            return ngettext("only {n} of them is a man", "only {n} of them are men", n).format(n=n)
        return ngettext("only {n} of them is a woman", "only {n} of them are women", n).format(n=n)
    if blocker.requirement == feasibility.AGE:
        return ngettext(
            "only {n} of them is old enough", "only {n} of them are old enough", n
        ).format(n=n)
    if blocker.requirement == feasibility.AVAILABILITY:
        return ngettext(
            "only {n} of them is available on that day and at that time",
            "only {n} of them are available on that day and at that time", n,
        ).format(n=n)
    if blocker.requirement == feasibility.MINIMUM:
        return ngettext(
            "only {n} of those who fit speaks {language}, and at least {minimum} are asked for",
            "only {n} of those who fit speak {language}, and at least {minimum} are asked for", n,
        ).format(
            n=n, language=catalog.label(catalog.LANGUAGES, blocker.language or ""),
            minimum=ltr(blocker.minimum),
        )
    return ngettext(
        "each requirement alone leaves enough volunteers, but together they leave {n}",
        "each requirement alone leaves enough volunteers, but together they leave {n}", n,
    ).format(n=n)


def remedy_text(remedy: str, finding: Finding) -> str:
    texts = {
        feasibility.RECRUIT: _("invite more volunteers of this specialty to register"),
        feasibility.SCHEDULE_TRAINING: _("schedule a training in this specialty (/newtraining)"),
        feasibility.DROP_TRAINING: _("do not require the training"),
        feasibility.MORE_LANGUAGES: _("accept more languages, or any language"),
        feasibility.LOWER_MINIMUM: _("lower the minimum per language"),
        feasibility.ANY_GENDER: _("open it to men and women"),
        feasibility.LOWER_AGE: _("lower the minimum age"),
        feasibility.OTHER_TIME: _("choose another day or time"),
        feasibility.FEWER_PLACES: _("fewer places ({n})").format(n=ltr(finding.eligible)),
    }
    return texts[remedy]


def finding_text(pool: Pool, finding: Finding, specialty: str, gender: str) -> str:
    """`✅ 24 active volunteers meet every requirement, for 20 places.` or the shortfall with
    what blocks it and what would help."""
    if not finding.short:
        return ngettext(
            "✅ {n} active volunteer meets every requirement, for {places} places.",
            "✅ {n} active volunteers meet every requirement, for {places} places.",
            finding.eligible,
        ).format(n=finding.eligible, places=finding.places)
    headline = ngettext(
        "⚠️ Only {n} active volunteer meets every requirement, for {places} places.",
        "⚠️ Only {n} active volunteers meet every requirement, for {places} places.",
        finding.eligible,
    ) if finding.eligible < finding.places else ngettext(
        "⚠️ {n} active volunteer meets every requirement, for {places} places, but too few speak "
        "a language with a minimum.",
        "⚠️ {n} active volunteers meet every requirement, for {places} places, but too few speak "
        "a language with a minimum.",
        finding.eligible,
    )
    lines = [
        headline.format(n=finding.eligible, places=finding.places),
        _("What blocks it: {reasons}.").format(
            reasons=_separator().join(blocker_text(b, pool, specialty, gender) for b in finding.blockers)
        ),
    ]
    if finding.remedies:
        lines.append(_("What would help: {remedies}.").format(
            remedies=_separator().join(remedy_text(r, finding) for r in finding.remedies)
        ))
    return "\n".join(lines)


def report_text(
    report: Sequence[tuple[datetime, Pool, Finding]], tz: ZoneInfo, *, specialty: str, gender: str
) -> str:
    """The shifts' findings under one heading: one paragraph when every shift reads the same,
    else one per shift (the first few, then how many more are short)."""
    if not report:
        return ""
    heading = _("Who can fill it:")
    texts = [finding_text(pool, finding, specialty, gender) for _at, pool, finding in report]
    if len(set(texts)) == 1:
        if len(report) == 1:
            return f"{heading}\n{texts[0]}"
        each = ngettext("Each of the {n} shifts:", "Each of the {n} shifts:", len(report)).format(n=len(report))
        return f"{heading} {each}\n{texts[0]}"
    lines = [heading]
    for (starts, _pool, _finding), text in list(zip(report, texts, strict=True))[:SHOWN]:
        local = starts.astimezone(tz)
        lines.append(f"• {format_short_date(local.date())} {format_time(local)}: {text}")
    rest = report[SHOWN:]
    if rest:
        short = sum(1 for _at, _pool, finding in rest if finding.short)
        lines.append(ngettext(
            "…and {n} more shift ({short} short).", "…and {n} more shifts ({short} short).", len(rest)
        ).format(n=len(rest), short=short))
    return "\n".join(lines)

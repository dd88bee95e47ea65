"""How hours certificates read: the PDF's words, the verification answer, the entity's hours.

Pure: no Telegram, no SQL. Call inside the locale the text is for (`use_locale`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from bot import catalog
from bot.certificate_pdf import Sheet, Table
from bot.certificates import SEASON, Certificate, EntityHours, Period, show_code, verify_payload
from bot.i18n import _, format_date, get_locale, isolate, ngettext
from bot.texts.shifts import hours_phrase

TELEGRAM_LIMIT = 4096


def hours_text(hours: float, *, oblique: bool = False) -> str:
    """`12.5 hours` / «12.5 ساعة»; whole numbers without a decimal point. `oblique` after a
    preposition or as an object: «أمضى ساعتين» (the label reads «الإجمالي: ساعتان»)."""
    rounded = round(float(hours), 1)
    # A fraction takes the plural that Arabic uses after numbers above ten ("12.5 ساعة").
    n = int(rounded) if rounded.is_integer() else 11
    shown = isolate(n) if rounded.is_integer() else isolate(f"{rounded:.1f}")
    return hours_phrase(n, shown, oblique=oblique)


def period_text(period: Period) -> str:
    span = _("from {first} to {last}").format(
        first=format_date(period.first), last=format_date(period.last)
    )
    if period.kind == SEASON and period.hijri_year:
        return _("the {year} AH season, {span}").format(year=isolate(period.hijri_year), span=span)
    return span


def _entity(entity: EntityHours) -> str:
    if get_locale() == "ar":
        return entity.name_ar or entity.name_en
    return entity.name_en or entity.name_ar


def _name(certificate: Certificate) -> str:
    return certificate.full_name or _("(a volunteer who has since deleted their data)")


def sheet(certificate: Certificate, *, office: str, url: str, tz: ZoneInfo) -> Sheet:
    """The certificate's page in the current locale."""
    issued = certificate.issued_at.astimezone(tz).date()
    return Sheet(
        rtl=get_locale() == "ar",
        office=office,
        title=_("Certificate of volunteer hours"),
        statement=_(
            "{office} certifies that the volunteer {name} served {hours} in completed "
            "volunteer shifts during {period}."
        ).format(
            office=office, name=isolate(_name(certificate)),
            hours=hours_text(certificate.hours, oblique=True), period=period_text(certificate.period),
        ),
        facts=(
            (_("Volunteer"), isolate(_name(certificate))),
            (_("Period"), period_text(certificate.period)),
            (_("Total hours"), hours_text(certificate.hours)),
            (_("Training and awareness"), hours_text(certificate.training_hours)),
            (_("Issued on"), format_date(issued)),
        ),
        tables=(
            Table(
                _("Hours by specialty"),
                (_("Specialty"), _("Hours")),
                tuple(
                    (catalog.label(catalog.SPECIALTIES, code), hours_text(h))
                    for code, h in certificate.specialties
                ),
                _("No hours in this period."),
            ),
            Table(
                _("Hours by entity"),
                (_("Entity"), _("Hours")),
                tuple((isolate(_entity(e)), hours_text(e.hours)) for e in certificate.entities),
                _("No hours in this period."),
            ),
            Table(
                _("Trainings completed"),
                (_("Training"), _("Date")),
                tuple((isolate(t.title), format_date(t.day)) for t in certificate.trainings),
                _("No trainings completed in this period."),
            ),
        ),
        verify_heading=_("Verification code"),
        verify_lines=(
            _("To check this certificate, scan the code or send this command to the bot:"),
            f"/start {verify_payload(certificate.code)}",
            url,
        ),
        code=show_code(certificate.code),
        url=url,
    )


def caption(certificate: Certificate) -> str:
    return _(
        "📄 Hours certificate for {name}: {hours}, {period}.\nVerification code: {code}"
    ).format(
        name=isolate(_name(certificate)), hours=hours_text(certificate.hours),
        period=period_text(certificate.period), code=isolate(show_code(certificate.code)),
    )


def verified(certificate: Certificate, *, office: str, tz: ZoneInfo) -> str:
    """What anyone who opens the verification link reads: the certificate's facts."""
    lines = [
        _("✅ This is a genuine hours certificate issued by {office}.").format(office=office),
        "",
        _("Volunteer: {name}").format(name=isolate(_name(certificate))),
        _("Period: {period}").format(period=period_text(certificate.period)),
        _("Total: {hours}").format(hours=hours_text(certificate.hours)),
    ]
    if certificate.training_hours:
        lines.append(_("Training and awareness: {hours}").format(hours=hours_text(certificate.training_hours)))
    if certificate.specialties:
        lines.append(_("By specialty:"))
        lines += [
            f"• {catalog.label(catalog.SPECIALTIES, code)}: {hours_text(h)}"
            for code, h in certificate.specialties
        ]
    if certificate.entities:
        lines.append(_("By entity:"))
        lines += [f"• {isolate(_entity(e))}: {hours_text(e.hours)}" for e in certificate.entities]
    if certificate.trainings:
        lines.append(_("Trainings completed:"))
        lines += [f"• {isolate(t.title)} ({format_date(t.day)})" for t in certificate.trainings]
    lines += [
        "",
        _("Issued on {date}. Code: {code}").format(
            date=format_date(certificate.issued_at.astimezone(tz).date()),
            code=isolate(show_code(certificate.code)),
        ),
    ]
    return "\n".join(lines)


def not_found() -> str:
    return _(
        "❌ No certificate has this verification code. Please check the code on the certificate."
    )


def period_question(season_year: int) -> tuple[str, str, str]:
    """(question, season button, last-30-days button)."""
    return (
        _(
            "Which period should the certificate cover? Tap a button, or type the first and the "
            "last day (Hijri or Gregorian), for example 1447-01-01 1447-06-29."
        ),
        _("🌙 This season ({year} AH)").format(year=season_year),
        _("🗓 The last 30 days"),
    )


def entity_hours_page(
    entity: Any, period: Period, total: int, rows: Sequence[Any], offset: int,
) -> str:
    """One page of the volunteers who served the entity, with their hours (under 4,096)."""
    name = entity["name_ar"] if get_locale() == "ar" else entity["name_en"]
    head = _("Volunteer hours at {entity}, {period}").format(
        entity=isolate(name), period=period_text(period)
    )
    if not rows:
        return "\n\n".join([head, _("No volunteer completed a shift for you in this period.")])
    lines = []
    for index, row in enumerate(rows, start=offset + 1):
        who = row["full_name"] if row["status"] != "deleted" and row["full_name"] else _("(deleted)")
        shifts = ngettext("{n} shift", "{n} shifts", int(row["shifts"])).format(n=row["shifts"])
        lines.append(f"{index}. {isolate(who)} — {hours_text(float(row['hours']))} ({shifts})")
    footer = ngettext(
        "{n} volunteer in all.", "{n} volunteers in all.", total
    ).format(n=total)
    return "\n\n".join([head, "\n".join(lines), footer])[:TELEGRAM_LIMIT]


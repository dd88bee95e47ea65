"""How broadcasts read on screen: an audience in one line, the progress list, the estimated
finish, the prompts and cards of /broadcast. Pure: rows come in as mappings (bot/audience.py's
AudienceNames and BroadcastProgress, loaded by bot/db.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot import catalog
from bot.audience import REPRESENTATIVES, STAFF, Audience, AudienceNames, BroadcastProgress
from bot.i18n import _, format_datetime, isolate, ltr, ngettext
from bot.texts import entity_name, moment_of, shift_when
from bot.texts.volunteers import any_of, clauses, list_of

URGENT_PRIORITY = 0  # bot.delivery.URGENT (texts do not import the sender)


def describe(audience: Audience, names: AudienceNames, tz: ZoneInfo) -> str:
    """One line naming an audience, in the current locale."""
    if audience.kind == STAFF:
        return _("Office staff (coordinators and admins)")
    if audience.kind == REPRESENTATIVES:
        if not audience.entity_ids:
            return _("Representatives of all partner entities")
        chosen = [entity_name(row) for row in names.entities if row["id"] in audience.entity_ids]
        return _("Representatives of: {entities}").format(entities=list_of(chosen))
    if not audience.filtered:
        return _("All active volunteers")
    return _("Volunteers: {filters}").format(filters=clauses(filter_parts(audience, names, tz)))


def filter_parts(audience: Audience, names: AudienceNames, tz: ZoneInfo) -> list[str]:
    """The volunteer filters chosen, one phrase each."""
    parts = []
    if audience.specialties:
        values = any_of([catalog.label(catalog.SPECIALTIES, c) for c in audience.specialties])
        parts.append(_("specialty {values}").format(values=values))
    if audience.languages:
        values = any_of([catalog.label(catalog.LANGUAGES, c) for c in audience.languages])
        parts.append(_("language {values}").format(values=values))
    if audience.genders:
        values = any_of([catalog.label(catalog.GENDERS, c) for c in audience.genders])
        parts.append(_("gender {values}").format(values=values))
    if audience.cities:
        values = any_of([catalog.city_label(c) for c in audience.cities])
        parts.append(_("city {values}").format(values=values))
    if audience.shift_id is not None:
        when = shift_when(names.shift, tz) if names.shift else ltr(f"#{audience.shift_id}")
        parts.append(_("holding the shift of {when}").format(when=when))
    elif audience.need_id is not None:
        title = isolate(names.need["title"]) if names.need else ""
        parts.append(
            _("holding a shift of need {ref} {title}").format(ref=ltr(f"#{audience.need_id}"), title=title)
        )
    if audience.on_shift_now:
        parts.append(_("on shift now"))
    return parts


def count_line(count: int) -> str:
    return ngettext("{count} person matches now.", "{count} people match now.", count).format(
        count=ltr(count)
    )


def text_prompt(description: str, count: int, tags: str) -> str:
    return _(
        "To: {audience}\n{count}\n\n"
        "Now send the message. You can format it with Telegram's own bold, italic and link "
        "tools, or with the HTML tags {tags}. You will see a preview before anything is sent. "
        "Send /cancel to stop."
    ).format(audience=description, count=count_line(count), tags=ltr(tags)) + "\n" + _(
        "You may also send a photo, a PDF or a location instead (a photo or a PDF with its caption): "
        "it is copied to everyone as it is."
    )


def confirm_card(
    description: str, count: int, *, urgent: bool, paid: tuple[Decimal, float] | None = None
) -> str:
    """`paid`: (Stars, seconds) when the urgent broadcast goes at paid-broadcast speed."""
    lines = [
        _("The preview above is exactly what recipients will see."),
        "",
        _("To: {audience}").format(audience=description),
        ngettext("Recipients: {count} person", "Recipients: {count} people", count).format(count=ltr(count)),
        _("🚨 Urgent: sent ahead of all other messages.") if urgent
        else _("Priority: normal (after offers and reminders)."),
    ]
    if paid is not None:
        lines.append(paid_line(*paid))
    return "\n".join(lines)


def paid_line(stars: Decimal, seconds: float) -> str:
    """What an urgent broadcast costs at paid-broadcast speed, and how long it takes."""
    shown = format(stars.normalize(), "f") if stars else "0"
    if seconds < 60:
        secs = max(1, round(seconds))
        duration = ngettext("about {n} second", "about {n} seconds", secs).format(n=ltr(secs))
    else:
        minutes = round(seconds / 60)
        duration = ngettext("about {n} minute", "about {n} minutes", minutes).format(n=ltr(minutes))
    return ngettext(
        "⭐ Paid broadcast (Telegram Stars): estimated cost {stars} Star, delivered in {duration}.",
        "⭐ Paid broadcast (Telegram Stars): estimated cost {stars} Stars, delivered in {duration}.",
        # A fraction of a Star reads with the "other" form, as the zero form does.
        int(stars) if stars and stars % 1 == 0 else 0,
    ).format(
        stars=ltr(shown), duration=duration
    )


def send_label(count: int) -> str:
    return ngettext("✅ Send to {count} person", "✅ Send to {count} people", count).format(count=count)


def estimated_finish(ahead: int, *, send_rate: float, now: datetime, tz: ZoneInfo) -> str:
    """When the last of `ahead` queued messages should go out at the sender's rate."""
    seconds = ahead / send_rate
    finish = now + timedelta(seconds=seconds)
    minutes = max(1, round(seconds / 60))
    return ngettext(
        "Estimated finish: {when} (in about {minutes} minute).",
        "Estimated finish: {when} (in about {minutes} minutes).",
        minutes,
    ).format(when=format_datetime(finish, tz), minutes=ltr(minutes))


def queued(broadcast_id: int, count: int) -> str:
    return ngettext(
        "Broadcast {ref} is queued for {count} person.",
        "Broadcast {ref} is queued for {count} people.",
        count,
    ).format(ref=ltr(f"#{broadcast_id}"), count=ltr(count))


def sent_card(broadcast_id: int, count: int, estimate: str) -> str:
    """The confirm card once Send has queued the broadcast."""
    return (
        queued(broadcast_id, count) + "\n" + estimate + "\n\n"
        + _("You will get a summary when it has finished. Send /broadcast to follow its progress.")
    )


def progress_list(
    items: Sequence[BroadcastProgress], *, send_rate: float, now: datetime, tz: ZoneInfo
) -> str:
    """Recent broadcasts with their progress ("" when there is none)."""
    if not items:
        return ""
    lines = [_("Recent broadcasts:")]
    for item in items:
        row, counts = item.broadcast, item.counts
        urgent = " 🚨" if row["priority"] == URGENT_PRIORITY else ""
        lines += [
            "",
            f"{ltr('#' + str(row['id']))} · {format_datetime(moment_of(row['created_at']), tz)}{urgent}",
            describe(item.audience, item.names, tz),
            _("Queued {queued} · delivered {sent} · failed {failed} · blocked the bot {unreachable}").format(
                queued=ltr(counts["pending"]),
                sent=ltr(counts["sent"]),
                failed=ltr(counts["failed"]),
                unreachable=ltr(counts["unreachable"]),
            ),
        ]
        if row["stopped_at"]:
            lines.append(
                ngettext(
                    "Stopped on {when}; {count} message was not sent.",
                    "Stopped on {when}; {count} messages were not sent.",
                    counts["cancelled"],
                ).format(when=format_datetime(moment_of(row["stopped_at"]), tz), count=ltr(counts["cancelled"]))
            )
        elif row["finished_at"]:
            lines.append(_("Finished on {when}.").format(when=format_datetime(moment_of(row["finished_at"]), tz)))
        elif counts["pending"]:
            lines.append(estimated_finish(item.ahead, send_rate=send_rate, now=now, tz=tz))
    return "\n".join(lines)


def stop_label(broadcast_id: int) -> str:
    return _("⏹ Stop {ref}").format(ref=f"#{broadcast_id}")


def stop_question(broadcast_id: int, pending: int) -> str:
    return ngettext(
        "Stop broadcast {ref}? The {count} message not sent yet will be cancelled; what was delivered stays.",
        "Stop broadcast {ref}? The {count} messages not sent yet will be cancelled; what was delivered stays.",
        pending,
    ).format(ref=ltr(f"#{broadcast_id}"), count=ltr(pending))



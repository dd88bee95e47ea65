"""Messages about needs that the bot sends on its own initiative, through the outbox: approval
cards (and their buttons), decisions, slot changes and cancellations.

Each function runs inside the caller's transaction (bot/operations/needs.py), so a need's change
and the messages that announce it commit together; each recipient reads the message in their own
language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import db, delivery
from bot.auth import ADMIN_ROLE, COORDINATOR
from bot.config import Settings
from bot.db import Row, Tx
from bot.feasibility import Finding, Pool
from bot.flows.kit.callback import Route
from bot.i18n import _, format_datetime, isolate, ltr, use_locale, user_locale
from bot.texts import Row as Fields
from bot.texts import display_name, entity_name, shift_when
from bot.texts.feasibility import report_text
from bot.texts.needs import NeedFields, need_details

# The buttons of a need's decisions: built on the approval card (here) and the need's view
# (bot/handlers/needs.py), answered by that handler and by the reject and slots flows.
APPROVE = Route("apr", "ok", int)
REJECT = Route("apr", "rj", int)
SLOTS_AND_APPROVE = Route("apr", "sl", int)
CHANGE_SLOTS = Route("nd", "sl", int)  # an approved need, from now on


def approval_buttons(need_id: int) -> list[list[InlineKeyboardButton]]:
    return [
        [
            InlineKeyboardButton(_("✅ Approve"), callback_data=APPROVE.data(need_id)),
            InlineKeyboardButton(_("⛔ Reject"), callback_data=REJECT.data(need_id)),
        ],
        [InlineKeyboardButton(_("✏️ Change slots and approve"), callback_data=SLOTS_AND_APPROVE.data(need_id))],
    ]


def approval_keyboard(need_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(approval_buttons(need_id))


def _at(value: str) -> datetime:
    moment = db.parse_ts(value)
    if moment is None:
        raise ValueError("a decided need without its time")
    return moment


def card_text(
    need: NeedFields, languages: list[str], submitter: Row | None, settings: Settings,
    minimums: Mapping[str, int] | None = None,
) -> str:
    """The approval card: the need in full and who submitted it."""
    by = display_name(submitter) if submitter is not None else ltr(need["created_by"])
    return "\n".join(
        [
            _("📋 A need is waiting for approval ({id})").format(id=ltr(f"#{need['id']}")),
            "",
            need_details(
                need, languages, entity=entity_name(need, "entity_"), with_status=False,
                minimums=minimums,
            ),
            "",
            _("Submitted by {name} on {when}.").format(
                name=by,
                when=format_datetime(_at(need["submitted_at"]), settings.timezone),
            ),
        ]
    )


def outcome_line(need: Fields, actor: Row | None, settings: Settings) -> str:
    """Who decided what, for a card that is no longer waiting."""
    name = display_name(actor) if actor is not None else "—"
    status = need["status"]
    if status == "approved":
        when = format_datetime(_at(need["decided_at"]), settings.timezone)
        line = _("✅ Approved by {name} on {when}.").format(name=name, when=when)
        if need["requested_slots"] and need["requested_slots"] != need["slots"]:
            line += "\n" + _("Volunteers per shift changed from {old} to {new}.").format(
                old=ltr(need["requested_slots"]), new=ltr(need["slots"])
            )
        return line
    if status == "rejected":
        when = format_datetime(_at(need["decided_at"]), settings.timezone)
        return _("⛔ Not approved by {name} on {when}. Reason: {reason}").format(
            name=name, when=when, reason=isolate(need["reject_reason"] or "—")
        )
    if status == "cancelled":
        when = format_datetime(_at(need["cancelled_at"]), settings.timezone)
        return _("✖ Cancelled by {name} on {when}.").format(name=name, when=when)
    if status == "closed" and not need["decided_at"] and need["cancelled_at"]:
        when = format_datetime(_at(need["cancelled_at"]), settings.timezone)
        return _("☑ Closed on {when} without a decision: its first shift had started.").format(when=when)
    return ""


async def _card_parts(
    conn: db.Queryable, need_id: int
) -> tuple[Row, list[str], Row | None, Row | None, dict[str, int]]:
    need = await db.get_need(conn, need_id)
    assert need is not None
    languages = await db.need_languages(conn, need_id)
    minimums = (await db.need_language_minimums(conn, [need_id]))[need_id]
    submitter = await db.get_user(conn, need["created_by"])
    actor_id = need["decided_by"] if need["status"] in ("approved", "rejected") else need["cancelled_by"]
    actor = await db.get_user(conn, actor_id) if actor_id else None
    return need, languages, submitter, actor, minimums


async def decided_card_text(conn: db.Queryable, need_id: int, settings: Settings) -> str:
    """The card as it reads once decided, in the current locale."""
    need, languages, submitter, actor, minimums = await _card_parts(conn, need_id)
    return f"{card_text(need, languages, submitter, settings, minimums)}\n\n{outcome_line(need, actor, settings)}"


async def send_approval_cards(
    tx: Tx, need_id: int, *, settings: Settings, now: datetime,
    report: Sequence[tuple[datetime, Pool, Finding]] = (),
) -> int:
    """One approval card per coordinator and admin, with who could fill the shifts (`report`,
    bot/operations/feasibility.py); returns how many were enqueued."""
    need, languages, submitter, _actor, minimums = await _card_parts(tx, need_id)
    count = 0
    for user in await db.list_users_by_role(tx, (COORDINATOR, ADMIN_ROLE)):
        with use_locale(user_locale(user, settings.default_locale)):
            text = card_text(need, languages, submitter, settings, minimums)
            if report:
                text += "\n\n" + report_text(
                    report, settings.timezone, specialty=need["specialty"], gender=need["gender"]
                )
            keyboard = approval_keyboard(need_id)
        count += await delivery.enqueue(
            tx,
            chat_id=user["id"],
            dedupe_key=f"needcard:{need_id}:{user['id']}",
            now=now,
            text=text,
            reply_markup=keyboard,
        )
    return count


async def close_approval_cards(
    tx: Tx,
    need_id: int,
    *,
    settings: Settings,
    now: datetime,
    skip_message: tuple[int, int] | None = None,
) -> None:
    """Every card of a decided need says who acted: sent cards are edited (through the outbox),
    cards not sent yet are withdrawn. `skip_message` (chat, message id) is the card the actor
    pressed, which the handler edits itself."""
    need, languages, submitter, actor, minimums = await _card_parts(tx, need_id)
    for card in await db.approval_cards(tx, need_id):
        if skip_message and (card["chat_id"], card["message_id"]) == skip_message:
            continue
        recipient = await db.get_user(tx, card["chat_id"])
        with use_locale(user_locale(recipient, settings.default_locale)):
            text = f"{card_text(need, languages, submitter, settings, minimums)}\n\n{outcome_line(need, actor, settings)}"
        await delivery.revise(
            tx, card, dedupe_key=f"needcard-done:{need_id}:{card['chat_id']}", now=now,
            text=_always(text),
        )


def _always(text: str) -> Callable[[str], str]:
    """A revision that replaces the original text whatever it was."""
    return lambda _original: text


async def notify_reps(
    tx: Tx,
    entity_id: int,
    *,
    dedupe: str,
    render: Callable[[], str],
    settings: Settings,
    now: datetime,
    skip_user: int | None = None,
) -> None:
    """Tell the entity's current representatives something (rendered in each one's language)."""
    for rep in await db.entity_reps(tx, entity_id):
        if rep["id"] == skip_user:
            continue
        with use_locale(user_locale(rep, settings.default_locale)):
            text = render()
        await delivery.enqueue(
            tx, chat_id=rep["id"], dedupe_key=f"{dedupe}:{rep['id']}", now=now, text=text
        )


async def notify_decision(tx: Tx, need_id: int, *, settings: Settings, now: datetime) -> None:
    """Tell the entity's representatives that their need was approved or not (with the reason)."""
    need = await db.get_need(tx, need_id)
    assert need is not None

    def render() -> str:
        title, number = isolate(need["title"]), ltr(f"#{need['id']}")
        if need["status"] == "rejected":
            return _(
                "Your need {id} “{title}” was not approved.\nReason: {reason}\n\n"
                "You can post a corrected need with /need."
            ).format(id=number, title=title, reason=isolate(need["reject_reason"] or "—"))
        text = _(
            "Good news: your need {id} “{title}” was approved. The office will now find "
            "volunteers; follow the rosters with /myneeds."
        ).format(id=number, title=title)
        if need["requested_slots"] and need["requested_slots"] != need["slots"]:
            text += "\n" + _(
                "Volunteers per shift: {new} (you asked for {old})."
            ).format(new=ltr(need["slots"]), old=ltr(need["requested_slots"]))
        return text

    await notify_reps(
        tx, need["entity_id"], dedupe=f"needdecision:{need_id}", render=render,
        settings=settings, now=now,
    )


async def cancel_assignments_and_notify(
    tx: Tx,
    need: Fields,
    shift_ids: Sequence[int],
    *,
    scope: str,
    settings: Settings,
    now: datetime,
) -> int:
    """Cancel the assignments of cancelled shifts and tell each volunteer once, listing their
    shifts; returns how many volunteers were told."""
    reason = f"{scope.split(':')[0]}_cancelled"  # need_cancelled | shift_cancelled
    rows = await db.cancel_shift_assignments(tx, shift_ids, reason=reason, now=now)
    by_volunteer: dict[int, list[int]] = {}
    for row in rows:
        by_volunteer.setdefault(int(row["volunteer_id"]), []).append(int(row["shift_id"]))
    for volunteer_id, their_shifts in by_volunteer.items():
        user = await db.get_user(tx, volunteer_id)
        shifts = [await db.get_shift(tx, shift_id) for shift_id in their_shifts]
        with use_locale(user_locale(user, settings.default_locale)):
            lines = [
                _(
                    "We are sorry: the organisers cancelled “{title}” at {site} for the shifts "
                    "below. You do not need to come."
                ).format(title=isolate(need["title"]), site=isolate(need["site_name"])),
                "",
            ]
            lines += [f"• {shift_when(s, settings.timezone)}" for s in shifts if s is not None]
            lines += ["", _("Thank you for your readiness to serve. We will send you other offers.")]
            text = "\n".join(lines)
        await delivery.enqueue(
            tx,
            chat_id=volunteer_id,
            dedupe_key=f"cancel:{scope}:{volunteer_id}",
            now=now,
            text=text,
            priority=delivery.URGENT,
        )
    return len(by_volunteer)


async def notify_closed_unapproved(
    tx: Tx, need_id: int, first: datetime, *, settings: Settings, now: datetime
) -> None:
    """The representatives hear that their need was closed: its first shift started before the
    office approved it."""
    need = await db.get_need(tx, need_id)
    assert need is not None

    def render() -> str:
        return _(
            "Your need {id} “{title}” was closed without a decision: its first shift started on "
            "{when} before the office approved it. If you still need volunteers, post it again "
            "with later days with /need."
        ).format(
            id=ltr(f"#{need_id}"), title=isolate(need["title"]),
            when=format_datetime(first, settings.timezone),
        )

    await notify_reps(
        tx, need["entity_id"], dedupe=f"needclosed:{need_id}", render=render, settings=settings, now=now
    )


async def notify_slots_changed(
    tx: Tx, need: Fields, slots: int, *, settings: Settings, now: datetime
) -> None:
    """The representatives hear that the office changed an approved need's volunteers per shift."""

    def render() -> str:
        return _("The volunteer office changed your need {id} “{title}”: volunteers per shift from now on: {slots}.").format(
            id=ltr(f"#{need['id']}"), title=isolate(need["title"]), slots=ltr(slots)
        )

    await notify_reps(
        tx, need["entity_id"], dedupe=f"needslots:{need['id']}:{db.ts(now)}", render=render,
        settings=settings, now=now,
    )


async def notify_reps_of_cancel(
    tx: Tx,
    need: Fields,
    actor: Row | None,
    *,
    by_staff: bool,
    shift: Fields | None,
    settings: Settings,
    now: datetime,
) -> None:
    """The entity's representatives hear about a cancellation they did not make themselves."""
    tz = settings.timezone

    def render() -> str:
        who = _("The volunteer office") if by_staff or actor is None else display_name(actor)
        if shift is None:
            return _("{who} cancelled the need {id} “{title}”.").format(
                who=who, id=ltr(f"#{need['id']}"), title=isolate(need["title"])
            )
        return _("{who} cancelled the shift of the need {id} “{title}” on {when}.").format(
            who=who, id=ltr(f"#{need['id']}"), title=isolate(need["title"]), when=shift_when(shift, tz)
        )

    scope = f"shift:{shift['id']}" if shift is not None else f"need:{need['id']}"
    await notify_reps(
        tx, need["entity_id"], dedupe=f"repcancel:{scope}", render=render,
        settings=settings, now=now, skip_user=None if by_staff or actor is None else int(actor["id"]),
    )

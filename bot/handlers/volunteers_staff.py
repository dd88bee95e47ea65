"""Coordinators manage volunteers: /volunteers search, the volunteer card, approval, suspension,
reinstatement and training qualifications. Every command and button is `@requires(STAFF)`,
re-reads the volunteer on each press, and audit-logs what it changes; the volunteer hears about
it through the outbox, in their own language, in the same transaction.

Callback data (at most 40 bytes): `vol:s:<search>:<page>`, `vol:sp:<specialty>:<page>`,
`vol:pe:<page>`, `vol:v:<id>`, `vol:ap|rj|su|re|q:<id>`, `vol:qg|qr:<id>:<specialty>`, `vol:bk`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import db, delivery
from bot.auth import ADMIN_ROLE, COORDINATOR, STAFF, requires
from bot.catalog import SPECIALTIES, by_code, label
from bot.context import Context
from bot.flows.volunteer_steps import join_list, profile_lines
from bot.handlers.volunteer import service_text, status_text
from bot.i18n import _, format_date, isolate, ltr, use_locale, user_locale
from bot.volunteers import Profile, ServiceRecord, age_on, phone_query_digits, search_key

PAGE_SIZE = 5
SEARCH = "vol_search"  # user_data: {"q": text, "n": serial} of the coordinator's last search
SEARCH_PROMPT = "vol_prompt"  # user_data: message id of the latest "reply to search" prompt
BACK = "vol_back"  # user_data: callback data of the list page a card was opened from


# -- texts -------------------------------------------------------------------------------------------


def volunteer_card_text(
    row: db.Row, profile: Profile, qualifications: list[str], record: ServiceRecord,
    *, now: datetime, context: Context,
) -> str:
    tz = context.settings.timezone
    today = now.astimezone(tz).date()
    lines = [
        f"👤 {isolate(profile.full_name)} ({ltr(row['user_id'])})",
        _("Status: {status}").format(status=status_text(row, now, tz)),
        "",
        *profile_lines(profile.to_draft()),
        _("Age: {age}").format(age=age_on(profile.birth_date, today)),
        _("Trained for: {fields}").format(
            fields=join_list([label(SPECIALTIES, c) for c in qualifications]) or "—"
        ),
        _("Registered on {date}").format(
            date=format_date(db.parse_ts(row["registered_at"]).astimezone(tz).date())  # type: ignore[union-attr]
        ),
        "",
        _("Service: {record}").format(record=service_text(record)),
    ]
    return "\n".join(lines)


def card_keyboard(row: db.Row, *, back: bool) -> InlineKeyboardMarkup:
    user_id, status = row["user_id"], row["status"]
    rows = []
    if status == "pending":
        rows.append(
            [
                InlineKeyboardButton(_("✅ Approve"), callback_data=f"vol:ap:{user_id}"),
                InlineKeyboardButton(_("✖ Reject"), callback_data=f"vol:rj:{user_id}"),
            ]
        )
    elif status in ("active", "paused"):
        rows.append([InlineKeyboardButton(_("⛔ Suspend"), callback_data=f"vol:su:{user_id}")])
    elif status == "suspended":
        rows.append([InlineKeyboardButton(_("↩️ Reinstate"), callback_data=f"vol:re:{user_id}")])
    if status != "deleted":
        rows.append([InlineKeyboardButton(_("🎓 Training qualifications"), callback_data=f"vol:q:{user_id}")])
    if back:
        rows.append([InlineKeyboardButton(_("◀ Back to the list"), callback_data="vol:bk")])
    return InlineKeyboardMarkup(rows)


async def enqueue_approval_cards(
    tx: db.Tx, context: Context, user_id: int, profile: Profile, *, now: datetime
) -> None:
    """Every coordinator and admin gets the new volunteer's card with Approve and Reject."""
    for staff in await db.list_users_by_role(tx, (COORDINATOR, ADMIN_ROLE)):
        with use_locale(user_locale(staff, context.settings.default_locale)):
            text = "\n".join(
                [_("A new volunteer is waiting for approval:"), "", *profile_lines(profile.to_draft())]
            )
            keyboard = InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(_("✅ Approve"), callback_data=f"vol:ap:{user_id}"),
                        InlineKeyboardButton(_("✖ Reject"), callback_data=f"vol:rj:{user_id}"),
                    ],
                    [InlineKeyboardButton(_("👤 Open the card"), callback_data=f"vol:v:{user_id}")],
                ]
            )
        await delivery.enqueue(
            tx,
            chat_id=staff["id"],
            dedupe_key=f"reg:approval:{user_id}:{staff['id']}:{db.ts(now)}",
            now=now,
            text=text,
            reply_markup=keyboard,
        )


async def _notify(tx: db.Tx, context: Context, user_id: int, kind: str, *, now: datetime,
                  specialty: str | None = None) -> None:
    """Tell the volunteer, in their language, what the office decided."""
    user = await db.get_user(tx, user_id)
    with use_locale(user_locale(user, context.settings.default_locale)):
        texts = {
            "approve": _(
                "Good news: the volunteer office has approved your registration. You will now "
                "receive shift offers that match you; see open shifts with /shifts."
            ),
            "reject": _(
                "The volunteer office could not approve your registration at this time. If you "
                "have questions, please contact the office."
            ),
            "suspend": _(
                "Your volunteer account has been suspended by the office, so you will not "
                "receive shift offers. If you have questions, please contact the office."
            ),
            "reinstate": _(
                "Your volunteer account is active again. You will receive shift offers that match you."
            ),
            "qualify": _("The volunteer office has recorded you as trained for: {field}.").format(
                field=label(SPECIALTIES, specialty or "")
            ),
        }
        text = texts[kind]
    suffix = f":{specialty}" if specialty else ""
    await delivery.enqueue(
        tx, chat_id=user_id, dedupe_key=f"vol:{kind}:{user_id}{suffix}:{db.ts(now)}", now=now, text=text
    )


# -- lists -------------------------------------------------------------------------------------------


def _matching_specialties(query: str) -> list[str]:
    """Specialty codes whose label (in either language) or code contains the query."""
    key = search_key(query)
    if len(key) < 3:  # "a" would match half the catalogue
        return []
    found = []
    for item in SPECIALTIES:
        labels = [item.code.replace("_", " ")]
        for locale in ("ar", "en"):
            with use_locale(locale):
                labels.append(item.label_text())
        if any(key in search_key(text) for text in labels):
            found.append(item.code)
    return found


async def _search(context: Context, kind: str, arg: str, page: int) -> tuple[str, list[db.Row], bool]:
    """(title, rows of the page, whether there are more) for one list."""
    common = {"limit": PAGE_SIZE + 1, "offset": page * PAGE_SIZE}
    if kind == "pe":
        title = _("Volunteers waiting for approval")
        rows = await db.search_volunteers(context.db, status="pending", **common)
    elif kind == "sp":
        title = _("Volunteers in {field}").format(field=label(SPECIALTIES, arg))
        rows = await db.search_volunteers(context.db, specialties=[arg], **common)
    else:
        title = _("Search results for “{query}”").format(query=isolate(arg))
        digits = phone_query_digits(arg)
        if digits:
            rows = await db.search_volunteers(context.db, phone_digits=digits, **common)
        else:
            rows = await db.search_volunteers(
                context.db, name=arg, specialties=_matching_specialties(arg), **common
            )
    return title, rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


async def render_list(
    context: Context, kind: str, arg: str, page: int, data_prefix: str
) -> tuple[str, InlineKeyboardMarkup]:
    title, rows, more = await _search(context, kind, arg, page)
    now = context.now()
    if not rows:
        text = title + "\n\n" + (_("Nobody matches.") if page == 0 else _("No more results."))
        return text, InlineKeyboardMarkup([])
    ids = [int(r["user_id"]) for r in rows]
    records = await db.service_records(context.db, ids, now=now)
    specialties = await db.volunteers_specialties(context.db, ids)
    lines = [title, ""]
    buttons = []
    for number, row in enumerate(rows, start=page * PAGE_SIZE + 1):
        uid = int(row["user_id"])
        lines.append(
            f"{number}. {isolate(row['full_name'])} — {status_text(row, now, context.settings.timezone)}"
        )
        lines.append(f"    {ltr(row['phone'])} · {join_list([label(SPECIALTIES, c) for c in specialties[uid]])}")
        lines.append(f"    {service_text(records[uid])}")
        buttons.append(
            [InlineKeyboardButton(f"{number}. {(row['full_name'] or '')[:40]}", callback_data=f"vol:v:{uid}")]
        )
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton(_("◀ Previous"), callback_data=f"{data_prefix}:{page - 1}"))
    if more:
        nav.append(InlineKeyboardButton(_("Next ▶"), callback_data=f"{data_prefix}:{page + 1}"))
    if nav:
        buttons.append(nav)
    return "\n".join(lines), InlineKeyboardMarkup(buttons)


async def _reply_with_search(update: Update, context: Context, query: str) -> None:
    previous = context.user_data.get(SEARCH) or {}  # type: ignore[union-attr]
    serial = int(previous.get("n", 0)) + 1
    context.user_data[SEARCH] = {"q": query[:100], "n": serial}  # type: ignore[index]
    prefix = f"vol:s:{serial}"
    context.user_data[BACK] = f"{prefix}:0"  # type: ignore[index]
    text, keyboard = await render_list(context, "s", query[:100], 0, prefix)
    await update.effective_message.reply_text(text, reply_markup=keyboard)


@requires(STAFF)
async def volunteers_command(update: Update, context: Context) -> None:
    """/volunteers [name, phone or specialty]: search, or the overview with quick lists."""
    query = " ".join(context.args or []).strip()
    if query:
        await _reply_with_search(update, context, query)
        return
    counts = await db.count_volunteers_by_status(context.db)
    text = "\n".join(
        [
            _("Volunteers: {active} active, {pending} waiting for approval, {paused} paused, {suspended} suspended.").format(
                active=counts.get("active", 0), pending=counts.get("pending", 0),
                paused=counts.get("paused", 0), suspended=counts.get("suspended", 0),
            ),
            "",
            _(
                "To search by name, phone number or specialty, send /volunteers followed by it, "
                "for example: /volunteers Ahmad or /volunteers 0501234567. Or choose a list below."
            ),
        ]
    )
    buttons = [
        [
            InlineKeyboardButton(
                _("⏳ Waiting for approval ({count})").format(count=counts.get("pending", 0)),
                callback_data="vol:pe:0",
            )
        ]
    ]
    specialty_buttons = [
        InlineKeyboardButton(item.label_text(), callback_data=f"vol:sp:{item.code}:0")
        for item in SPECIALTIES
    ]
    buttons += [specialty_buttons[i : i + 2] for i in range(0, len(specialty_buttons), 2)]
    await update.effective_message.reply_text(text, reply_markup=InlineKeyboardMarkup(buttons))
    prompt = await update.effective_message.reply_text(
        _("Or reply to this message with a name, phone number or specialty to search."),
        reply_markup=ForceReply(input_field_placeholder=_("Name, phone or specialty")),
    )
    context.user_data[SEARCH_PROMPT] = prompt.message_id  # type: ignore[index]


class _RepliesToSearchPrompt(filters.MessageFilter):
    """A text that answers this user's latest /volunteers search prompt."""

    def __init__(self, user_data: Mapping[int, dict[str, Any]]) -> None:
        super().__init__(name="RepliesToSearchPrompt")
        self._user_data = user_data

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        user = message.from_user
        return bool(
            replied and user and replied.message_id == self._user_data.get(user.id, {}).get(SEARCH_PROMPT)
        )


@requires(STAFF)
async def search_reply(update: Update, context: Context) -> None:
    """A reply to the search prompt: search for what was typed."""
    await _reply_with_search(update, context, (update.effective_message.text or "").strip())


@requires(STAFF)
async def list_page(update: Update, context: Context) -> None:
    """A page of a list: a search, a specialty, or those waiting for approval."""
    await _show_list(update, context, update.callback_query.data)


@requires(STAFF)
async def back_to_list(update: Update, context: Context) -> None:
    """Back from a card to the list it was opened from."""
    data = context.user_data.get(BACK)  # type: ignore[union-attr]
    if not data:
        await update.callback_query.answer(_("Send /volunteers to search again."), show_alert=True)
        return
    await _show_list(update, context, data)


async def _show_list(update: Update, context: Context, data: str) -> None:
    query = update.callback_query
    parts = data.split(":")
    kind, page = parts[1], int(parts[-1])
    if kind == "s":
        search = context.user_data.get(SEARCH) or {}  # type: ignore[union-attr]
        if str(search.get("n")) != parts[2]:
            await query.answer(
                _("This search is out of date. Send /volunteers with your search again."), show_alert=True
            )
            return
        arg, prefix = search["q"], f"vol:s:{parts[2]}"
    elif kind == "sp":
        if by_code(SPECIALTIES, parts[2]) is None:
            await query.answer(_("This button is no longer active."), show_alert=True)
            return
        arg, prefix = parts[2], f"vol:sp:{parts[2]}"
    else:
        arg, prefix = "", "vol:pe"
    context.user_data[BACK] = data  # type: ignore[index]
    await query.answer()
    text, keyboard = await render_list(context, kind, arg, page, prefix)
    await query.edit_message_text(text, reply_markup=keyboard)


# -- the card and its actions -----------------------------------------------------------------------


async def show_card(
    update: Update, context: Context, user_id: int, *, toast: str = "", alert: bool = False
) -> None:
    """Show the card in place of the pressed message; `toast` answers the press."""
    query = update.callback_query
    found = await db.get_volunteer_profile(context.db, user_id)
    if found is None:
        await query.answer(_("This volunteer has deleted their data."), show_alert=True)
        return
    row, profile = found
    now = context.now()
    qualifications = await db.volunteer_qualifications(context.db, user_id)
    record = (await db.service_records(context.db, [user_id], now=now))[user_id]
    text = volunteer_card_text(row, profile, qualifications, record, now=now, context=context)
    await query.answer(toast, show_alert=alert)
    await query.edit_message_text(
        text, reply_markup=card_keyboard(row, back=bool(context.user_data.get(BACK)))  # type: ignore[union-attr]
    )


@requires(STAFF)
async def open_card(update: Update, context: Context) -> None:
    """A volunteer's card: profile, service record, and the actions their status allows."""
    await show_card(update, context, int(update.callback_query.data.split(":")[2]))


# button code -> (statuses it applies to, new status, audit action, notice to the volunteer)
ACTIONS = {
    "ap": (("pending",), "active", "volunteer.approve", "approve"),
    "rj": (("pending",), "suspended", "volunteer.reject", "reject"),
    "su": (("active", "paused"), "suspended", "volunteer.suspend", "suspend"),
    "re": (("suspended",), "active", "volunteer.reinstate", "reinstate"),
}


def _action_refusal(code: str) -> str:
    if code in ("ap", "rj"):
        return _("This volunteer is no longer waiting for approval.")
    if code == "su":
        return _("This volunteer cannot be suspended in their current status.")
    return _("This volunteer is not suspended.")


def _action_toast(code: str) -> str:
    return {
        "ap": _("Approved. The volunteer has been told."),
        "rj": _("Rejected. The volunteer has been told."),
        "su": _("Suspended. The volunteer has been told."),
        "re": _("Reinstated. The volunteer has been told."),
    }[code]


@requires(STAFF)
async def change_status(update: Update, context: Context) -> None:
    """Approve, reject, suspend or reinstate, if the volunteer is still in a status that allows it."""
    query = update.callback_query
    _area, code, raw_id = query.data.split(":")
    user_id = int(raw_id)
    expected, new_status, action, notice = ACTIONS[code]
    now = context.now()
    actor = query.from_user.id
    async with context.db.transaction() as tx:
        if code == "ap":
            changed = await db.approve_volunteer(tx, user_id, approved_by=actor, now=now)
        else:
            changed = await db.set_volunteer_status(tx, user_id, new_status, expected=expected, now=now)
        if changed:
            await db.audit(
                tx, actor_id=actor, action=action, now=now, target_type="volunteer", target_id=user_id
            )
            await _notify(tx, context, user_id, notice, now=now)
    if not changed:
        # Someone else acted first, or the volunteer left: say so and show how things stand.
        await show_card(update, context, user_id, toast=_action_refusal(code), alert=True)
        return
    await show_card(update, context, user_id, toast=_action_toast(code))


# -- training qualifications -----------------------------------------------------------------------


async def show_qualifications(update: Update, context: Context, user_id: int, *, toast: str = "") -> None:
    query = update.callback_query
    found = await db.get_volunteer_profile(context.db, user_id)
    if found is None:
        await query.answer(_("This volunteer has deleted their data."), show_alert=True)
        return
    granted = set(await db.volunteer_qualifications(context.db, user_id))
    buttons = [
        InlineKeyboardButton(
            f"✅ {item.label_text()}" if item.code in granted else f"➕ {item.label_text()}",
            callback_data=f"vol:{'qr' if item.code in granted else 'qg'}:{user_id}:{item.code}",
        )
        for item in SPECIALTIES
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([InlineKeyboardButton(_("◀ Back to the card"), callback_data=f"vol:v:{user_id}")])
    text = _(
        "Training qualifications of {name}. Needs that require training only go to volunteers "
        "trained for their field. Tap ➕ to record training, ✅ to remove it."
    ).format(name=isolate(found[1].full_name))
    await query.answer(toast)
    await query.edit_message_text(text, reply_markup=InlineKeyboardMarkup(rows))


@requires(STAFF)
async def open_qualifications(update: Update, context: Context) -> None:
    """The specialties with the ones this volunteer is trained for ticked."""
    await show_qualifications(update, context, int(update.callback_query.data.split(":")[2]))


@requires(STAFF)
async def change_qualification(update: Update, context: Context) -> None:
    """Grant (qg) or revoke (qr) one training qualification."""
    query = update.callback_query
    _area, code, raw_id, specialty = query.data.split(":")
    user_id = int(raw_id)
    if by_code(SPECIALTIES, specialty) is None:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    now = context.now()
    actor = query.from_user.id
    async with context.db.transaction() as tx:
        row = await db.get_volunteer(tx, user_id)
        changed = False
        if row is not None and row["status"] != "deleted":
            if code == "qg":
                changed = await db.grant_qualification(tx, user_id, specialty, granted_by=actor, now=now)
            else:
                changed = await db.revoke_qualification(tx, user_id, specialty)
        if changed:
            await db.audit(
                tx, actor_id=actor, now=now, target_type="volunteer", target_id=user_id,
                action="volunteer.qualify" if code == "qg" else "volunteer.unqualify",
                details={"specialty": specialty},
            )
            if code == "qg":
                await _notify(tx, context, user_id, "qualify", now=now, specialty=specialty)
    if code == "qg":
        toast = _("Recorded.") if changed else _("Already recorded.")
    else:
        toast = _("Removed.") if changed else _("Already removed.")
    await show_qualifications(update, context, user_id, toast=toast)


def register(app: Application) -> None:  # type: ignore[type-arg]
    # The results hold personal data: requires() answers only in a private chat.
    app.add_handler(CommandHandler("volunteers", volunteers_command))
    app.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND
            & _RepliesToSearchPrompt(app.user_data),
            search_reply,
        )
    )
    app.add_handler(CallbackQueryHandler(list_page, pattern=r"^vol:(s:\d+|sp:\w+|pe):\d+$"))
    app.add_handler(CallbackQueryHandler(back_to_list, pattern=r"^vol:bk$"))
    app.add_handler(CallbackQueryHandler(open_card, pattern=r"^vol:v:\d+$"))
    app.add_handler(CallbackQueryHandler(change_status, pattern=r"^vol:(ap|rj|su|re):\d+$"))
    app.add_handler(CallbackQueryHandler(open_qualifications, pattern=r"^vol:q:\d+$"))
    app.add_handler(CallbackQueryHandler(change_qualification, pattern=r"^vol:(qg|qr):\d+:\w+$"))

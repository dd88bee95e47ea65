"""Dispatch operations: offers, acceptances, the waitlist, cancellations and confirmations.

Handlers and the scheduler call these. Each operation is one `BEGIN IMMEDIATE` transaction that
re-reads the state it depends on, changes it with guarded UPDATEs (`... WHERE status = 'offered'`)
and writes every message it causes to the outbox in the same transaction, so a change and its
announcement commit together or not at all. Nothing here talks to Telegram: the handler answers
the person who pressed a button; everyone else hears through the outbox.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from bot import assignments, db, delivery, language_rule, matching, offer_check
from bot.assignments import HOLDS_PLACE, Status
from bot.config import Settings
from bot.db import Database, Queryable, Row, Tx
from bot.i18n import use_locale, user_locale
from bot.language_rule import LanguageRule
from bot.notices import dispatch as texts
from bot.notices import trainings as training_notices
from bot.texts import entity_name

STATS_WINDOW = timedelta(days=30)  # fairness: hours served in the last 30 days
BUSY_MARGIN = timedelta(days=8)  # covers a shift's week and anything overlapping it

# What happened, for the handler to put into words.
ACCEPTED = "accepted"
WAITLISTED = "waitlisted"
ALREADY = "already"  # already holds this place (or has already confirmed)
UNKNOWN = "unknown"  # no such assignment or shift
NOT_YOURS = "not_yours"  # someone else's assignment
EXPIRED = "expired"  # the time to answer is over
ANSWERED = "answered"  # declined, expired or cancelled before: nothing left to do
GONE = "gone"  # the shift or its need was cancelled or closed
STARTED = "started"  # the shift has started
INELIGIBLE = "ineligible"  # reason holds the matching rule
DECLINED = "declined"
CANCELLABLE = "cancellable"  # late says whether cancelling now is late
NEEDS_REASON = "needs_reason"  # a late cancellation needs a reason first
CANCELLED = "cancelled"
CONFIRMED = "confirmed"
CALENDAR = "calendar"  # the shift's .ics may be sent


@dataclass(frozen=True)
class Outcome:
    kind: str
    assignment: Row | None = None
    position: int = 0  # place on the waitlist
    reason: str | None = None  # matching rule failed (INELIGIBLE)
    late: bool = False  # CANCELLABLE, NEEDS_REASON, CANCELLED


def rules(settings: Settings) -> matching.Rules:
    return matching.Rules(
        tz=settings.timezone,
        min_volunteer_age=settings.min_volunteer_age,
        max_shifts_per_week=settings.max_shifts_per_week,
    )


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _window(row: Row) -> matching.Window:
    return db.moment(row["starts_at"]), db.moment(row["ends_at"])


def is_late(starts_at: datetime, now: datetime, settings: Settings) -> bool:
    return starts_at - now < timedelta(hours=settings.late_cancel_hours)


# -- what a shift asks, and who fits -------------------------------------------------------------


def shift_spec(
    row: Row, languages: set[str], site_languages: set[str], minimums: dict[str, int] | None = None
) -> matching.ShiftSpec:
    starts_at, ends_at = _window(row)
    return matching.ShiftSpec(
        shift_id=row["shift_id"],
        specialty=row["specialty"],
        starts_at=starts_at,
        ends_at=ends_at,
        gender=row["gender"],
        min_age=row["min_age"],
        languages=frozenset(languages),
        site_languages=frozenset(site_languages | languages),
        requires_training=bool(row["requires_training"]),
        minimums=LanguageRule.of(languages, minimums).minimums,
    )


async def load_spec(conn: Queryable, row: Row, *, site: bool = True) -> matching.ShiftSpec:
    """The shift's spec; `site=False` leaves out the languages asked for at its site, which only
    rank candidates and relax a waived language rule (eligibility does not read them)."""
    languages, minimums = (await db.need_language_rules(conn, [row["need_id"]]))[row["need_id"]]
    at_site = (await db.site_languages(conn, [row["site_name"]]))[row["site_name"]] if site else set()
    return shift_spec(row, languages, at_site, minimums)


@dataclass
class Busy:
    """Shifts volunteers hold (accepted or served) and shifts they have been offered."""

    held: dict[int, list[tuple[int, matching.Window]]] = field(default_factory=dict)
    pending: dict[int, list[tuple[int, matching.Window]]] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: Sequence[Row]) -> Busy:
        busy = cls()
        busy._add_rows(rows, {})
        return busy

    @classmethod
    async def load(
        cls, chunks: AsyncIterable[Sequence[Sequence[Any]]], *, pause: Callable[[], Awaitable[None]]
    ) -> Busy:
        """From db.everyones_busy_windows, `pause` before each chunk: the tick reads tens of
        thousands of windows, and reading and building them at once held the event loop."""
        busy = cls()
        windows: dict[int, tuple[int, matching.Window]] = {}
        async for chunk in chunks:
            await pause()
            busy._add_rows(chunk, windows)
        return busy

    def _add_rows(
        self, rows: Iterable[Sequence[Any]], windows: dict[int, tuple[int, matching.Window]]
    ) -> None:
        # (volunteer_id, shift_id, status, starts_at, ends_at), as db.busy_windows: a Row or a
        # plain tuple. A shift's window is one object for everyone on it (`windows`).
        for volunteer_id, shift_id, status, starts_at, ends_at in rows:
            target = self.pending if status == Status.OFFERED else self.held
            entry = windows.get(shift_id)
            if entry is None:
                entry = windows[shift_id] = (shift_id, (db.moment(starts_at), db.moment(ends_at)))
            target.setdefault(volunteer_id, []).append(entry)

    def of(self, user_id: int, shift_id: int) -> tuple[tuple[matching.Window, ...], tuple[matching.Window, ...]]:
        """(held, pending) windows of a volunteer, leaving out the shift being matched."""
        held, pending = self.held.get(user_id), self.pending.get(user_id)
        return (
            tuple(w for s, w in held if s != shift_id) if held else (),
            tuple(w for s, w in pending if s != shift_id) if pending else (),
        )

    def add_offer(self, user_id: int, shift_id: int, window: matching.Window) -> None:
        self.pending.setdefault(user_id, []).append((shift_id, window))


def _profile_candidate(
    profile: tuple[Row, set[str], set[str], set[tuple[int, str]], set[str]],
    stats: tuple[float, int, int],
    held: tuple[matching.Window, ...],
) -> matching.Candidate:
    row, specialties, languages, availability, qualifications = profile
    hours, no_shows, late = stats
    return matching.Candidate(
        user_id=row["user_id"],
        registered_at=db.moment(row["registered_at"]),
        status=row["status"],
        paused_until=db.parse_ts(row["paused_until"]),
        reachable=bool(row["reachable"]),
        gender=row["gender"],
        birth_date=_date(row["birth_date"]),
        specialties=frozenset(specialties),
        languages=frozenset(languages),
        qualifications=frozenset(qualifications),
        availability=frozenset(availability),
        available_from=_date(row["available_from"]),
        available_until=_date(row["available_until"]),
        hours_30d=hours,
        no_shows=no_shows,
        late_cancels=late,
        held=held,
    )


async def load_candidate(
    conn: Queryable, settings: Settings, user_id: int, *, shift: matching.ShiftSpec, now: datetime,
    stats: bool = True,
) -> matching.Candidate | None:
    """A volunteer's whole profile for a re-check (accept, sign-up); None if not registered.
    Offers they hold elsewhere do not count here: only shifts they have taken. `stats=False`
    leaves their recent hours and no-shows at 0: they only rank, eligibility does not read them."""
    profile = await db.volunteer_for_matching(conn, user_id, now=now)
    if profile is None:
        return None
    served = (
        await db.volunteer_stats(conn, [user_id], since=now - STATS_WINDOW, now=now)
        if stats else {}
    )
    busy = Busy.from_rows(
        await db.busy_windows(
            conn,
            start=shift.starts_at - BUSY_MARGIN,
            end=shift.ends_at + BUSY_MARGIN,
            user_ids=[user_id],
        )
    )
    held, _pending = busy.of(user_id, shift.shift_id)
    return _profile_candidate(profile, served.get(user_id, (0.0, 0, 0)), held)


@functools.lru_cache(maxsize=8192)  # the same shifts' times, parsed for every /shifts
def _instant(value: str) -> datetime:
    return db.moment(value)


@dataclass(frozen=True)
class OpenShifts:
    """A page of the upcoming shifts with a free place that a volunteer is eligible for."""

    total: int  # all of them, not only this page
    offset: int  # of the page's first shift (moved back onto the last page if past the end)
    page: list[tuple[Row, int]]  # (shift with `_SHIFT_COLUMNS`, places left), soonest first


async def open_shifts_page(
    database: Database,
    settings: Settings,
    *,
    user_id: int,
    now: datetime,
    offset: int,
    size: int,
    profile: db.MatchingProfile | None = None,
) -> OpenShifts:
    """Upcoming shifts with a free place that this volunteer is eligible for, soonest first: the
    total, and the `size` of them from `offset`. `profile`: the volunteer's matching profile if
    the caller has just read it (`db.volunteer_for_matching` with `now`).

    Eligibility is checked on every candidate shift (the total must be right), on the few columns
    it reads; places left are counted for the eligible ones only, and only the page is read in
    full. Its reads are short indexed ones, made on the event loop's thread (Database.quick)."""
    reads = database.quick
    if profile is None:
        profile = await db.volunteer_for_matching(reads, user_id, now=now)
    if profile is None:
        return OpenShifts(0, 0, [])
    rows = await db.open_shifts_for_volunteer(
        reads,
        user_id=user_id,
        specialties=sorted(profile[1]),
        gender=profile[0]["gender"],
        now=now,
        languages=sorted(profile[2]),
        qualifications=sorted(profile[4]),
    )
    if not rows:
        return OpenShifts(0, 0, [])
    languages: dict[str | None, frozenset[str]] = {}
    for row in rows:
        listed = row["need_languages"]
        if listed not in languages:
            languages[listed] = frozenset(listed.split(",")) if listed else frozenset()
    windows = [(_instant(r["starts_at"]), _instant(r["ends_at"])) for r in rows]
    busy = Busy.from_rows(
        await db.busy_windows(
            reads,
            start=min(w[0] for w in windows) - BUSY_MARGIN,
            end=max(w[1] for w in windows) + BUSY_MARGIN,
            user_ids=[user_id],
        )
    )
    office = rules(settings)
    # Eligibility reads no statistics (they only rank) and no site languages or language
    # minimums (they choose among the eligible): the spec carries what `ineligibility` reads.
    candidate = _profile_candidate(profile, (0.0, 0, 0), ())  # once, not per shift
    eligible = []
    for row, (starts_at, ends_at) in zip(rows, windows, strict=True):
        # The volunteer's weekly hours turn most shifts away (more than half of them in the
        # benchmarks' season): that rule, the cheapest, first; `ineligibility` checks it again.
        if not matching.periods_needed(starts_at, ends_at, office.tz) <= candidate.availability:
            continue
        shift_id = row["shift_id"]
        candidate.held, _pending = busy.of(user_id, shift_id)
        spec = matching.ShiftSpec(
            shift_id=shift_id,
            specialty=row["specialty"],
            starts_at=starts_at,
            ends_at=ends_at,
            gender=row["gender"],
            min_age=row["min_age"],
            languages=languages[row["need_languages"]],
            requires_training=bool(row["requires_training"]),
        )
        if matching.ineligibility(candidate, spec, office, now) is None:
            eligible.append(row)
    fills = await db.shift_fills(
        reads, [row["shift_id"] for row in eligible], user_id=user_id, now=now
    )
    found = []
    for row in eligible:
        accepted, holds = fills[row["shift_id"]]
        if row["slots"] - accepted - holds > 0:
            found.append((row["shift_id"], row["slots"] - accepted - holds))
    if not found:
        return OpenShifts(0, 0, [])
    offset = min(max(0, offset), (len(found) - 1) // size * size)
    shown = found[offset : offset + size]
    page = await db.shift_rows(reads, [shift_id for shift_id, _free in shown])
    free = dict(shown)
    return OpenShifts(len(found), offset, [(row, free[row["shift_id"]]) for row in page])


async def ranked_candidates(
    conn: Queryable,
    settings: Settings,
    shift: matching.ShiftSpec,
    *,
    now: datetime,
    limit: int | None = None,
    busy: Busy | None = None,
) -> list[matching.Candidate]:
    """The volunteers who may be offered the shift, best first: the SQL pre-filter narrows the
    volunteers, matching re-checks them (including overlaps and the weekly cap) and ranks them.

    With `limit`, only the best `limit`: the pre-filter returns candidates already in ranking
    order, a few more than asked for, and asks again for more when the re-check turned too many
    away (overlaps and weekly caps are rare), so a wave never loads thousands of rows. `busy`
    lets a tick load everyone's shifts once for many shifts."""
    office = rules(settings)
    first_day, last_day = matching.local_days(shift, office.tz)
    periods = matching.periods_needed(shift.starts_at, shift.ends_at, office.tz)
    site = sorted(shift.site_languages | shift.languages)
    fetch = None if limit is None else max(2 * limit, limit + 10)
    while True:
        rows = await db.matching_candidates(
            conn,
            shift_id=shift.shift_id,
            specialty=shift.specialty,
            now=now,
            gender=shift.gender,
            born_by=matching.born_on_or_before(
                first_day, matching.minimum_age(shift, office)
            ).isoformat(),
            first_day=first_day.isoformat(),
            last_day=last_day.isoformat(),
            languages=sorted(shift.languages),
            periods=sorted(periods),
            requires_training=shift.requires_training,
            site_languages=site,
            stats_since=now - STATS_WINDOW,
            limit=fetch,
        )
        window_busy = busy
        if window_busy is None:
            window_busy = Busy.from_rows(
                await db.busy_windows(
                    conn, start=shift.starts_at - BUSY_MARGIN, end=shift.ends_at + BUSY_MARGIN,
                    user_ids=[row["user_id"] for row in rows],
                )
            )
        ranked = matching.best_candidates(
            _prefiltered(rows, shift, site, periods, window_busy), shift, office, now
        )
        if limit is None:
            return ranked
        if len(ranked) >= limit or fetch is None or len(rows) < fetch:
            return ranked[:limit]
        fetch *= 4  # too many turned away by the re-check: look further down the list


def _prefiltered(
    rows: Sequence[Row],
    shift: matching.ShiftSpec,
    site: list[str],
    periods: frozenset[tuple[int, str]],
    busy: Busy,
) -> list[matching.Candidate]:
    """Candidates from pre-filter rows. The pre-filter checked specialty, training, languages and
    availability: each candidate carries just those facts, all matching needs for this shift."""
    specialties = frozenset({shift.specialty})
    qualifications = specialties if shift.requires_training else frozenset()
    languages_by_flags: dict[tuple[int, ...], frozenset[str]] = {}
    candidates = []
    for row in rows:
        user_id = row["user_id"]
        flags = tuple(row[f"site_lang_{index}"] for index in range(len(site)))
        languages = languages_by_flags.get(flags)
        if languages is None:
            spoken = {lang for lang, flag in zip(site, flags, strict=True) if flag}
            languages = languages_by_flags[flags] = frozenset(spoken)
        held, pending = busy.of(user_id, shift.shift_id)
        candidates.append(
            matching.Candidate(
                user_id=user_id,
                registered_at=datetime.fromisoformat(row["registered_at"]),
                status=row["status"],
                paused_until=db.parse_ts(row["paused_until"]) if row["paused_until"] else None,
                reachable=bool(row["reachable"]),
                gender=row["gender"],
                birth_date=date.fromisoformat(row["birth_date"]),
                specialties=specialties,
                languages=languages,
                qualifications=qualifications,
                availability=periods,
                available_from=_date(row["available_from"]),
                available_until=_date(row["available_until"]),
                hours_30d=row["hours"],
                no_shows=row["no_shows"],
                late_cancels=row["late_cancels"],
                held=held,
                pending=pending,
            )
        )
    return candidates


# -- messages ------------------------------------------------------------------------------------


def offer_key(assignment: Row) -> str:
    """The outbox key of the message that asked this volunteer (an offer or a promotion)."""
    if assignment["promoted_at"]:
        stamp = int(db.moment(assignment["promoted_at"]).timestamp())
        return f"promo:{assignment['id']}:{stamp}"
    if assignment["series_id"]:
        return f"series:{assignment['series_id']}"
    if assignment["source"] == "manual":  # offered by hand, maybe again after a decline
        stamp = int(db.moment(assignment["offered_at"]).timestamp())
        return f"manual:{assignment['id']}:{stamp}"
    return f"offer:{assignment['id']}"


async def enqueue_offer(
    tx: Tx,
    settings: Settings,
    *,
    assignment_id: int,
    key: str,
    recipient: Row,
    shift: Row,
    now: datetime,
    expires_at: datetime,
    promotion: bool = False,
    texts_by_locale: dict[str, str] | None = None,
) -> None:
    """The offer (or promotion) message, preceded by the site on a map when the need has one.
    `texts_by_locale` lets a wave render the shift's text once per language, not per person."""
    tz = settings.timezone
    locale = user_locale(recipient, settings.default_locale)
    with use_locale(locale):
        if shift["latitude"] is not None and shift["longitude"] is not None:
            await delivery.enqueue(
                tx,
                chat_id=recipient["id"],
                dedupe_key=f"{key}:venue",
                now=now,
                method="sendVenue",
                params={
                    "latitude": shift["latitude"],
                    "longitude": shift["longitude"],
                    "title": shift["site_name"],
                    "address": entity_name(shift, "entity_"),
                },
                priority=delivery.URGENT if promotion else delivery.NORMAL,
                deadline=expires_at,
            )
        text = texts_by_locale.get(locale) if texts_by_locale is not None else None
        session = None
        if text is None and shift["session_id"] is not None and not promotion:
            session = await db.get_training_session(tx, session_id=shift["session_id"])
        if text is None:
            text = (
                texts.promotion_text(shift, tz, expires_at, settings.waitlist_confirm_ttl)
                if promotion
                else training_notices.invitation_text(session, tz, expires_at)
                if session is not None
                else texts.offer_text(shift, tz, expires_at)
            )
            if texts_by_locale is not None:
                texts_by_locale[locale] = text
        await delivery.enqueue(
            tx,
            chat_id=recipient["id"],
            dedupe_key=key,
            now=now,
            text=text,
            reply_markup=texts.offer_keyboard(assignment_id),
            priority=delivery.URGENT if promotion else delivery.NORMAL,
            deadline=expires_at,  # an offer is no use once it has expired
        )


async def close_offer_message(
    tx: Tx, settings: Settings, assignment: Row, *, note: Callable[[], str], now: datetime
) -> None:
    """Withdraw an offer message not sent yet, or edit the sent one to say why it is closed."""
    if texts.in_series(assignment):
        await refresh_series_messages(tx, settings, [assignment["series_id"]], now=now)
        return
    key = offer_key(assignment)
    sent = await db.outbox_by_key(tx, key)
    if sent is None:
        return
    with use_locale(user_locale(assignment, settings.default_locale)):
        closing = note()
    outcome = await delivery.revise(
        tx, sent, dedupe_key=f"{key}:closed", now=now,
        text=lambda original: f"{original}\n\n{closing}" if original else closing,
    )
    if outcome == "withdrawn":
        await db.cancel_pending_outbox(tx, [f"{key}:venue"])


async def close_offer_messages(
    tx: Tx, settings: Settings, closing: list[tuple[Row, Callable[[], str]]], *, now: datetime
) -> None:
    """`close_offer_message` for a chunk of offers (assignment, note) in a few statements: the
    tick expires thousands at once three hours after a big first wave. Days of a series offer
    are shown closed on their series message, once per series."""
    series = sorted({a["series_id"] for a, _note in closing if texts.in_series(a)})
    closing = [(a, note) for a, note in closing if not texts.in_series(a)]
    await refresh_series_messages(tx, settings, series, now=now)
    keys = [offer_key(assignment) for assignment, _note in closing]
    stored = await db.outbox_by_keys(tx, keys)
    rendered: dict[tuple[str, Callable[[], str]], str] = {}  # each note once per language
    revisions: list[tuple[Row, str, Callable[[str], str]]] = []
    for key, (assignment, note) in zip(keys, closing, strict=True):
        sent = stored.get(key)
        if sent is None:
            continue
        locale = user_locale(assignment, settings.default_locale)
        closing_text = rendered.get((locale, note))
        if closing_text is None:
            with use_locale(locale):
                closing_text = rendered[(locale, note)] = note()
        revisions.append((sent, f"{key}:closed", functools.partial(_closed_text, closing_text)))
    outcomes = await delivery.revise_many(tx, revisions, now=now)
    withdrawn = [sent for (sent, _key, _text), outcome in zip(revisions, outcomes, strict=True)
                 if outcome == "withdrawn"]
    await db.cancel_pending_outbox(tx, [f"{sent['dedupe_key']}:venue" for sent in withdrawn])


def _closed_text(closing: str, original: str) -> str:
    return f"{original}\n\n{closing}" if original else closing


async def notify_office(
    tx: Tx,
    settings: Settings,
    assignment: Row,
    *,
    kind: str,
    render: Callable[[], str],
    now: datetime,
) -> int:
    """Tell the coordinators and the entity's representatives, each in their language; the
    outbox key is `<kind>:<recipient>`."""
    recipients: dict[int, Row] = {}
    for row in await db.list_users_by_role(tx, ("coordinator", "admin")):
        recipients[row["id"]] = row
    for row in await db.entity_representatives(tx, assignment["entity_id"]):
        recipients.setdefault(row["id"], row)
    for user_id, row in recipients.items():
        with use_locale(user_locale(row, settings.default_locale)):
            text = render()
        await delivery.enqueue(
            tx, chat_id=user_id, dedupe_key=f"{kind}:{user_id}", now=now,
            text=text,
        )
    return len(recipients)


# -- series offers: several days of one need, asked in one message ------------------------------

SERIES_MAX_DAYS = 14  # days per series message: its text and buttons stay within Telegram's limits


@dataclass(frozen=True)
class SeriesOutcome:
    """What Accept all or Decline all did: one Outcome per day that was still open."""

    kind: str  # ANSWERED (the days' outcomes say what), UNKNOWN or NOT_YOURS
    series_id: int = 0
    days: tuple[Outcome, ...] = ()

    def count(self, *kinds: str) -> int:
        """Days that came out as one of `kinds`."""
        return sum(1 for day in self.days if day.kind in kinds)


async def enqueue_offers(
    tx: Tx, settings: Settings, *, assignment_ids: Sequence[int], recipient: Row, now: datetime
) -> None:
    """The message(s) asking a volunteer for the offers just made on the days of one need: a
    single day as an ordinary offer, several as series of up to SERIES_MAX_DAYS days."""
    if len(assignment_ids) == 1:
        row = await db.get_assignment(tx, assignment_ids[0])
        assert row is not None
        await enqueue_offer(
            tx, settings, assignment_id=row["id"], key=offer_key(row), recipient=recipient,
            shift=row, now=now, expires_at=db.moment(row["expires_at"]),
        )
        return
    for start in range(0, len(assignment_ids), SERIES_MAX_DAYS):
        ids = assignment_ids[start : start + SERIES_MAX_DAYS]
        first = await db.get_assignment(tx, ids[0])
        assert first is not None
        series_id = await db.insert_series(
            tx, need_id=first["need_id"], volunteer_id=recipient["id"], assignment_ids=ids, now=now
        )
        await _enqueue_series(tx, settings, series_id=series_id, recipient=recipient, now=now)


async def _enqueue_series(
    tx: Tx, settings: Settings, *, series_id: int, recipient: Row, now: datetime
) -> None:
    rows = await db.series_assignments(tx, series_id)
    first = rows[0]
    deadline = max(db.moment(row["expires_at"]) for row in rows)
    key = f"series:{series_id}"
    with use_locale(user_locale(recipient, settings.default_locale)):
        if first["latitude"] is not None and first["longitude"] is not None:
            await delivery.enqueue(  # the site on a map once, not once per day
                tx, chat_id=recipient["id"], dedupe_key=f"{key}:venue", now=now,
                method="sendVenue",
                params={
                    "latitude": first["latitude"], "longitude": first["longitude"],
                    "title": first["site_name"], "address": entity_name(first, "entity_"),
                },
                deadline=deadline,
            )
        await delivery.enqueue(
            tx, chat_id=recipient["id"], dedupe_key=key, now=now,
            text=texts.series_text(rows, settings.timezone, now=now),
            reply_markup=texts.series_keyboard(series_id, rows, now=now),
            deadline=deadline,
        )


async def refresh_series_messages(
    tx: Tx, settings: Settings, series_ids: Sequence[int], *, now: datetime
) -> None:
    """Days of these series closed on their own (expired): each series message is edited to say
    so, keeping the buttons of the days still open; one not sent yet and with nothing left open
    is withdrawn (with its map)."""
    for series_id in series_ids:
        key = f"series:{series_id}"
        sent = await db.outbox_by_key(tx, key)
        if sent is None:
            continue
        rows = await db.series_assignments(tx, series_id)
        still_open = [row for row in rows if texts.series_day_open(row, now)]
        if sent["status"] == "pending":
            if not still_open:
                await db.cancel_pending_outbox_row(tx, sent["id"])
                await db.cancel_pending_outbox(tx, [f"{key}:venue"])
            continue
        if sent["status"] != "sent" or not sent["message_id"]:
            continue
        positions = {
            row["id"]: await db.waitlist_position(tx, row["id"])
            for row in rows if row["status"] == Status.WAITLISTED
        }
        with use_locale(user_locale(rows[0], settings.default_locale)):
            text = texts.series_text(rows, settings.timezone, now=now, positions=positions)
            keyboard = texts.series_keyboard(series_id, rows, now=now)
        await delivery.enqueue(
            tx, chat_id=sent["chat_id"], dedupe_key=f"{key}:v{len(rows) - len(still_open)}",
            now=now, method="editMessageText", params={"message_id": sent["message_id"]},
            text=text, reply_markup=keyboard,
        )


# -- taking a place ------------------------------------------------------------------------------


async def schedule_reminders(tx: Tx, settings: Settings, assignment: Row, *, now: datetime) -> bool:
    """Plan the reminders still ahead; True when accepting now counts as confirmed (the first
    reminder, which asks to confirm, would already have been due)."""
    starts_at = db.parse_ts(assignment["starts_at"])
    assert starts_at is not None
    for lead in settings.reminder_leads:
        due = starts_at - lead
        if due > now:
            await db.schedule_reminder(
                tx, assignment["id"], lead_seconds=int(lead.total_seconds()), due_at=due
            )
    return starts_at - now <= max(settings.reminder_leads)


async def language_rule_of(conn: Queryable, need_id: int) -> LanguageRule:
    languages, minimums = (await db.need_language_rules(conn, [need_id]))[need_id]
    return LanguageRule.of(languages, minimums)


async def _keeps_place_for_minimum(tx: Tx, assignment: Row, free: int, *, now: datetime) -> bool:
    """Is the place this volunteer would take kept for a missing speaker of a language with a
    minimum, who is being asked (bot/language_rule.py: may_take)?"""
    rule = await language_rule_of(tx, assignment["need_id"])
    if not rule.minimums:
        return False
    holders, asked = await db.shift_speakers(
        tx, assignment["shift_id"], now=now, leave_out=assignment["id"]
    )
    spoken = (await db.languages_of_volunteers(tx, [assignment["volunteer_id"]])).get(
        assignment["volunteer_id"], []
    )
    return not language_rule.may_take(rule, spoken, free_places=free, holders=holders, asked=asked)


async def _take_place(tx: Tx, settings: Settings, assignment: Row, *, now: datetime) -> Outcome:
    """Accept if a place is free (counted inside this transaction) and not kept for a speaker
    of a language with a minimum, else join the waitlist. A promoted waitlister's hold was
    given by the same rule."""
    fill = await db.shift_fill(tx, assignment["shift_id"], now=now)
    expires_at = db.parse_ts(assignment["expires_at"])
    own_hold = int(bool(assignment["promoted_at"]) and expires_at is not None and expires_at > now)
    free = assignment["slots"] - (fill["accepted"] + fill["holds"] - own_hold)
    if free > 0 and (own_hold or not await _keeps_place_for_minimum(tx, assignment, free, now=now)):
        confirmed = await schedule_reminders(tx, settings, assignment, now=now)
        await db.mark_accepted(tx, assignment["id"], now=now, confirmed=confirmed)
        return Outcome(ACCEPTED, assignment)
    await db.mark_waitlisted(tx, assignment["id"], now=now)
    return Outcome(
        WAITLISTED, assignment, position=await db.waitlist_position(tx, assignment["id"])
    )


async def _eligibility_problem(
    tx: Tx, settings: Settings, user_id: int, shift: Row, *, now: datetime,
    waived: frozenset[str] = frozenset(),
) -> Outcome | None:
    """Why this volunteer may not take the shift, or None; `waived` are the rules an offer made by
    hand waived (bot/operations/manual.py): every other rule still counts."""
    if shift["session_id"] is not None:
        session = await db.get_training_session(tx, session_id=shift["session_id"])
        if session is not None and session["kind"] == "lecture":
            return None  # a lecture is open to its whole audience, whatever their profile
    # What the rules read, no more: the site's languages only matter when a rule was waived.
    spec = await load_spec(tx, shift, site=bool(waived))
    candidate = await load_candidate(tx, settings, user_id, shift=spec, now=now, stats=False)
    if candidate is None:
        return Outcome(INELIGIBLE, reason=matching.STATUS)
    reason = matching.ineligibility(candidate, spec, rules(settings), now)
    if reason is not None and waived:
        reason = offer_check.first_unwaived(candidate, spec, rules(settings), now, waived)
    return None if reason is None else Outcome(INELIGIBLE, reason=reason)


def _shift_problem(row: Row, now: datetime) -> Outcome | None:
    if row["shift_status"] != "open" or row["need_status"] != "approved":
        return Outcome(GONE, row)
    if db.moment(row["starts_at"]) <= now:
        return Outcome(STARTED, row)
    return None


async def _offer_problem(
    conn: Queryable, assignment: Row | None, user_id: int, now: datetime
) -> Outcome | None:
    """Why this offer cannot be answered now, or None."""
    if assignment is None:
        return Outcome(UNKNOWN)
    if assignment["volunteer_id"] != user_id:
        return Outcome(NOT_YOURS)
    if assignment["status"] in HOLDS_PLACE:
        return Outcome(ALREADY, assignment)
    if assignment["status"] == Status.WAITLISTED:
        return Outcome(
            WAITLISTED, assignment, position=await db.waitlist_position(conn, assignment["id"])
        )
    problem = _shift_problem(assignment, now)
    if problem:
        return problem
    if assignment["status"] != Status.OFFERED:
        return Outcome(ANSWERED, assignment)
    if db.moment(assignment["expires_at"]) <= now:
        return Outcome(EXPIRED, assignment)
    return None


async def accept(
    database: Database, settings: Settings, *, assignment_id: int, user_id: int, now: datetime
) -> Outcome:
    """The volunteer accepts an offer: exactly as many accept as there are places."""
    async with database.transaction() as tx:
        assignment = await db.get_assignment(tx, assignment_id)
        problem = await _offer_problem(tx, assignment, user_id, now)
        if problem:
            return problem
        assert assignment is not None
        problem = await _eligibility_problem(
            tx, settings, user_id, assignment, now=now,
            waived=offer_check.decode(assignment["waived"]),
        )
        if problem:
            return replace(problem, assignment=assignment)
        return await _take_place(tx, settings, assignment, now=now)


async def sign_up(
    database: Database, settings: Settings, *, shift_id: int, user_id: int, now: datetime
) -> Outcome:
    """The volunteer signs up from /shifts: the same atomic path as accepting an offer."""
    async with database.transaction() as tx:
        shift = await db.get_shift(tx, shift_id)
        if shift is None:
            return Outcome(UNKNOWN)
        problem = _shift_problem(shift, now)
        if problem:
            return problem
        existing = await db.find_assignment(tx, shift_id, user_id)
        if existing is not None:
            if existing["status"] in HOLDS_PLACE:
                return Outcome(ALREADY, existing)
            if existing["status"] == Status.WAITLISTED:
                position = await db.waitlist_position(tx, existing["id"])
                return Outcome(WAITLISTED, existing, position=position)
        problem = await _eligibility_problem(tx, settings, user_id, shift, now=now)
        if problem:
            return problem
        live_offer = (
            existing is not None
            and existing["status"] == Status.OFFERED
            and db.moment(existing["expires_at"]) > now
        )
        if existing is None:
            assignment_id = await db.insert_offer(
                tx, shift_id=shift_id, volunteer_id=user_id, now=now, expires_at=now,
                source="signup",
            )
            assert assignment_id is not None
        else:
            assignment_id = existing["id"]
            if not live_offer:
                await db.reopen_for_signup(tx, assignment_id, now=now)
        assignment = await db.get_assignment(tx, assignment_id)
        assert assignment is not None
        return await _take_place(tx, settings, assignment, now=now)


async def decline(
    database: Database, settings: Settings, *, assignment_id: int, user_id: int, now: datetime
) -> Outcome:
    """The volunteer declines an offer; a promoted waitlister's place goes to the next one."""
    async with database.transaction() as tx:
        assignment = await db.get_assignment(tx, assignment_id)
        problem = await _offer_problem(tx, assignment, user_id, now)
        if problem:
            return problem
        assert assignment is not None
        await db.mark_declined(tx, assignment_id, now=now)
        if assignment["promoted_at"]:
            await fill_from_waitlist(tx, settings, assignment["shift_id"], now=now)
        return Outcome(DECLINED, assignment)


async def save_decline_reason(
    database: Database, *, assignment_id: int, user_id: int, reason: str
) -> Outcome:
    """Store why an offer was declined (optional): DECLINED when stored."""
    async with database.transaction() as tx:
        assignment = await db.get_assignment(tx, assignment_id)
        if assignment is None:
            return Outcome(UNKNOWN)
        if assignment["volunteer_id"] != user_id:
            return Outcome(NOT_YOURS)
        if not await db.set_decline_reason(tx, assignment_id, reason[:500]):
            return Outcome(ANSWERED, assignment)
        return Outcome(DECLINED, assignment)


def _cancel_problem(assignment: Row | None, user_id: int, now: datetime) -> Outcome | None:
    if assignment is None:
        return Outcome(UNKNOWN)
    if assignment["volunteer_id"] != user_id:
        return Outcome(NOT_YOURS)
    if assignment["status"] not in assignments.CANCELLABLE:
        return Outcome(ANSWERED, assignment)
    return _shift_problem(assignment, now)


async def cancellation_check(
    database: Database, settings: Settings, *, assignment_id: int, user_id: int, now: datetime
) -> Outcome:
    """May this volunteer cancel this place now, and would it be late?"""
    assignment = await db.get_assignment(database, assignment_id)
    problem = _cancel_problem(assignment, user_id, now)
    if problem:
        return problem
    assert assignment is not None
    late = assignment["status"] == Status.ACCEPTED and is_late(
        db.moment(assignment["starts_at"]), now, settings
    )
    return Outcome(CANCELLABLE, assignment, late=late)


async def cancel(
    database: Database,
    settings: Settings,
    *,
    assignment_id: int,
    user_id: int,
    now: datetime,
    reason: str | None = None,
) -> Outcome:
    """The volunteer gives up a place (or leaves the waitlist). Late cancellations need a reason,
    count against the volunteer and are told to the office and the entity; a freed place goes to
    the first on the waitlist, or to the next wave of offers."""
    async with database.transaction() as tx:
        assignment = await db.get_assignment(tx, assignment_id)
        problem = _cancel_problem(assignment, user_id, now)
        if problem:
            return problem
        assert assignment is not None
        was_accepted = assignment["status"] == Status.ACCEPTED
        late = was_accepted and is_late(
            db.moment(assignment["starts_at"]), now, settings
        )
        if late and not reason:
            return Outcome(NEEDS_REASON, assignment, late=True)
        await db.mark_cancelled(
            tx, assignment_id, now=now, reason=reason[:500] if reason else None, late=late
        )
        await db.skip_pending_reminders(tx, assignment_id, now=now)
        if was_accepted:
            await fill_from_waitlist(tx, settings, assignment["shift_id"], now=now)
        if late:
            await notify_office(
                tx,
                settings,
                assignment,
                kind=f"latecancel:{assignment_id}:{int(now.timestamp())}",
                render=lambda: texts.late_cancel_notice(
                    assignment, settings.timezone, now=now, reason=reason or ""
                ),
                now=now,
            )
        return Outcome(CANCELLED, assignment, late=late)


async def confirm(
    database: Database, *, assignment_id: int, user_id: int, now: datetime
) -> Outcome:
    """The volunteer confirms from a reminder that they are coming."""
    async with database.transaction() as tx:
        assignment = await db.get_assignment(tx, assignment_id)
        problem = _cancel_problem(assignment, user_id, now)
        if problem:
            return problem
        assert assignment is not None
        if assignment["status"] != Status.ACCEPTED:
            return Outcome(ANSWERED, assignment)
        if not await db.mark_confirmed(tx, assignment_id, now=now):
            return Outcome(ALREADY, assignment)
        return Outcome(CONFIRMED, assignment)


async def take_calendar(
    database: Database, *, assignment_id: int, user_id: int, now: datetime
) -> Outcome:
    """The volunteer asks for the .ics of a place they hold on a shift still ahead or under way;
    remembered, so that the shift's cancellation reaches their calendar too."""
    async with database.transaction() as tx:
        assignment = await db.get_assignment(tx, assignment_id)
        if assignment is None:
            return Outcome(UNKNOWN)
        if assignment["volunteer_id"] != user_id:
            return Outcome(NOT_YOURS)
        if assignment["shift_status"] != "open" or assignment["need_status"] != "approved":
            return Outcome(GONE, assignment)
        if assignment["status"] not in (Status.ACCEPTED, Status.CHECKED_IN) or (
            db.moment(assignment["ends_at"]) <= now
        ):
            return Outcome(ANSWERED, assignment)
        await db.mark_calendar_sent(tx, assignment_id, now=now)
        return Outcome(CALENDAR, assignment)


# -- answering a series offer at once ------------------------------------------------------------


async def _answer_series(
    database: Database, settings: Settings, *, series_id: int, user_id: int, now: datetime,
    take: bool,
) -> SeriesOutcome:
    async with database.transaction() as tx:
        series = await db.get_series(tx, series_id)
        if series is None:
            return SeriesOutcome(UNKNOWN)
        if series["volunteer_id"] != user_id:
            return SeriesOutcome(NOT_YOURS)
        days: list[Outcome] = []
        for row in await db.series_assignments(tx, series_id):
            if row["promoted_at"]:
                continue  # asked again by a promotion of its own
            if row["status"] == Status.EXPIRED:
                days.append(Outcome(EXPIRED, row))
                continue
            if row["status"] != Status.OFFERED:
                continue  # answered already
            problem = await _offer_problem(tx, row, user_id, now)
            if problem is None and take:
                problem = await _eligibility_problem(tx, settings, user_id, row, now=now)
                if problem is not None:
                    problem = replace(problem, assignment=row)
            if problem is not None:
                days.append(problem)
            elif take:
                days.append(await _take_place(tx, settings, row, now=now))
            else:
                await db.mark_declined(tx, row["id"], now=now)
                days.append(Outcome(DECLINED, row))
        return SeriesOutcome(ANSWERED, series_id, tuple(days))


async def accept_series(
    database: Database, settings: Settings, *, series_id: int, user_id: int, now: datetime
) -> SeriesOutcome:
    """Accept all: every day still open is taken (or waitlisted, if it filled meanwhile), each by
    the same rules as accepting that day alone, in one transaction."""
    return await _answer_series(
        database, settings, series_id=series_id, user_id=user_id, now=now, take=True
    )


async def decline_series(
    database: Database, settings: Settings, *, series_id: int, user_id: int, now: datetime
) -> SeriesOutcome:
    """Decline all: every day still open is declined; days already taken stay taken."""
    return await _answer_series(
        database, settings, series_id=series_id, user_id=user_id, now=now, take=False
    )


async def take_series_calendar(
    database: Database, *, series_id: int, user_id: int, now: datetime
) -> tuple[str, list[Row]]:
    """Add to calendar on a series message: the days taken (and still ahead), remembered like
    take_calendar. (CALENDAR, rows), or (UNKNOWN | NOT_YOURS | ANSWERED, [])."""
    async with database.transaction() as tx:
        series = await db.get_series(tx, series_id)
        if series is None:
            return UNKNOWN, []
        if series["volunteer_id"] != user_id:
            return NOT_YOURS, []
        taken = [
            row for row in await db.series_assignments(tx, series_id)
            if row["status"] in (Status.ACCEPTED, Status.CHECKED_IN)
            and row["shift_status"] == "open" and row["need_status"] == "approved"
            and db.moment(row["ends_at"]) > now
        ]
        for row in taken:
            await db.mark_calendar_sent(tx, row["id"], now=now)
        return (CALENDAR, taken) if taken else (ANSWERED, [])


# -- the waitlist --------------------------------------------------------------------------------


async def _next_waitlisted(tx: Tx, shift: Row, free: int, *, now: datetime) -> Row | None:
    """The first on the waitlist, or, while places are kept for missing speakers of a language
    with a minimum, the first who may take one (language_rule.pick_first)."""
    rule = await language_rule_of(tx, shift["need_id"])
    if not rule.minimums:
        return await db.first_waitlisted(tx, shift["shift_id"], now=now)
    holders, asked = await db.shift_speakers(tx, shift["shift_id"], now=now)
    waiting = await db.waitlisted_in_order(tx, shift["shift_id"], now=now)
    first = language_rule.pick_first(
        rule, waiting, lambda row: row["languages"].split(",") if row["languages"] else [],
        free_places=free, holders=holders, asked=asked,
    )
    return None if first is None else await db.get_assignment(tx, first["id"])


async def fill_from_waitlist(tx: Tx, settings: Settings, shift_id: int, *, now: datetime) -> list[int]:
    """Offer each free place to the next on the waitlist, held for WAITLIST_CONFIRM_TTL."""
    promoted: list[int] = []
    while True:
        shift = await db.get_shift(tx, shift_id)
        if shift is None or _shift_problem(shift, now):
            return promoted
        fill = await db.shift_fill(tx, shift_id, now=now)
        if shift["slots"] - fill["accepted"] - fill["holds"] <= 0:
            return promoted
        waiting = await _next_waitlisted(
            tx, shift, shift["slots"] - fill["accepted"] - fill["holds"], now=now
        )
        if waiting is None:
            return promoted
        starts_at = db.parse_ts(shift["starts_at"])
        assert starts_at is not None
        expires_at = min(now + settings.waitlist_confirm_ttl, starts_at)
        await db.mark_promoted(tx, waiting["id"], now=now, expires_at=expires_at)
        promoted_row = await db.get_assignment(tx, waiting["id"])
        assert promoted_row is not None
        user = await db.get_user(tx, waiting["volunteer_id"])
        assert user is not None  # assignments.volunteer_id references users
        await enqueue_offer(
            tx,
            settings,
            assignment_id=waiting["id"],
            key=offer_key(promoted_row),
            recipient=user,
            shift=shift,
            now=now,
            expires_at=expires_at,
            promotion=True,
        )
        promoted.append(waiting["id"])

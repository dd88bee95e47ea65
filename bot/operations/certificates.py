"""Issuing hours certificates: one transaction reads the hours, stores the certificate with its
verification code and writes the audit row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import db
from bot.certificates import Certificate, Period, new_code, tally
from bot.db import Database
from bot.i18n import user_locale


@dataclass(frozen=True)
class Issued:
    kind: str  # issued | no_volunteer | no_hours
    certificate: Certificate | None = None


async def issue(
    db_: Database, *, volunteer_id: int, period: Period, tz: ZoneInfo, issued_by: int,
    request_key: str, default_locale: str, now: datetime,
) -> Issued:
    """A certificate of the volunteer's completed hours in `period`, in their language. The same
    `request_key` again returns the certificate it issued the first time."""
    async with db_.transaction() as tx:
        existing = await db.get_certificate(tx, request_key=request_key)
        if existing is not None:
            return Issued("issued", Certificate.from_row(existing))
        volunteer = await db.get_volunteer(tx, volunteer_id)
        user = await db.get_user(tx, volunteer_id)
        if volunteer is None or user is None or volunteer["status"] == "deleted":
            return Issued("no_volunteer")
        since, until = period.bounds(tz)
        rows = await db.certificate_hours(tx, volunteer_id, since=since, until=until)
        trainings = await db.completed_trainings(tx, volunteer_id, since=since, until=until)
        hours, facts = tally(rows, trainings, period, tz)
        if hours <= 0 and not trainings and not facts["training_hours"]:
            return Issued("no_hours")
        code = new_code()
        while await db.get_certificate(tx, code=code) is not None:  # 30**10 codes: all but never
            code = new_code()
        await db.insert_certificate(
            tx, code=code, volunteer_id=volunteer_id, period_from=period.first,
            period_to=period.last, hours=hours, facts=facts, locale=user_locale(user, default_locale),
            issued_by=issued_by, request_key=request_key, now=now,
        )
        await db.audit(
            tx, actor_id=issued_by, action="certificate.issued", now=now,
            target_type="volunteer", target_id=volunteer_id,
            details={"code": code, "from": period.first.isoformat(),
                     "to": period.last.isoformat(), "hours": hours},
        )
        row = await db.get_certificate(tx, code=code)
    assert row is not None
    return Issued("issued", Certificate.from_row(row))

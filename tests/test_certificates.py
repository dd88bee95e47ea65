"""Hours certificates: /certificate's PDF, its verification deep link, refusals, reps' hours."""

from __future__ import annotations

import io
import re
from datetime import date

import pypdf
import pytest

from bot import db
from bot.certificates import CertificateInputError, recent, season, typed_period
from tests.factories import create_entity, create_user, create_volunteer
from tests.factories_dispatch import served
from tests.harness import BotHarness

TODAY = date(2026, 5, 10)  # 23 Dhu al-Qadah 1447 (the harness's clock)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def document(bot: BotHarness, user_id: int) -> tuple[str, bytes, str]:
    call = bot.last(user_id, "sendDocument")
    ((filename, content),) = call.files.values()
    return filename, content, call.text


async def seed(bot: BotHarness, *, name: str = "John Smith", locale: str = "en") -> int:
    await create_volunteer(bot.db, 501, full_name=name, locale=locale, language_code=locale)
    quba = await create_entity(bot.db, name_ar="جمعية هدية الحاج", name_en="Hadiyat Society", reps=[601])
    agency = await create_entity(bot.db, name_ar="وكالة المسجد النبوي", name_en="Mosque Agency")
    await served(bot.db, quba, 501, day=date(2026, 4, 20), hours=6)
    await served(bot.db, agency, 501, day=date(2026, 5, 2), hours=4)
    await served(bot.db, quba, 501, day=date(2026, 5, 3), hours=3, status="no_show")
    await served(bot.db, quba, 501, day=date(2025, 3, 1), hours=5)  # last season
    return quba


def test_periods() -> None:
    assert season(TODAY).first == date(2025, 6, 26) and season(TODAY).hijri_year == 1447
    assert recent(TODAY).first == date(2026, 4, 11) and recent(TODAY).last == TODAY
    typed = typed_period("١٤٤٧-١١-٠١ 2026-05-31", TODAY)
    assert (typed.first, typed.last) == (date(2026, 4, 18), TODAY)
    for wrong in ("2026-05-01", "2026-05-02 2026-05-01", "2027-01-01 2027-02-01", "hello"):
        with pytest.raises(CertificateInputError):
            typed_period(wrong, TODAY)


async def test_volunteer_season_certificate_and_verify_link(bot: BotHarness) -> None:
    await seed(bot)
    vol = bot.user(501, "John", "en")
    await bot.command(vol, "/certificate")
    assert "Which period" in bot.last(vol).text
    await bot.press(vol, "crt:season")
    filename, content, caption = document(bot, 501)
    text = pdf_text(content)
    assert "John Smith" in text and "10 hours" in text
    assert "6 hours" in text and "Hadiyat Society" in text and "Mosque Agency" in text
    assert "Wayfinding" in text and "1447 AH" in text and "(10 May 2026)" in text
    code = re.search(r"verify_([A-Z0-9]{10})", text).group(1)
    assert filename == f"certificate-{code}.pdf" and "10 hours" in caption
    stored = await bot.db.fetchone("SELECT * FROM certificates WHERE code = ?", (code,))
    assert stored["hours"] == 10 and stored["issued_by"] == 501
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'certificate.issued'"
    ) == 1
    # Anyone may check it, in their own language.
    stranger = bot.user(909, "Employer", "en")
    await bot.command(stranger, f"/start verify_{code}")
    answer = bot.last(stranger).text
    assert "genuine" in answer and "John Smith" in answer and "10 hours" in answer
    assert "Hadiyat Society: 6 hours" in answer and "Mosque Agency: 4 hours" in answer
    await bot.command(stranger, "/start verify_AAAAAAAAAA")
    assert "No certificate" in bot.last(stranger).text


async def test_arabic_certificate_typed_range(bot: BotHarness) -> None:
    await seed(bot, name="Ali Hassan", locale="ar")
    vol = bot.user(501, "Ali", "ar")
    await bot.command(vol, "/certificate")
    await bot.text(vol, "1447-11-01 1447-11-23")  # 18 April - 10 May 2026
    _name, content, caption = document(bot, 501)
    text = pdf_text(content)
    assert "Ali Hassan" in text and "10" in text and "شهادة" in caption
    await bot.command(vol, "/certificate")
    await bot.text(vol, "2026-05-01 2026-05-10")
    _name, content, _caption = document(bot, 501)
    assert "Ali Hassan" in pdf_text(content) and "4" in pdf_text(content)


async def test_wrong_range_asks_again_and_empty_period(bot: BotHarness) -> None:
    await seed(bot)
    vol = bot.user(501, "John", "en")
    await bot.command(vol, "/certificate")
    await bot.text(vol, "2026-05-09 2026-05-01")
    assert "must not be after" in bot.last(vol, "sendMessage").text
    await bot.text(vol, "2026-01-01 2026-01-31")
    assert "No completed shifts" in bot.last(vol, "sendMessage").text
    assert not bot.sent(vol, "sendDocument")


async def test_staff_issue_for_a_volunteer_in_their_language(bot: BotHarness) -> None:
    await seed(bot, name="Ali Hassan", locale="ar")
    await bot.command(bot.admin, "/certificate")
    assert "Telegram id" in bot.last(bot.admin).text
    await bot.command(bot.admin, "/certificate 777")
    assert "no volunteer" in bot.last(bot.admin).text
    await bot.command(bot.admin, "/certificate 501")
    assert "Ali Hassan" in bot.last(bot.admin).text
    await bot.press(bot.admin, "crt:days")
    _name, content, caption = document(bot, bot.admin.id)
    assert "Ali Hassan" in pdf_text(content)
    assert "Hours certificate for" in caption  # the coordinator reads the caption in English
    row = await bot.db.fetchone("SELECT * FROM certificates")
    assert row["issued_by"] == bot.admin.id and row["volunteer_id"] == 501 and row["locale"] == "ar"


async def test_retap_issues_once(bot: BotHarness) -> None:
    await seed(bot)
    vol = bot.user(501, "John", "en")
    await bot.command(vol, "/certificate")
    bot.api.fail(400, "Bad Request: file too big", method="sendDocument")
    await bot.press(vol, "crt:season")  # issued, but the document did not go
    assert not bot.sent(vol, "sendDocument")
    await bot.press(vol, "crt:season")  # that question lost its buttons: asked again
    await bot.press(vol, "crt:season")
    assert await bot.db.fetchval("SELECT COUNT(*) FROM certificates") == 1
    assert len(bot.sent(vol, "sendDocument")) == 1
    await bot.press(vol, "crt:season")  # the question is gone now: a stale button
    assert await bot.db.fetchval("SELECT COUNT(*) FROM certificates") == 1


async def test_refusals(bot: BotHarness) -> None:
    await seed(bot)
    vol = bot.user(501, "John", "en")
    await bot.command(vol, "/certificate 502")
    assert "only for the office's coordinators" in bot.last(vol).text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM certificates") == 0
    nobody = bot.user(503, "New", "en")
    await create_user(bot.db, 503, language_code="en")
    await bot.command(nobody, "/certificate")
    assert "not registered" in bot.last(nobody).text
    await bot.command(vol, "/certificate", group=-100)
    assert "private chat" in bot.last(-100).text


async def test_representative_sees_entity_hours(bot: BotHarness) -> None:
    await seed(bot)
    async with bot.db.transaction() as tx:
        await db.set_user_locale(tx, 601, "en")
    rep = bot.user(601, "Rep", "en")
    await bot.command(rep, "/certificate")
    text = bot.last(rep).text
    assert "Hadiyat Society" in text and "John Smith — 6 hours (1 shift)" in text
    assert "Mosque Agency" not in text and len(text) <= 4096
    assert not bot.sent(rep, "sendDocument")

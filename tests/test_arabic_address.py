"""Arabic as the office writes it, and answers taken as people type them: example dates from
today, counts, gendered address, direction, typed answers at button questions."""

from __future__ import annotations

import re

from bot.i18n import parse_date
from tests.factories import create_volunteer
from tests.harness import BotHarness

EXAMPLE = re.compile(r"(\d{4}-\d{2}-\d{2})\D{1,12}?(\d{4}-\d{2}-\d{2})")


def _example_pair(text: str) -> tuple[str, str]:
    found = EXAMPLE.search(re.sub("[\u2066-\u2069]", "", text))
    assert found, text
    return found.group(1), found.group(2)


async def test_the_pause_example_is_ahead_names_one_day_and_is_accepted(bot: BotHarness) -> None:
    await create_volunteer(bot.db, 501, full_name="منيرة سعد", gender="female", locale="ar")
    person = bot.user(501, "منيرة", "ar")
    calls = await bot.command(person, "/pause")
    hijri, gregorian = _example_pair(calls[-1].text)
    today = bot.clock.now().date()
    assert parse_date(hijri) == parse_date(gregorian) > today

    calls = await bot.text(person, f"\u2066{hijri}\u2069")  # copied with its marks
    row = await bot.db.fetchone("SELECT status FROM volunteers WHERE user_id = 501")
    assert row["status"] == "paused", bot.texts(calls)


async def test_a_badly_typed_date_gets_an_example_from_today(bot: BotHarness) -> None:
    await create_volunteer(bot.db, 502, full_name="Omar Saleh", locale="en", language_code="en")
    person = bot.user(502, "Omar", "en")
    await bot.command(person, "/pause")
    calls = await bot.text(person, "next week")
    hijri, gregorian = _example_pair(bot.texts(calls).split("\n\n")[0])
    assert parse_date(hijri) == parse_date(gregorian) > bot.clock.now().date()


# -- answers as people type them ----------------------------------------------------------------


async def test_a_registration_typed_from_start_to_end_in_arabic(bot: BotHarness) -> None:
    muna = bot.user(511, "منيرة", "ar")
    await bot.command(muna, "/register")
    calls = await bot.text(muna, "نعم")  # the consent notice, typed
    assert "ما اسمك الكامل" in bot.texts(calls)
    calls = await bot.text(muna, "\u202eمنيرة بنت عبد الله بن عبد الرحمن آل الشيخ")  # 8 words, a reversing mark
    assert "جوال" in bot.texts(calls)
    await bot.text(muna, "0551234567")
    calls = await bot.text(muna, "أنثى")
    assert "✅ الجنس: أنثى" in bot.texts(calls)
    await bot.text(muna, "1416-05-20")
    calls = await bot.text(muna, "1447-12-08 هـ")  # a date is not a city
    assert "يبدو هذا تاريخًا أو رقمًا" in bot.texts(calls)
    await bot.text(muna, "قباء")  # the catalog's area, by name
    calls = await bot.text(muna, "العربية والكلينغونية")
    assert "لم أتعرّف على" in bot.texts(calls)  # an unknown language in a list is refused
    # («العربية ولغة أخرى» is taken and asks which: tests/test_answers.py)
    calls = await bot.text(muna, "العربية، الأردية")
    assert "اللغات" in bot.texts(calls)
    await bot.text(muna, "الترجمة")
    await bot.press(muna, "reg:av:any")
    calls = await bot.text(muna, "لا")  # no date limits
    assert calls[-1].buttons  # the summary, with Confirm
    draft = bot.app.user_data[muna.id]["reg"]
    assert draft["_step"] == "summary"
    assert draft["full_name"] == "منيرة بنت عبد الله بن عبد الرحمن آل الشيخ"
    assert (draft["gender"], draft["city"], draft["languages"], draft["specialties"]) == (
        "female", "quba", ["ar", "ur"], ["translation"]
    )
    assert draft["available_from"] is None and draft["phone"] == "+966551234567"


async def test_other_language_asks_which_and_keeps_it(bot: BotHarness) -> None:
    from tests.test_registration_flow import reach

    ali = bot.user(512, "Ali", "en")
    await reach(bot, ali, "languages")
    calls = await bot.text(ali, "Other language")
    assert "Which other language do you speak?" in calls[-1].text
    calls = await bot.text(ali, "Swahili")
    assert "Languages: Swahili" in bot.texts(calls)
    await bot.text(ali, "Relief")
    await bot.press(ali, "reg:av:any")
    await bot.press(ali, "reg:sf:none")
    await bot.press(ali, "reg:ok")
    row = await bot.db.fetchone("SELECT other_language FROM volunteers WHERE user_id = 512")
    assert row["other_language"] == "Swahili"


async def test_a_phone_another_volunteer_registered_is_refused_and_the_office_sees_it(bot: BotHarness) -> None:
    from tests.test_registration_flow import reach

    await create_volunteer(bot.db, 520, full_name="Omar Saleh", phone="+966551112233")
    ali = bot.user(513, "Ali", "en")
    await reach(bot, ali, "phone")
    calls = await bot.text(ali, "055 111 2233")
    assert "This number is already registered by another volunteer" in bot.texts(calls)
    assert "Your mobile number" in calls[-1].text
    assert "phone" not in bot.app.user_data[ali.id]["reg"]
    await bot.text(ali, "055 111 2233")  # again: one audit row for the office
    rows = await bot.db.fetchall("SELECT actor_id, target_id FROM audit_log WHERE action = 'volunteer.phone_clash'")
    assert [(r["actor_id"], r["target_id"]) for r in rows] == [(513, "520")]
    calls = await bot.text(ali, "0559998877")
    assert "Are you male or female?" in calls[-1].text


async def test_a_site_from_a_pasted_maps_link_is_shown_back(bot: BotHarness) -> None:
    from tests.factories import create_entity
    from tests.factories_needs import answer, intake_steps

    await create_entity(bot.db, reps=(601,))
    rep = bot.user(601, "Rep", "en")
    steps = intake_steps(location=None)
    for step in steps[: steps.index(("press", "ni:skip"))]:
        await answer(bot, rep, step)
    calls = await bot.text(rep, "https://www.google.com/maps/place/Quba/@24.43,39.61,17z/data=!3d24.4393!4d39.6172")
    assert "📍 The site's point: 24.43930, 39.61720" in calls[-1].text
    assert "https://maps.google.com/?q=24.439300,39.617200" in calls[-1].text
    calls = await bot.text(rep, "24.4936, 39.5905")  # not taken by the radius question
    assert "Please type a whole number" in calls[-1].text


# -- address by gender --------------------------------------------------------------------------


def test_g_picks_the_readers_form_and_the_neutral_one_when_unknown() -> None:
    from bot.i18n import G_, use_locale

    message = "You are already registered. Send /profile to see your profile."
    with use_locale("ar", gender="female"):
        assert G_(message) == "أنتِ مسجلة مسبقًا. أرسلي /profile لعرض ملفكِ."
    with use_locale("ar", gender="male"):
        assert G_(message) == "أنت مسجل مسبقًا. أرسل /profile لعرض ملفك."
    with use_locale("ar"):
        assert G_(message) == "التسجيل مكتمل من قبل. لعرض الملف: /profile."
        assert G_(message, "female").startswith("أنتِ مسجلة")  # the gender just given wins
    with use_locale("en", gender="female"):
        assert G_(message) == message


async def test_a_woman_and_a_man_are_each_addressed_as_themselves(bot: BotHarness) -> None:
    await create_volunteer(bot.db, 531, full_name="منيرة سعد", gender="female", locale="ar")
    await create_volunteer(bot.db, 532, full_name="خالد سعد", gender="male", locale="ar")
    muna, khalid = bot.user(531, "منيرة", "ar"), bot.user(532, "خالد", "ar")
    assert "أنتِ مسجلة متطوعةً" in bot.texts(await bot.command(muna, "/start"))
    assert "أنت مسجل متطوعًا" in bot.texts(await bot.command(khalid, "/start"))
    assert "أنتِ مسجلة مسبقًا" in bot.texts(await bot.command(muna, "/register"))
    await bot.command(muna, "/pause")
    assert "حتى ترسلي /resume" in bot.texts(await bot.press_label(muna, "⏸ حتى أرسل /resume"))
    await bot.command(khalid, "/pause")
    assert "حتى ترسل /resume" in bot.texts(await bot.press_label(khalid, "⏸ حتى أرسل /resume"))
    calls = await bot.command(khalid, "/resume")
    assert "أهلًا بعودتك" in bot.texts(calls)
    assert "أنت نشط" in bot.texts(await bot.command(khalid, "/resume"))


async def test_staff_and_people_not_registered_read_the_neutral_phrasing(bot: BotHarness) -> None:
    from tests.factories_needs import add_staff

    staff = await add_staff(bot, 541, "نورة", "ar")
    text = bot.texts(await bot.command(staff, "/start"))
    assert "من منسقي مكتب التطوع" in text and "أنت منسق" not in text
    newcomer = bot.user(542, "سلمى", "ar")
    await bot.command(newcomer, "/register")
    await bot.press(newcomer, "reg:cn:y")
    await bot.text(newcomer, "سلمى خالد العتيبي")
    await bot.contact(newcomer, "966551230001")
    calls = await bot.press(newcomer, "reg:gd:female")  # from here on she is addressed as a woman
    assert "اكتبيه بالهجري أو الميلادي" in bot.texts(calls)


# -- direction -----------------------------------------------------------------------------------


def test_user_text_is_isolated_in_english_when_it_is_right_to_left() -> None:
    from bot.i18n import isolate, ltr, use_locale

    with use_locale("en"):
        line = f"1. {isolate('عمر فاروق')} — {ltr('+966500000501')} — Arabic"
        assert line == "1. \u2068عمر فاروق\u2069 — +966500000501 — Arabic"  # the phone stays after the name
        assert isolate("Omar Farouk") == "Omar Farouk"
        assert isolate("\u202eAli") == "Ali"  # an override in a Telegram name reverses nothing
    with use_locale("ar"):
        assert isolate("\u202eOmar") == "\u2068Omar\u2069"


async def test_an_english_roster_keeps_an_arabic_name_before_its_phone(bot: BotHarness) -> None:
    from datetime import date

    from tests.factories import create_assignment, create_entity, create_need
    from tests.factories_needs import add_staff

    entity = await create_entity(bot.db, reps=(601,))
    _need, shifts = await create_need(bot.db, entity, first_day=date(2026, 5, 11), created_by=601)
    await create_volunteer(bot.db, 551, full_name="عمر فاروق", phone="+966500000551")
    await create_assignment(bot.db, shifts[0], 551)
    shift = shifts[0]
    staff = await add_staff(bot, 701, "Khalid", "en")
    calls = await bot.press(staff, f"sh:r:{shift}:0")
    assert "\u2068عمر فاروق\u2069 — +966500000551" in bot.texts(calls)


def test_one_term_per_concept_in_the_status_words() -> None:
    from bot.i18n import use_locale
    from bot.texts import needs, statuses

    with use_locale("ar"):
        assert needs.need_status("approved") == statuses.need_status("approved") == "معتمدة"
        assert statuses.volunteer_status("paused") == "متوقّف مؤقتًا"  # the volunteer's own choice
        assert statuses.volunteer_status("suspended") == "موقوف"  # the office's decision


async def test_a_profile_edit_to_another_volunteers_phone_is_refused(bot: BotHarness) -> None:
    await create_volunteer(bot.db, 560, full_name="Omar Saleh", phone="+966551112244")
    await create_volunteer(bot.db, 561, full_name="Ali Hasan", phone="+966551112255", locale="en",
                           language_code="en")
    ali = bot.user(561, "Ali", "en")
    await bot.command(ali, "/profile")
    await bot.press(ali, "prof:e:ph")
    calls = await bot.text(ali, "055 111 2244")
    assert "This number is already registered by another volunteer" in bot.texts(calls)
    assert await bot.db.fetchval("SELECT phone FROM volunteers WHERE user_id = 561") == "+966551112255"
    calls = await bot.text(ali, "0551112266")
    assert "Saved." in bot.texts(calls)
    assert await bot.db.fetchval("SELECT phone FROM volunteers WHERE user_id = 561") == "+966551112266"


# -- address by gender: statuses, G_ prompts, staff questions, the check rule ------------------


async def test_a_woman_reads_her_status_and_prompts_in_the_feminine_and_a_man_in_the_masculine(
    bot: BotHarness,
) -> None:
    await create_volunteer(bot.db, 571, full_name="منيرة سعد", gender="female", locale="ar")
    await create_volunteer(bot.db, 572, full_name="خالد سعد", gender="male", locale="ar")
    muna, khalid = bot.user(571, "منيرة", "ar"), bot.user(572, "خالد", "ar")
    assert "الحالة: ✅ نشِطة" in bot.texts(await bot.command(muna, "/profile"))
    assert "الحالة: ✅ نشط" in bot.texts(await bot.command(khalid, "/profile"))
    assert "أرسلي /shifts" in bot.texts(await bot.command(muna, "/myshifts"))
    assert "أرسل /shifts" in bot.texts(await bot.command(khalid, "/myshifts"))

    await bot.command(muna, "/pause")
    await bot.press_label(muna, "⏸ حتى أرسل /resume")
    assert "⏸ متوقّفة مؤقتًا حتى إرسال /resume" in bot.texts(await bot.command(muna, "/profile"))


async def test_staff_read_a_womans_status_in_the_feminine_on_her_card_and_in_exports(
    bot: BotHarness,
) -> None:
    from bot.i18n import use_locale
    from bot.texts import statuses
    from bot.texts.needs import roster_status
    from tests.factories_needs import add_staff

    await create_volunteer(bot.db, 573, full_name="منيرة سعد", gender="female", status="suspended")
    await create_volunteer(bot.db, 574, full_name="خالد سعد", gender="male", status="suspended")
    staff = await add_staff(bot, 575, "نورة", "ar")
    assert "⛔ موقوفة من قبل المكتب" in bot.texts(await bot.press(staff, "vol:v:573"))
    assert "⛔ موقوف من قبل المكتب" in bot.texts(await bot.press(staff, "vol:v:574"))
    with use_locale("ar"):
        assert statuses.volunteer_status("active", "female") == "نشِطة"
        assert statuses.volunteer_status("active", None) == "نشِط"  # unknown: the default
        assert statuses.assignment_status("checked_in", "female") == "سجّلت حضورها"
        assert statuses.assignment_status("checked_in", "male") == "سجّل حضوره"
        woman = {"status": "no_show", "no_show_reason": None, "gender": "female"}
        assert roster_status(woman) == "❌ غائبة"
        assert roster_status({**woman, "gender": "male"}) == "❌ غائب"
    with use_locale("en"):
        assert statuses.volunteer_status("suspended", "female") == "suspended"


async def test_staff_confirm_questions_are_neutral(bot: BotHarness) -> None:
    from datetime import date

    from tests.factories import create_entity, create_need
    from tests.factories_needs import add_staff

    entity = await create_entity(bot.db)
    need, _shifts = await create_need(bot.db, entity, first_day=date(2026, 5, 20))
    staff = await add_staff(bot, 576, "نورة", "ar")
    await bot.press(staff, f"nd:o:{need}:0")
    await bot.press(staff, f"nd:cx:{need}")
    question = bot.last(staff, "editMessageText").text
    assert question.startswith("إلغاء الاحتياج") and "هل تريد" not in question
    assert "نعم، إلغاء الاحتياج" in [label for label, _data in bot.last(staff, "editMessageText").buttons]


def test_the_check_catches_masculine_address_in_neutral_and_female_entries() -> None:
    from bot.i18n_tool import addressed_in_the_masculine as masculine

    assert masculine("ar", None, "x", ["يُرجى الانتظار. اضغط «تم»."]) == ["اضغط"]
    assert masculine("ar", None, "x", ["ما اليوم الأخير؟ اكتبه، أو اضغط «اليوم نفسه»."]) == ["أو اضغط", "اكتبه"]
    assert masculine("ar", "female", "x", ["اختر سببًا"]) == ["اختر"]
    assert masculine("ar", None, "x", ["هل تريد إلغاء الاحتياج؟"]) == ["هل تريد"]
    assert masculine("ar", None, "x", ["📣 أنت مدعو إلى محاضرة"]) == ["أنت مدعو"]
    assert masculine("ar", None, "x", ["لست ممثلًا لأي جهة"]) == ["لست ممثلا"]
    assert masculine("ar", None, "x", ["نعم، ألغِ"]) == ["ألغ"]
    # The male entries are exempt; neutral and feminine phrasings, and passives, pass.
    assert masculine("ar", "male", "x", ["اضغط «تم»."]) == []
    assert masculine("en", None, "x", ["اضغط"]) == []
    for fine in (
        "يُرجى الضغط على «تم».", "أُرسل العرض.", "للإيقاف: /cancel.", "اضغطي «تم».", "أنتِ مسجلة مسبقًا.",
        "إن كنتِ لا تزالين غير قادرة على الحضور", "هل يمكنك الحضور؟", "⏸ حتى أرسل /resume",
    ):
        assert masculine("ar", "female", "x", [fine]) == [], fine


def test_no_neutral_or_female_arabic_entry_addresses_the_reader_in_the_masculine() -> None:
    from babel.messages.pofile import read_po

    from bot.i18n import LOCALES_DIR
    from bot.i18n_tool import addressed_in_the_masculine

    with (LOCALES_DIR / "ar" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="ar")
    found = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if addressed_in_the_masculine("ar", message.context, ids[0], strings):
            found.append((message.context, ids[0]))
    assert found == []


async def test_exports_give_a_womans_status_in_the_feminine(bot: BotHarness) -> None:
    from datetime import date
    from zoneinfo import ZoneInfo

    from bot import db
    from bot.export import hours_table, roster_table, volunteers_table, workbook
    from bot.i18n import use_locale
    from tests.factories import create_assignment, create_entity, create_need
    from tests.test_export_files import _sheet_rows

    await create_volunteer(bot.db, 581, full_name="منيرة سعد", gender="female", status="paused")
    await create_volunteer(bot.db, 582, full_name="خالد سعد", gender="male", status="paused")
    entity = await create_entity(bot.db)
    _need, shifts = await create_need(bot.db, entity, first_day=date(2026, 5, 20))
    await create_assignment(bot.db, shifts[0], 581, status="checked_in")
    tz = ZoneInfo("Asia/Riyadh")
    with use_locale("ar"):
        for table in (hours_table(await db.export_hours(bot.db)),
                      volunteers_table(await db.export_volunteers(bot.db))):
            header, *rows = _sheet_rows(workbook([table], tz))
            by_name = {row[header.index("الاسم الكامل")]: row[header.index("الحالة")] for row in rows}
            assert (by_name["منيرة سعد"], by_name["خالد سعد"]) == ("متوقّفة مؤقتًا", "متوقّف مؤقتًا")
        header, *rows = _sheet_rows(workbook([roster_table(await db.export_rosters(bot.db))], tz))
        assert [row[header.index("الحالة")] for row in rows if row[header.index("الاسم الكامل")] == "منيرة سعد"] == [
            "سجّلت حضورها"
        ]

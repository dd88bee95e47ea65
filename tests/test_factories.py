from datetime import date

from tests.factories import create_assignment, create_entity, create_need, create_volunteer
from tests.harness import BotHarness


async def test_factories_fill_the_shared_schema(bot: BotHarness) -> None:
    await create_volunteer(bot.db, 501, specialties=("translation",), languages=("ar", "ur"))
    entity_id = await create_entity(bot.db, reps=(601,))
    need_id, shifts = await create_need(bot.db, entity_id, first_day=date(2026, 5, 20), days=3)
    await create_assignment(bot.db, shifts[0], 501)
    assert len(shifts) == 3
    assert await bot.db.fetchval("SELECT COUNT(*) FROM volunteer_languages WHERE user_id = 501") == 2
    assert await bot.db.fetchval("SELECT role FROM users WHERE id = 601") == "entity_rep"
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM assignments a JOIN shifts s ON s.id = a.shift_id WHERE s.need_id = ?",
        (need_id,),
    ) == 1

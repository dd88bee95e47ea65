from tests.harness import BotHarness


async def test_start_in_arabic_and_english(bot: BotHarness) -> None:
    ali = bot.user(101, "Ali", "ar")
    john = bot.user(102, "John", "en")
    calls = await bot.command(ali, "/start")
    print(calls)
    calls = await bot.command(john, "/start")
    print(calls)
    assert "Aoun" in bot.last(john).text

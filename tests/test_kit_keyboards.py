"""The kit's keyboards serialize to exactly what PTB's own `to_dict` gives (the kit writes them
directly: PTB's walks every attribute of every button)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.flows import kit
from bot.flows.kit.callback import Route

PAGE = Route("vol", "s", int, int)


def _plain(markup: InlineKeyboardMarkup) -> InlineKeyboardMarkup:
    """The same keyboard built of PTB's own classes."""
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(b.text, callback_data=b.callback_data, url=b.url) for b in row]
        for row in markup.inline_keyboard
    ])


def test_kit_keyboards_serialize_as_ptb_does() -> None:
    buttons = [kit.button(kit.checked(f"خيار {n}", n % 2 == 0), f"reg:lg:{n}") for n in range(5)]
    keyboards = [
        kit.markup(kit.grid(buttons, 2), kit.pager(PAGE, 10, 40, 5, 7), [kit.button("", "x:y")]),
        kit.markup([kit.button("✍️ Sign up for #1", "shf:sig:12")]),
        kit.markup([InlineKeyboardButton("Map", url="https://maps.example/1")], [buttons[0]]),
        kit.markup([], [[]]),  # nothing to show
    ]
    for keyboard in keyboards:
        assert keyboard.to_dict() == _plain(keyboard).to_dict()
    assert kit.markup([], [[]]).to_dict() == {}
    assert buttons[0] == InlineKeyboardButton(buttons[0].text, callback_data="reg:lg:0")

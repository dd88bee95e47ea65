"""What changes to the office staff tell people on the bot's own initiative, each in the
recipient's language, and the buttons of the /staff list that more than one module builds or
matches (the list in bot/handlers/staff.py, the add-coordinator flow)."""

from __future__ import annotations

from bot.flows import kit
from bot.i18n import _, use_locale, user_locale
from bot.texts import Row, display_name

ADD_COORDINATOR = kit.Route("staff", "add")  # starts bot/flows/add_coordinator.py


def role_change(
    person: Row, *, removed: bool, default_locale: str, by_invite: bool = False,
    inviter: Row | None = None,
) -> list[tuple[int, str]]:
    """(chat id, text) of each notice of a role change: to the person (unless they caused it
    themselves with an invite link) and to the admin whose invite they used."""
    notices = []
    with use_locale(user_locale(person, default_locale)):
        if removed:
            notices.append((int(person["id"]), _("You are no longer a coordinator of the volunteer office.")))
        elif not by_invite:
            notices.append((
                int(person["id"]),
                _("You are now a coordinator of the volunteer office. Send /help to see your commands."),
            ))
    if inviter is not None:
        with use_locale(user_locale(inviter, default_locale)):
            notices.append((
                int(inviter["id"]),
                _("{name} used your invite link and is now a coordinator.").format(name=display_name(person)),
            ))
    return notices

"""The flow kit: how every multi-step conversation of the bot is built (DESIGN.md "Three owners").

- `flow(spec, ...)` and `FlowSpec`: PTB's ConversationHandler with one rule for who owns typed
  text, the /cancel fallback, the "please use the buttons / please type" answers and the
  stale-button answer wired in (bot/flows/kit/flow.py);
- `ask`, `took`, `stale`: sending a question, settling a pressed one, refusing a dead button;
  `answer` (a button, tolerating a refused answer), `drop_buttons` (an open question's, now);
  `close_pressed`: a pressed message keeps its text with what the press did below it;
- `Route`: the one callback-data codec (bot/flows/kit/callback.py); `RouteIndex`: which handlers
  could take an update, so that the application tries only those (bot/flows/kit/routes.py);
- keyboards: `grid`, `markup`, `checked`, `pager`, `back_label` (bot/flows/kit/keyboards.py);
- `steps`: a table of questions turned into conversation states (bot/flows/kit/steps.py);
- `message_of`, `query_of`, `user_id_of`, ...: typed parts of an Update (bot/flows/kit/parts.py).

Handlers may import the kit (codec, keyboards, parts, `stale`); nothing else in bot/flows/.
"""

from bot.flows.kit.callback import MAX_BYTES, CallbackDataTooLong, Route, area_pattern
from bot.flows.kit.flow import (
    END,
    Flow,
    FlowSpec,
    Mode,
    answer,
    ask,
    close_pressed,
    command_name,
    draft,
    draft_id,
    drop_buttons,
    end_all,
    expire_drafts,
    flow,
    install,
    kept_drafts,
    kept_hint,
    leave_for_command,
    owner_of,
    settled,
    stale,
    start,
    took,
    typed_answer,
)
from bot.flows.kit.keyboards import (
    back_arrow,
    back_label,
    button,
    checked,
    forward_arrow,
    grid,
    markup,
    pager,
)
from bot.flows.kit.parts import (
    WrongUpdate,
    chat_id_of,
    data_of,
    is_private,
    message_of,
    query_of,
    scratch,
    user_id_of,
    user_of,
)
from bot.flows.kit.routes import RouteIndex

__all__ = [
    "END",
    "MAX_BYTES",
    "CallbackDataTooLong",
    "Flow",
    "FlowSpec",
    "Mode",
    "Route",
    "RouteIndex",
    "WrongUpdate",
    "answer",
    "area_pattern",
    "ask",
    "back_arrow",
    "back_label",
    "button",
    "chat_id_of",
    "checked",
    "close_pressed",
    "command_name",
    "data_of",
    "draft",
    "draft_id",
    "drop_buttons",
    "end_all",
    "expire_drafts",
    "flow",
    "forward_arrow",
    "grid",
    "install",
    "is_private",
    "kept_drafts",
    "kept_hint",
    "leave_for_command",
    "markup",
    "message_of",
    "owner_of",
    "pager",
    "query_of",
    "scratch",
    "settled",
    "stale",
    "start",
    "took",
    "typed_answer",
    "user_id_of",
    "user_of",
    ]

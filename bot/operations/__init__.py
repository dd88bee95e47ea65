"""Every decision that changes state, one module per aggregate (DESIGN.md "Three owners").

The rules every operation follows:

- It is an `async def` taking the `Database` (and `Settings` when it needs rules) plus plain
  values (ids, text, `now`), never a Telegram object: `async def approve(db, settings, *,
  need_id, actor_id, now) -> Outcome`.
- It opens exactly one transaction (`async with db.transaction() as tx:`), re-reads what it is
  about to change inside it, changes it with a guarded UPDATE (`... WHERE status = 'submitted'`),
  writes the audit row and enqueues its notices (`delivery.enqueue`) in that same transaction.
- It returns an Outcome (a small frozen dataclass of the module's own) that says what happened;
  the handler or flow that called it puts it into words with bot/texts/.
- Repeated, it has its effect once: a retap after a failed answer or a retry after a crash finds
  the guard already passed (or the draft's key already used) and returns the same Outcome kind
  without a second effect.

Handlers, flows and the scheduler call these; nothing here imports telegram.
"""

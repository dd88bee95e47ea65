"""What the bot sends on its own initiative (approval cards, offers, reminders, role changes,
digests), rendered in each recipient's locale and enqueued by bot/operations/ through
`delivery.enqueue` in the transaction of the change it announces. One module per aggregate."""

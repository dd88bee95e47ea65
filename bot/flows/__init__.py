"""Multi-step conversations, one flow per module, every one built with bot/flows/kit/; each
exposes build() or register(app), called from bot/app.py only."""

"""Multi-step ConversationHandlers, one flow per module; each exposes build() or register(app)."""

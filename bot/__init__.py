"""Aoun (عون): the volunteer desk of a regional volunteer office, as a Telegram bot."""

__version__ = "0.1.0"

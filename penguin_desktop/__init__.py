"""PenguinMails Desktop: an offline-first console for cold-email infrastructure agencies."""

__version__ = "0.1.0"

"""The console's backups: the schedule in Settings, its dialog, and a backup made now."""

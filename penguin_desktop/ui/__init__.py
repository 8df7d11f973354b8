"""The Qt face of PenguinMails Desktop: presents core services, never touches the store."""

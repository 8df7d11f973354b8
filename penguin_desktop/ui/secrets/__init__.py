"""The Secrets page, its dialogs, the backend card and unlocking the secrets file."""

"""The Mailboxes page and its dialogs."""

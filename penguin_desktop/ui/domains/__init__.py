"""The Domains page and its dialogs."""

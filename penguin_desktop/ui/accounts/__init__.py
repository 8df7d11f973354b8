"""Pages and dialogs for sign-in, first run, account, workspaces, members and settings."""

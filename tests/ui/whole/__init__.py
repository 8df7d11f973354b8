"""The console over a workspace holding one of everything: every page, every dialog."""

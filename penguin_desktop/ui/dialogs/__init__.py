"""Modal forms: each one calls a single core service method and shows its error inline."""

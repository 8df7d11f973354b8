"""The Servers page, the New server wizard and the host-key dialogs."""

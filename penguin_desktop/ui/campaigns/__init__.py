"""The campaigns capability's pages: leads, their lists and the suppression list."""

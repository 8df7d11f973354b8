"""One module per sidebar page; the main window lists them in `PAGES`."""

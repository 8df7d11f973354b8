"""The application shell: start-up, main window, lock screen, workers, theme and error handling."""

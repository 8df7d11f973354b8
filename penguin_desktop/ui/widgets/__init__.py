"""Small reusable widgets: empty states, inline messages, the jobs strip, the lock screen."""

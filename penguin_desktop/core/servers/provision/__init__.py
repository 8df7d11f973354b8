"""MailU installation as ordered, idempotent, resumable steps (check, then apply)."""

"""MailU admin API client (domains, users = mailboxes, aliases, DKIM)."""

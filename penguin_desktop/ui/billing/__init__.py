"""The Billing page: the agency's Stripe account, revenue and MRR movements, every client's
payments, invoices and Stripe customers, and each workspace's plan, usage and feature flags;
and the small billing panel on Home."""

"""Accounts: password hashing and policy, lockout, roles and the permission matrix."""

"""Secret stores: OS keyring, Vault KV v2, encrypted file. The database holds references only."""

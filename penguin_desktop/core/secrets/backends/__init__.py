"""The secret stores (keyring, Vault KV v2, encrypted file) and the choice between them."""

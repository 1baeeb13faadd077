"""Identity: signing keys, access and refresh tokens, accounts, machine clients, permissions."""

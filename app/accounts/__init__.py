"""Accounts of people: the admin API, the `qicollab users` commands, and /me."""

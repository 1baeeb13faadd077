"""Reach: which teams, people and measures a caller may see (conditions, route dependencies)."""

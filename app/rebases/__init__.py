"""Rebase dates of a series: where a change was embedded and its chart starts a new period."""

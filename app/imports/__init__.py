"""Imports: extracts posted by trust systems, read by kind, and the record of each import."""

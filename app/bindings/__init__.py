"""Bound measures' points, recomputed from stored extract aggregates (ingest spec 7)."""

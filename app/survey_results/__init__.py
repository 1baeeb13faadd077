"""Stored survey aggregates (ingest spec 2, 5.2-5.4, 6): what imports write, what teams read,
and the collaborative's equality gaps."""

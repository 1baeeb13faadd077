"""Workforce figures: monthly rows, person-level aggregation and metrics (pure Python)."""

"""Equality profiles: self-declared protected characteristics, and their protected aggregates."""

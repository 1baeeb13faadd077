"""NHS organisations, keyed by their ODS code."""

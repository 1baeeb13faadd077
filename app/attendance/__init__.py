"""Who attended a meeting."""

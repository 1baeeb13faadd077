"""Reading the audit trail over HTTP (the trail itself, written by every package, is app.audit)."""

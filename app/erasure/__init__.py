"""Removing a person, and on request every trace of them (UK GDPR Article 17)."""

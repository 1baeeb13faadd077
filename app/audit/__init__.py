"""The append-only audit trail: sign-ins, refusals, denials, reads of sensitive data."""

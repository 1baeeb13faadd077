"""Staff surveys: definitions, scoring and (to come) the stored aggregates and their endpoints."""

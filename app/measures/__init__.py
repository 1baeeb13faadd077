"""Measure definitions: shared by a collaborative or a team's own."""

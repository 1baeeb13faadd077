"""Applications to join a collaborative, the panel's reviews and the selection (workflow spec 1)."""

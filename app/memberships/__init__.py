"""Who belongs to which team, in which role, and when; history is kept."""

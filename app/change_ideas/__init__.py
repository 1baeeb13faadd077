"""A team's change ideas and its driver diagram, and the collaborative's change package."""

"""A collaborative: one regional QI programme with its teams, measures and meetings."""

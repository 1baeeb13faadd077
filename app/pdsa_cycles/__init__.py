"""PDSA cycles: a team's tests of its change ideas, and how they show on charts."""

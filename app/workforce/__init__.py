"""Workforce figures: the pure maths (monthly rows and their checks, person-level aggregation,
metrics, the monthly file reader) and a team's stored months with their read endpoint."""

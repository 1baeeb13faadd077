"""A team's data points for a measure, written in all-or-nothing batches."""

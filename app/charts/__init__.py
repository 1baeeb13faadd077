"""Run and SPC charts over HTTP: posted series, stored series and the collaborative dashboard."""

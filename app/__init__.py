"""qi-collaborative: an API service for a regional NHS quality-improvement collaborative."""

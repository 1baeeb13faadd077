"""Reports that share the learning: the meeting pack and the programme report (workflow spec 6)."""

"""Progress scores on the IHI scale: the team's self-assessment and the coach's."""

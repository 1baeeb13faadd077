"""The programme as learning sessions and action periods, with the cycles each period started."""

"""The IHI/Life QI progress scale (workflow spec 4): ten levels, 0.5 to 5.0. Pure data.

Labels and definitions as Life QI publishes its "IHI Standard Assessment"; the 4.5 label is
the spec's own (Life QI's is not public). Stored as the level's half-points (1 to 10), so a
score compares and sums exactly."""

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Level:
    score: float
    label: str
    definition: str

    @property
    def half_points(self) -> int:
        return round(self.score * 2)


SCALE: Final = (
    Level(
        0.5,
        "Intent to participate",
        "Project identified; charter not completed, team not formed.",
    ),
    Level(
        1.0,
        "Charter and team established",
        "Charter completed and reviewed; people assigned; no work done yet.",
    ),
    Level(
        1.5,
        "Planning for the project has begun",
        "Structure being organised: resources, first focus, tools, meeting schedule.",
    ),
    Level(
        2.0,
        "Activity, but no changes",
        "Initial cycles for team learning: planning, measurement, baseline data, study of"
        " processes.",
    ),
    Level(
        2.5,
        "Changes tested, but no improvement",
        "Initial cycles testing changes; most goals have a measure, displayed with targets.",
    ),
    Level(
        3.0,
        "Modest improvement",
        "Successful tests for some components of the change package; some small-scale"
        " implementation; about 20% of expected results.",
    ),
    Level(
        3.5,
        "Improvement",
        "Testing and implementation continue; further improvement in the measures towards the"
        " goals.",
    ),
    Level(
        4.0,
        "Significant improvement",
        "Expected results achieved for major subsystems; implementation begun; goals 50% or"
        " more complete.",
    ),
    Level(
        4.5,
        "Sustainable improvement",
        "Data on key measures begin to show the changes' impact is sustained.",
    ),
    Level(
        5.0,
        "Outstanding sustainable results",
        "Implementation cycles complete; all goals and expected results accomplished; the"
        " organisation made the changes permanent.",
    ),
)
BY_HALF_POINTS: Final = {level.half_points: level for level in SCALE}
SCORES: Final = tuple(level.score for level in SCALE)

"""Team statuses: their state machine and which of them each collaborative status allows.

Here, below teams and memberships, because collaboratives and memberships check them too."""

from collections.abc import Sequence
from enum import StrEnum

from app.collaboratives.models import CollaborativeStatus


class TeamStatus(StrEnum):
    APPLIED = "applied"
    SELECTED = "selected"
    ACTIVE = "active"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"
    DECLINED = "declined"


# Statuses that take one of the collaborative's places and need a lead.
PLACE_TAKING_STATUSES = frozenset({TeamStatus.SELECTED, TeamStatus.ACTIVE, TeamStatus.COMPLETED})


A = TeamStatus

# Each status and the statuses a programme lead (admin) may move a team to from it; nobody
# else may change a team's status. Completed is final; a declined or withdrawn team can only
# apply again, and a selection can be undone (back to applied) before the team starts.
TRANSITIONS: dict[TeamStatus, tuple[TeamStatus, ...]] = {
    A.APPLIED: (A.SELECTED, A.DECLINED, A.WITHDRAWN),
    A.SELECTED: (A.ACTIVE, A.APPLIED, A.WITHDRAWN),
    A.ACTIVE: (A.COMPLETED, A.WITHDRAWN),
    A.COMPLETED: (),
    A.WITHDRAWN: (A.APPLIED,),
    A.DECLINED: (A.APPLIED,),
}

# The team statuses each collaborative status allows. Teams are chosen while it is planned
# or recruiting (or, for late places, running); they work only while it runs; once it has
# completed, every team has completed, withdrawn or been declined.
_ANY_BUT_WORKING = (A.APPLIED, A.SELECTED, A.WITHDRAWN, A.DECLINED)
ALLOWED_IN: dict[CollaborativeStatus, tuple[TeamStatus, ...]] = {
    CollaborativeStatus.PLANNING: _ANY_BUT_WORKING,
    CollaborativeStatus.RECRUITING: _ANY_BUT_WORKING,
    CollaborativeStatus.RUNNING: tuple(TeamStatus),
    CollaborativeStatus.COMPLETED: (A.COMPLETED, A.WITHDRAWN, A.DECLINED),
}


def names(statuses: Sequence[StrEnum]) -> str:
    """`a`, `b` or `c`; "none" for an empty list."""
    quoted = [f"`{status}`" for status in statuses]
    if not quoted:
        return "none"
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def allowed_in(team_status: TeamStatus) -> list[CollaborativeStatus]:
    return [status for status, allowed in ALLOWED_IN.items() if team_status in allowed]


def describe() -> str:
    """The two tables in words, for the API description."""
    moves = "; ".join(
        f"`{status}` -> {names(targets)}" for status, targets in TRANSITIONS.items() if targets
    )
    finals = names([status for status, targets in TRANSITIONS.items() if not targets])
    places = "; ".join(
        f"`{team_status}` only while the collaborative is {names(allowed_in(team_status))}"
        for team_status in TeamStatus
        if len(allowed_in(team_status)) < len(CollaborativeStatus)
    )
    return (
        f"Admins only. Allowed changes: {moves}; {finals} is final. Sending the current status"
        f" changes nothing. A team may be {places}. Refused: 409"
        " `invalid-status-transition` or `collaborative-status`."
    )

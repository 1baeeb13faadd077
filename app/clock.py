"""The collaborative's calendar: dates are judged in Europe/London, instants stored in UTC."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def today() -> date:
    """Today's date in England, which is what 'left on' and 'joined on' mean to a team."""
    return datetime.now(LONDON).date()

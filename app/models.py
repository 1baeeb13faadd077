"""Every ORM class in one place: the import site for Alembic, tests and typing."""

from app.applications.models import (
    Application,
    ApplicationMember,
    ApplicationReview,
    application_organisations,
)
from app.attendance.models import Attendance
from app.audit.models import AuditEvent
from app.auth.models import (
    Client,
    RefreshToken,
    SignInAttempt,
    User,
    client_organisations,
)
from app.change_ideas.models import ChangeIdea, Driver, DriverDiagram
from app.collaboratives.models import Collaborative
from app.data_points.models import DataPoint
from app.db import Base
from app.equality.models import EqualityProfile
from app.idempotency import IdempotencyKey
from app.imports.models import Import, import_organisations, import_teams
from app.measures.models import Measure
from app.meetings.models import Meeting
from app.members.models import Member
from app.memberships.models import Membership
from app.organisations.models import Organisation
from app.pdsa_cycles.models import PdsaCycle, pdsa_cycle_measures
from app.progress.models import ProgressScore
from app.rebases.models import Rebase
from app.survey_results.models import SurveyAggregate, SurveyResponseHash
from app.surveys.models import LocalSurvey
from app.teams.models import Team, team_organisations
from app.workforce.models import WorkforceMonth

__all__ = [
    "Application",
    "ApplicationMember",
    "ApplicationReview",
    "Attendance",
    "AuditEvent",
    "Base",
    "ChangeIdea",
    "Client",
    "Collaborative",
    "DataPoint",
    "Driver",
    "DriverDiagram",
    "EqualityProfile",
    "IdempotencyKey",
    "Import",
    "LocalSurvey",
    "Measure",
    "Meeting",
    "Member",
    "Membership",
    "Organisation",
    "PdsaCycle",
    "ProgressScore",
    "Rebase",
    "RefreshToken",
    "SignInAttempt",
    "SurveyAggregate",
    "SurveyResponseHash",
    "Team",
    "User",
    "WorkforceMonth",
    "application_organisations",
    "client_organisations",
    "import_organisations",
    "import_teams",
    "pdsa_cycle_measures",
    "team_organisations",
]

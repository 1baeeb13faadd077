"""A write the database refuses is read by the constraint it broke: the parser on the errors
both databases really raise, and the answer a request gets when a race reaches a constraint."""

import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.audit.actions import AuditAction
from app.audit.models import AuditEvent
from app.audit.service import AuditTrail, audited_transaction
from app.db import (
    ConstraintViolation,
    Violation,
    duplicate_of,
    independent_transaction,
    make_engine,
    make_sessionmaker,
    parse_sqlite,
    violation,
)
from app.errors import Conflict
from app.measures.models import ChartType, Frequency, Measure, MeasureKind
from app.members.models import EMAIL_TAKEN, Member
from app.organisations.models import Organisation, OrganisationKind
from app.spc import Direction


def _organisation(session: Session) -> Organisation:
    organisation = Organisation(
        ods_code=uuid.uuid4().hex[:8].upper(), name="Trust", kind=OrganisationKind.TRUST
    )
    session.add(organisation)
    session.flush()
    return organisation


def _refused(session: Session, write: Callable[[], None]) -> IntegrityError:
    nested = session.begin_nested()
    write()
    with pytest.raises(IntegrityError) as caught:
        session.flush()
    nested.rollback()
    return caught.value


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def test_a_second_member_with_one_email_breaks_uq_members_email(session: Session) -> None:
    organisation = _organisation(session)
    email = f"{uuid.uuid4().hex[:8]}@example.nhs.uk"
    session.add(Member(name="First", email=email, organisation_id=organisation.id))
    session.flush()
    error = _refused(
        session,
        lambda: session.add(Member(name="Second", email=email, organisation_id=organisation.id)),
    )
    assert violation(error) == ConstraintViolation(
        Violation.UNIQUE, "uq_members_email", "members", ("email",)
    )
    # The refusal the service's own check gives, declared on the constraint.
    assert duplicate_of(violation(error)) is EMAIL_TAKEN


def test_a_member_of_no_organisation_breaks_the_foreign_key(session: Session) -> None:
    error = _refused(
        session,
        lambda: session.add(
            Member(name="Lost", email="lost@x.nhs.uk", organisation_id=uuid.uuid4())
        ),
    )
    # PostgreSQL names the constraint; SQLite says only "FOREIGN KEY constraint failed".
    expected = (
        ConstraintViolation(
            Violation.FOREIGN_KEY,
            "fk_members_organisation_id_organisations",
            "members",
            ("organisation_id",),
        )
        if _postgres(session)
        else ConstraintViolation(Violation.FOREIGN_KEY)
    )
    assert violation(error) == expected


def test_a_measure_with_no_owner_breaks_its_check(session: Session) -> None:
    measure = Measure(
        code="M1",
        name="No owner",
        kind=MeasureKind.OUTCOME,
        chart=ChartType.XMR,
        improvement_direction=Direction.INCREASE,
        frequency=Frequency.WEEKLY,
    )
    error = _refused(session, lambda: session.add(measure))
    broken = violation(error)
    assert (broken.kind, broken.constraint, broken.table) == (
        Violation.CHECK,
        "ck_measures_one_owner",
        "measures",
    )


def test_a_member_without_a_name_breaks_not_null(session: Session) -> None:
    organisation = _organisation(session)
    member = Member(name=None, email="nameless@x.nhs.uk", organisation_id=organisation.id)
    error = _refused(session, lambda: session.add(member))
    assert violation(error) == ConstraintViolation(Violation.NOT_NULL, None, "members", ("name",))


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        # As SQLite 3 words them (captured from the errors above and from sqlite3 itself).
        (
            "UNIQUE constraint failed: members.email",
            ConstraintViolation(Violation.UNIQUE, "uq_members_email", "members", ("email",)),
        ),
        (
            "UNIQUE constraint failed: teams.collaborative_id, teams.name",
            ConstraintViolation(
                Violation.UNIQUE,
                "uq_teams_collaborative_id_name",
                "teams",
                ("collaborative_id", "name"),
            ),
        ),
        ("FOREIGN KEY constraint failed", ConstraintViolation(Violation.FOREIGN_KEY)),
        (
            "CHECK constraint failed: ck_measures_one_owner",
            ConstraintViolation(Violation.CHECK, "ck_measures_one_owner", "measures"),
        ),
        (
            "CHECK constraint failed: x > 0",  # an unnamed check: its expression, not a name
            ConstraintViolation(Violation.CHECK, "x > 0"),
        ),
        (
            "NOT NULL constraint failed: members.name",
            ConstraintViolation(Violation.NOT_NULL, None, "members", ("name",)),
        ),
        ("datatype mismatch", ConstraintViolation(Violation.OTHER)),
    ],
)
def test_sqlite_messages(message: str, expected: ConstraintViolation) -> None:
    assert parse_sqlite(message) == expected


def test_a_failed_command_rolls_back_raises_and_still_audits_its_refusals(
    database_url: str,
) -> None:
    """What a request and a CLI command share (`audited_transaction`): the work rolls back,
    the error reaches the caller, and the audit events are written in their own transaction,
    less the successes that never happened."""
    engine = make_engine(database_url)
    factory = make_sessionmaker(engine)
    code = uuid.uuid4().hex[:8].upper()
    trail = AuditTrail(actor="cli", method="CLI")
    try:

        def refused_command() -> None:
            with audited_transaction(factory, trail) as session:
                organisation = Organisation(
                    ods_code=code, name="Kept?", kind=OrganisationKind.TRUST
                )
                session.add(organisation)
                session.flush()
                trail.record(AuditAction.SIGN_IN, "success", subject=code)
                trail.record(AuditAction.REQUEST_DENIED, "refused", subject=code)
                raise Conflict("refused", slug="test")

        with pytest.raises(Conflict):
            refused_command()
        with independent_transaction(factory, writes=False) as session:
            stored = session.scalar(select(Organisation).where(Organisation.ods_code == code))
            events = session.scalars(select(AuditEvent).where(AuditEvent.subject == code))
            assert (stored, [(e.action, e.outcome) for e in events]) == (
                None,
                [("request_denied", "refused")],
            )
    finally:
        # The events were committed to the shared test database, not to a test's rolled-back
        # transaction: left there, they would be read by later tests of the same process.
        with independent_transaction(factory) as session:
            session.execute(delete(AuditEvent).where(AuditEvent.subject == code))
        engine.dispose()

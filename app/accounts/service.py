"""People's accounts: creating, finding, changing, resetting and deleting them; no FastAPI.

The API and the `qicollab users` commands both come here, so the rules are the same:
- an account's email is a real address, stored lower-cased and unique;
- coaches and members are linked to the member record with the same email (their teams follow
  from it, app.reach.conditions), admins to theirs if there is one; one account per member record;
- a reset hands out a temporary password that must be changed at the next sign-in, and ends
  every sign-in of the account;
- nobody disables, deletes or changes the role of their own account (someone else must).
"""

import secrets
import uuid

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.schemas import AccountUpdate
from app.audit.actions import AuditAction
from app.audit.service import AuditTrail
from app.auth.models import (
    ACCOUNT_EMAIL_TAKEN,
    MEMBER_HAS_ACCOUNT,
    RefreshToken,
    Role,
    User,
)
from app.auth.passwords import hash_secret, verify_secret
from app.db import apply_changes, duplicate_of, get_or_404, utc_now, violation
from app.errors import Conflict, InvalidInput, NotFound
from app.members.models import Member
from app.pagination import paginate

MIN_PASSWORD_LENGTH = 12
# Roles whose reach comes from a member record, which they therefore need.
ROLES_WITH_TEAMS = frozenset({Role.COACH, Role.MEMBER})


def _check_password(password: str, field: tuple[str, ...]) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput.at(field, f"use at least {MIN_PASSWORD_LENGTH} characters")


def _valid_email(email: str) -> str:
    """A real address, lower-cased; the command line meets the same rule as the API."""
    try:
        checked = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidInput.at(("email",), f"not an email address: {error}") from None
    return checked.normalized.lower()


def _member_for(session: Session, email: str, role: Role, field: str = "email") -> Member | None:
    """The member record an account with this email and role is linked to; `field` is the
    one the caller sent that makes the record necessary (the email, or a new role)."""
    member = session.scalar(select(Member).where(Member.email == email))
    if member is None and role in ROLES_WITH_TEAMS:
        raise InvalidInput.at(
            ("body", field),
            f"a {role.value} account needs a member record with the same email; add the person"
            " as a member first",
        )
    if member is not None:
        holder = session.scalar(select(User).where(User.member_id == member.id))
        if holder is not None and holder.email != email:
            raise MEMBER_HAS_ACCOUNT.error()
    return member


def temporary_password() -> str:
    return secrets.token_urlsafe(12)


def create_account(
    session: Session,
    trail: AuditTrail,
    *,
    email: str,
    role: Role,
    password: str | None = None,
) -> tuple[User, str | None]:
    """The account, and its temporary password when none was given (shown once; it must be
    changed at the first sign-in)."""
    email = _valid_email(email)
    temporary = None
    if password is None:
        password = temporary = temporary_password()
    _check_password(password, ("password",))
    if session.scalar(select(User).where(User.email == email)) is not None:
        raise ACCOUNT_EMAIL_TAKEN.error()
    member = _member_for(session, email, role)
    user = User(
        email=email,
        password_hash=hash_secret(password),
        role=role,
        member_id=member.id if member else None,
        must_change_password=temporary is not None,
    )
    try:
        # Two requests for one person can pass the checks above together; the unique email
        # and member keys then decide, and the loser hears why.
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError as error:
        duplicate = duplicate_of(violation(error))
        if duplicate is None:
            raise
        raise duplicate.error() from None
    trail.record(AuditAction.ACCOUNT_CREATED, "success", subject=str(user.id), reason=role.value)
    return user, temporary


def get_account(session: Session, account_id: uuid.UUID) -> User:
    return get_or_404(session, User, account_id, "account")


def find_account(session: Session, email: str) -> User:
    """By email, for the command line."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"No account for {email}.")
    return user


def list_accounts(
    session: Session,
    *,
    limit: int,
    cursor: str | None,
    role: Role | None = None,
    disabled: bool | None = None,
    email: str | None = None,
) -> tuple[list[User], str | None]:
    statement = select(User)
    if role is not None:
        statement = statement.where(User.role == role)
    if disabled is not None:
        statement = statement.where(User.disabled == disabled)
    if email is not None:
        statement = statement.where(User.email == email.strip().lower())
    return paginate(
        session,
        statement,
        sort_key=User.created_at,
        id_key=User.id,
        limit=limit,
        cursor=cursor,
        list_name="accounts",
        filters={"role": role, "disabled": disabled, "email": email},
    )


def _refuse_own(user: User, actor: str | None, what: str) -> None:
    if actor == f"user:{user.id}":
        raise Conflict(
            f"You cannot {what} your own account; ask another programme lead.",
            slug="own-account",
        )


def update_account(session: Session, trail: AuditTrail, user: User, patch: AccountUpdate) -> User:
    """Role and enabled state; a role that needs teams needs the member record too."""
    changes = patch.model_dump(exclude_unset=True)
    if "role" in changes and changes["role"] != user.role:
        _refuse_own(user, trail.actor, "change the role of")
        role = changes["role"]
        if role in ROLES_WITH_TEAMS and user.member_id is None:
            member = _member_for(session, user.email, role, field="role")
            user.member_id = member.id if member else None
        trail.record(
            AuditAction.ACCOUNT_CHANGED,
            "success",
            subject=str(user.id),
            reason=f"role {user.role.value} -> {role.value}",
        )
    if "disabled" in changes and changes["disabled"] != user.disabled:
        if changes["disabled"]:
            _refuse_own(user, trail.actor, "disable")
        action = (
            AuditAction.ACCOUNT_DISABLED if changes["disabled"] else AuditAction.ACCOUNT_ENABLED
        )
        trail.record(action, "success", subject=str(user.id))
    apply_changes(user, changes)
    session.flush()
    return user


def set_disabled(session: Session, trail: AuditTrail, user: User, disabled: bool) -> User:
    return update_account(session, trail, user, AccountUpdate(disabled=disabled))


def end_sign_ins(session: Session, user_id: uuid.UUID) -> None:
    """Revoke every refresh token of the account; their sign-ins' access tokens stop too."""
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utc_now())
        .execution_options(synchronize_session=False)
    )


def reset_password(session: Session, trail: AuditTrail, user: User) -> str:
    """A new temporary password (returned once), and every sign-in of the account ended."""
    password = temporary_password()
    user.password_hash = hash_secret(password)
    user.must_change_password = True
    end_sign_ins(session, user.id)
    session.flush()
    trail.record(AuditAction.ACCOUNT_PASSWORD_RESET, "success", subject=str(user.id))
    return password


def change_own_password(
    session: Session, trail: AuditTrail, user: User, *, current: str, new: str
) -> None:
    """The person's own change: the current password proves it is them; every sign-in ends,
    so whoever else may have had the old password is signed out too."""
    if not verify_secret(user.password_hash, current):
        trail.record(
            AuditAction.PASSWORD_CHANGED, "failure", subject=str(user.id), reason="wrong password"
        )
        raise InvalidInput.at(("body", "current_password"), "the current password is not right")
    _check_password(new, ("body", "new_password"))
    if new == current:
        raise InvalidInput.at(("body", "new_password"), "choose a password you have not used")
    user.password_hash = hash_secret(new)
    user.must_change_password = False
    end_sign_ins(session, user.id)
    session.flush()
    trail.record(AuditAction.PASSWORD_CHANGED, "success", subject=str(user.id))


def delete_account(session: Session, trail: AuditTrail, user: User) -> None:
    """The account and its refresh tokens; the member record, if any, stays."""
    _refuse_own(user, trail.actor, "delete")
    session.delete(user)
    session.flush()
    trail.record(AuditAction.ACCOUNT_DELETED, "success", subject=str(user.id))


def delete_accounts_of_member(session: Session, member_id: uuid.UUID) -> int:
    """For erasure: the person's account goes with them (refresh tokens by cascade)."""
    result = session.execute(delete(User).where(User.member_id == member_id))
    return int(result.rowcount)  # type: ignore[attr-defined]


def account_of_member(session: Session, member_id: uuid.UUID) -> User | None:
    return session.scalar(select(User).where(User.member_id == member_id))


def follow_member(session: Session, member: Member) -> None:
    """Keep the link true when a member record is added or its email changes: the account
    with the member's email is linked to it, and a linked account takes the new email."""
    linked = account_of_member(session, member.id)
    if linked is not None and linked.email != member.email:
        taken = session.scalar(select(User).where(User.email == member.email))
        if taken is not None:
            raise ACCOUNT_EMAIL_TAKEN.error()
        linked.email = member.email
    elif linked is None:
        unlinked = session.scalar(
            select(User).where(User.email == member.email, User.member_id.is_(None))
        )
        if unlinked is not None:
            unlinked.member_id = member.id
    session.flush()

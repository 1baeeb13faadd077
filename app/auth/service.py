"""The OAuth 2.0 grants: password and refresh for people, client credentials for systems."""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import NoReturn

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.audit.actions import AuditAction
from app.audit.service import AuditTrail
from app.auth import limits, tokens
from app.auth.keys import Keyring
from app.auth.models import Client, RefreshToken, Scope, User, client_organisations
from app.auth.passwords import verify_secret
from app.auth.principal import Principal
from app.config import Settings
from app.db import independent_transaction, utc_now
from app.errors import Forbidden, OAuthError, TooManyRequests, Unauthorized


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    expires_in: int
    refresh_token: str | None = None
    scope: str | None = None


def _access_token(
    settings: Settings, keyring: Keyring, subject: str, claims: dict[str, object]
) -> str:
    key = keyring.signing
    token, _ = tokens.issue(
        private_pem=key.private_pem,
        kid=key.kid,
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        subject=subject,
        lifetime_seconds=settings.access_token_minutes * 60,
        claims=claims,
    )
    return token


def person_access_token(
    settings: Settings, keyring: Keyring, user: User, sign_in: uuid.UUID
) -> str:
    """The access token a person's sign-in (password or refresh grant) gives; the tests sign in
    with it too, so they carry the claims the service issues."""
    # `sid` names the sign-in, so ending it (reuse, sign-out) stops its access tokens too.
    claims: dict[str, object] = {"role": user.role.value, "sid": str(sign_in)}
    return _access_token(settings, keyring, f"user:{user.id}", claims)


def client_access_token(settings: Settings, keyring: Keyring, client: Client, scope: str) -> str:
    """The access token the client-credentials grant gives for these (space-separated) scopes."""
    # `cv` is the secret's version, so rotating the secret stops the tokens issued before.
    claims: dict[str, object] = {"scope": scope, "cv": client.secret_version}
    return _access_token(settings, keyring, f"client:{client.id}", claims)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_refresh_token(
    session: Session, settings: Settings, user: User, family_id: uuid.UUID
) -> str:
    token = secrets.token_urlsafe(32)
    now = utc_now()
    session.add(
        RefreshToken(
            token_hash=_digest(token),
            family_id=family_id,
            user_id=user.id,
            issued_at=now,
            expires_at=now + timedelta(days=settings.refresh_token_days),
        )
    )
    return token


def _user_grant(
    session: Session, settings: Settings, keyring: Keyring, user: User, family: uuid.UUID
) -> TokenGrant:
    access = person_access_token(settings, keyring, user, family)
    refresh = _new_refresh_token(session, settings, user, family)
    session.flush()
    return TokenGrant(access, settings.access_token_minutes * 60, refresh)


def sign_in_limits(settings: Settings) -> limits.SignInLimits:
    return limits.SignInLimits(
        window=timedelta(minutes=settings.sign_in_window_minutes),
        per_subject=settings.sign_in_failures_per_account,
        per_address=settings.sign_in_failures_per_address,
    )


def _admit(
    factory: sessionmaker[Session],
    settings: Settings,
    trail: AuditTrail,
    grant: str,
    action: AuditAction,
    subject: str,
) -> limits.Attempt:
    """The attempt, admitted and recorded as pending; a refusal is audited, then raised."""
    try:
        return limits.admit(
            factory,
            sign_in_limits(settings),
            grant=grant,
            subject=subject,
            address=trail.client_address,
        )
    except TooManyRequests:
        trail.record(action, "denied", subject=subject, reason="too many attempts")
        raise


def _refuse(attempt: limits.Attempt, detail: str, error: str) -> NoReturn:
    """The OAuth error, or 429 once the caller's address is over its limit (a wrong guess
    either way)."""
    if attempt.address_wait is not None:
        raise TooManyRequests(
            "Too many failed sign-ins from this address; wait before trying again.",
            retry_after_seconds=attempt.address_wait,
        )
    raise OAuthError(error, detail)


# Each grant runs in short transactions of its own, none of them open while a password hash
# is checked (argon2 takes a noticeable fraction of a second on purpose).


def password_grant(
    factory: sessionmaker[Session],
    settings: Settings,
    keyring: Keyring,
    trail: AuditTrail,
    *,
    email: str,
    password: str,
) -> TokenGrant:
    email = email.strip().lower()
    attempt = _admit(factory, settings, trail, "password", AuditAction.SIGN_IN, email)
    with independent_transaction(factory, writes=False) as session:
        user = session.scalar(select(User).where(User.email == email))
    # Verified even without an account, so timing does not reveal which emails exist.
    valid = verify_secret(user.password_hash if user else None, password)
    if user is None or not valid or user.disabled:
        limits.settle(factory, attempt, succeeded=False)
        reason = "disabled account" if user is not None and valid else "bad credentials"
        trail.record(AuditAction.SIGN_IN, "failure", subject=email, reason=reason)
        _refuse(attempt, "The email or password is not right.", "invalid_grant")
    with independent_transaction(factory) as session:
        limits.settle_in(session, attempt, succeeded=True)
        grant = _user_grant(session, settings, keyring, user, uuid.uuid4())
    trail.record(AuditAction.SIGN_IN, "success", subject=email, actor=f"user:{user.id}")
    return grant


def refresh_grant(
    factory: sessionmaker[Session],
    settings: Settings,
    keyring: Keyring,
    trail: AuditTrail,
    *,
    refresh_token: str,
) -> TokenGrant:
    """Each refresh token works once, however fast it is replayed: using it is an UPDATE that
    must change exactly one row, and the uses that lose count as reuse."""
    with independent_transaction(factory) as session:
        grant, actor, reason = _use_refresh_token(session, settings, keyring, refresh_token)
    if grant is None:
        trail.record(AuditAction.REFRESH, "failure", actor=actor, reason=reason)
        raise OAuthError("invalid_grant", "The refresh token is not valid.")
    trail.record(AuditAction.REFRESH, "success", actor=actor)
    return grant


def _use_refresh_token(
    session: Session, settings: Settings, keyring: Keyring, refresh_token: str
) -> tuple[TokenGrant | None, str | None, str]:
    """(the new grant or None, the account's actor, why it was refused); a reuse revokes the
    token's family, which the caller's transaction commits."""
    stored = session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == _digest(refresh_token))
    )
    if stored is None:
        return None, None, "unknown refresh token"
    actor = f"user:{stored.user_id}"
    now = utc_now()
    user = session.get(User, stored.user_id)
    if stored.used_at is None:
        if stored.revoked_at is not None or _ended(session, stored.family_id):
            # Signed out; or issued by a refresh that ran while the sign-in was being ended,
            # which this revokes too (see _ended).
            _end(session, stored.family_id)
            return None, actor, "sign-in ended"
        if stored.expires_at <= now or user is None or user.disabled:
            return None, actor, "expired or disabled"
        claimed = session.execute(
            update(RefreshToken)
            .where(
                RefreshToken.id == stored.id,
                RefreshToken.used_at.is_(None),
                RefreshToken.revoked_at.is_(None),
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            return _user_grant(session, settings, keyring, user, stored.family_id), actor, ""
    # A used token presented again means it was copied: end the whole sign-in. A parallel
    # use that lost the UPDATE above is the same thing; the family then includes the
    # winner's new token, committed before this statement could see the row as used.
    _end(session, stored.family_id)
    return None, actor, "refresh token reused"


def _end(session: Session, family: uuid.UUID) -> None:
    """Revoke every refresh token of a sign-in; its access tokens stop with it (_ended)."""
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utc_now())
        .execution_options(synchronize_session=False)
    )


def _ended(session: Session, family: uuid.UUID) -> bool:
    """Whether the sign-in was ended: any of its tokens revoked, not all of them, because a
    refresh that commits while a sign-out runs adds a token the sign-out's UPDATE could not
    see. One look-up on the indexed family_id."""
    revoked = select(RefreshToken.id).where(
        RefreshToken.family_id == family, RefreshToken.revoked_at.is_not(None)
    )
    return session.scalar(revoked.limit(1)) is not None


def _sign_in_of(claims: dict[str, object]) -> uuid.UUID | None:
    sid = claims.get("sid")
    try:
        return uuid.UUID(sid) if isinstance(sid, str) else None
    except ValueError:
        return None


def sign_out(
    session: Session, trail: AuditTrail, *, token: str, claims: dict[str, object] | None
) -> None:
    """End the sign-in that a refresh token (or a verified access token's `claims`) belongs
    to, and so its access tokens. An unknown token is no error (RFC 7009 2.2): it works no
    more after this than before."""
    family: uuid.UUID | None = None
    actor = None
    if claims is not None:
        family, actor = _sign_in_of(claims), str(claims["sub"])
    else:
        stored = session.scalar(
            select(RefreshToken).where(RefreshToken.token_hash == _digest(token))
        )
        if stored is not None:
            family, actor = stored.family_id, f"user:{stored.user_id}"
    if family is None:
        trail.record(AuditAction.SIGN_OUT, "failure", reason="unknown token")
        return
    _end(session, family)
    trail.record(AuditAction.SIGN_OUT, "success", actor=actor)


def client_grant(
    factory: sessionmaker[Session],
    settings: Settings,
    keyring: Keyring,
    trail: AuditTrail,
    *,
    client_id: str,
    client_secret: str,
    scope: str | None,
) -> TokenGrant:
    attempt = _admit(
        factory, settings, trail, "client_credentials", AuditAction.CLIENT_SIGN_IN, client_id
    )
    with independent_transaction(factory, writes=False) as session:
        try:
            client = session.get(Client, uuid.UUID(client_id))
        except ValueError:
            client = None
    valid = verify_secret(client.secret_hash if client else None, client_secret)
    if client is None or not valid or client.disabled:
        limits.settle(factory, attempt, succeeded=False)
        trail.record(
            AuditAction.CLIENT_SIGN_IN, "failure", subject=client_id, reason="bad credentials"
        )
        _refuse(attempt, "The client id or secret is not right.", "invalid_client")
    limits.settle(factory, attempt, succeeded=True)
    allowed = set(client.scopes)
    asked = set(scope.split()) if scope else allowed
    if not asked <= allowed:
        trail.record(
            AuditAction.CLIENT_SIGN_IN, "failure", subject=client_id, reason="scope not granted"
        )
        raise OAuthError("invalid_scope", "The client may not have the scopes asked for.")
    granted = " ".join(sorted(asked))
    trail.record(
        AuditAction.CLIENT_SIGN_IN, "success", subject=client_id, actor=f"client:{client.id}"
    )
    access = client_access_token(settings, keyring, client, granted)
    return TokenGrant(access, settings.access_token_minutes * 60, None, granted)


def principal_from_claims(session: Session, claims: dict[str, object]) -> Principal:
    """The caller a verified token names, as they stand now (a disabled account stops at once)."""
    subject = str(claims["sub"])
    kind, _, ident = subject.partition(":")
    try:
        key = uuid.UUID(ident)
    except ValueError:
        raise Unauthorized("The token names no known account.") from None
    if kind == "user":
        user = session.get(User, key)
        if user is None or user.disabled:
            raise Unauthorized("The account is disabled or no longer exists.")
        # Checked at each look-up; app.auth.cache forgets its callers when a sign-in ends.
        family = _sign_in_of(claims)
        if family is None or _ended(session, family):
            raise Unauthorized(
                "The sign-in this token belongs to has ended (signed out, a refresh token was"
                " used twice, or the password was changed or reset); sign in again."
            )
        return _person(user)
    if kind == "client":
        client = session.get(Client, key)
        if client is None or client.disabled:
            raise Unauthorized("The client is disabled or no longer exists.")
        if claims.get("cv") != client.secret_version:
            raise Unauthorized("The client's secret has been rotated since this token was issued.")
        known = {scope.value for scope in Scope}
        granted = set(str(claims.get("scope", "")).split()) & set(client.scopes) & known
        organisations = session.scalars(
            select(client_organisations.c.organisation_id).where(
                client_organisations.c.client_id == client.id
            )
        )
        return Principal(
            actor=subject,
            scopes=frozenset(Scope(scope) for scope in granted),
            organisation_ids=frozenset(organisations),
        )
    raise Unauthorized("The token names no known account.")


# Where identity providers put the person's email (Entra ID: preferred_username or upn).
EMAIL_CLAIMS = ("email", "preferred_username", "upn")


def principal_from_external(session: Session, claims: dict[str, object]) -> Principal:
    """A person signed in at their trust's identity provider, matched to an account here by
    email; someone without an account here is refused with a clear 403."""
    emails = [
        str(claims[c]).strip().lower() for c in EMAIL_CLAIMS if isinstance(claims.get(c), str)
    ]
    user = session.scalar(select(User).where(User.email.in_(emails))) if emails else None
    if user is None:
        raise Forbidden(
            "You are signed in at your organisation, but have no account in this service;"
            " ask the programme lead to add one for your work email."
        )
    if user.disabled:
        raise Unauthorized("The account is disabled.")
    return _person(user)


def _person(user: User) -> Principal:
    """A person as they stand now; their teams follow from `member_id` (app.reach.conditions)."""
    return Principal(
        actor=f"user:{user.id}",
        role=user.role,
        member_id=user.member_id,
        must_change_password=user.must_change_password,
    )

"""The `qicollab` command line: serve, migrate, demo, accounts, clients, keys, OpenAPI."""

import argparse
import getpass
import json
import secrets
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta

import uvicorn
from sqlalchemy.orm import Session

from app.audit.service import AuditTrail
from app.auth import accounts, keys
from app.auth.models import Role, Scope
from app.config import get_settings
from app.db import make_engine, make_sessionmaker
from app.demo import clear_database, create_demo_accounts, database_is_empty, load_demo
from app.errors import AppError
from app.main import create_app
from app.migrate import upgrade


def _migrate() -> None:
    upgrade(get_settings().database_url)


@contextmanager
def _transaction() -> Iterator[tuple[Session, AuditTrail]]:
    """One transaction for a command, with its audit events written after it."""
    engine = make_engine(get_settings().database_url)
    factory = make_sessionmaker(engine)
    trail = AuditTrail(actor="cli", method="CLI")
    try:
        with factory.begin() as session:
            yield session, trail
        trail.flush(factory)
    finally:
        engine.dispose()


def _demo_password(email: str) -> str:
    configured = get_settings().demo_password
    return configured.get_secret_value() if configured else secrets.token_urlsafe(12)


def _load_demo(*, force: bool, only_if_empty: bool = False) -> int:
    with _transaction() as (session, trail):
        if not database_is_empty(session):
            if only_if_empty:
                return 0
            if not force:
                print(
                    "The database already holds data; the demo loads only into an empty one."
                    " Use --force to delete everything in it and load the demo.",
                    file=sys.stderr,
                )
                return 1
            clear_database(session)
        summary = load_demo(session)
        created = create_demo_accounts(session, trail, _demo_password)
    print(
        f"Loaded the demo collaborative {summary.collaborative_id}: {summary.teams} teams,"
        f" {summary.members} members, {summary.measures} measures,"
        f" {summary.data_points} data points, {summary.meetings} meetings."
    )
    print("Demo accounts (the passwords are shown only now):")
    for email, role, password in created:
        print(f"  {role.value:<7} {email:<40} {password}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    _migrate()
    # Made here, before the workers start, so they cannot each make a key of their own.
    keys.load_or_create(get_settings().data_dir)
    if args.demo:
        _load_demo(force=False, only_if_empty=True)
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=False,
        timeout_graceful_shutdown=20,
    )
    return 0


def _openapi() -> int:
    print(json.dumps(create_app().openapi(), indent=2, sort_keys=True))
    return 0


def _read_password() -> str:
    """From the terminal without echo, or the first line of standard input in scripts."""
    if sys.stdin.isatty():
        return getpass.getpass("Password: ")
    return sys.stdin.readline().rstrip("\n")


def _users(args: argparse.Namespace) -> int:
    with _transaction() as (session, trail):
        if args.action == "add":
            user = accounts.create_user(
                session,
                trail,
                email=args.email,
                password=_read_password(),
                role=Role(args.role),
                team_ids=args.team or [],
                member_id=args.member,
            )
            print(f"Created {user.role.value} account {user.email} ({user.id}).")
        else:
            user = accounts.disable_user(session, trail, args.email)
            print(f"Disabled {user.email}; its tokens stop working at once.")
    return 0


def _clients(args: argparse.Namespace) -> int:
    with _transaction() as (session, trail):
        client, secret = accounts.create_client(
            session,
            trail,
            name=args.name,
            scopes=[Scope(scope) for scope in args.scopes],
            organisation_codes=args.organisation or [],
        )
    print(f"client_id:     {client.id}")
    print(f"client_secret: {secret}")
    print("Keep the secret now: it is stored only as a hash and cannot be shown again.")
    return 0


def _rotate_keys() -> int:
    settings = get_settings()
    before = keys.load_or_create(settings.data_dir)
    current_before = {key.kid for key in before.keys if key.retired_at is None}
    keyring = keys.rotate(settings.data_dir, timedelta(minutes=settings.access_token_minutes))
    new_kid = keyring.signing.kid
    retired = [
        key.kid for key in keyring.keys if key.kid in current_before and key.retired_at is not None
    ]
    with _transaction() as (_, trail):
        trail.record(
            "signing_key_rotated",
            "success",
            subject=new_kid,
            reason=f"retired {', '.join(retired)}",
        )
    print(
        f"New signing key {new_kid}; running servers sign with it within a few seconds."
        " Older keys stay valid until their tokens expire."
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qicollab", description="Runs the qi-collaborative API service."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="migrate the database, then serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--demo", action="store_true", help="load the demo collaborative if the database is empty"
    )
    commands.add_parser("migrate", help="upgrade the database schema to the latest migration")
    demo = commands.add_parser("demo", help="load the demo collaborative into an empty database")
    demo.add_argument(
        "--force", action="store_true", help="delete everything in the database first"
    )
    commands.add_parser("openapi", help="print the OpenAPI spec as JSON")
    users = commands.add_parser("users", help="people's accounts").add_subparsers(
        dest="action", required=True
    )
    add_user = users.add_parser("add", help="create an account; the password is read from stdin")
    add_user.add_argument("email")
    add_user.add_argument("--role", required=True, choices=[role.value for role in Role])
    add_user.add_argument("--team", type=uuid.UUID, action="append", help="a team a coach coaches")
    add_user.add_argument("--member", type=uuid.UUID, help="the member record of a member")
    disable = users.add_parser("disable", help="disable an account")
    disable.add_argument("email")
    clients = commands.add_parser("clients", help="machine clients").add_subparsers(
        dest="action", required=True
    )
    add_client = clients.add_parser("add", help="create a client and print its secret once")
    add_client.add_argument("name")
    add_client.add_argument(
        "--scopes", nargs="+", required=True, choices=[scope.value for scope in Scope]
    )
    add_client.add_argument(
        "--organisation", action="append", help="ODS code of an organisation it acts for"
    )
    keys_command = commands.add_parser("keys", help="token signing keys").add_subparsers(
        dest="action", required=True
    )
    keys_command.add_parser("rotate", help="add a new signing key; old tokens stay valid")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "migrate":
        _migrate()
        print("The database schema is at the latest migration.")
        return 0
    try:
        if args.command == "demo":
            _migrate()
            return _load_demo(force=args.force)
        if args.command == "users":
            return _users(args)
        if args.command == "clients":
            return _clients(args)
        if args.command == "keys":
            return _rotate_keys()
    except AppError as error:
        print(f"qicollab: {error.detail}", file=sys.stderr)
        return 1
    return _openapi()


if __name__ == "__main__":
    sys.exit(main())

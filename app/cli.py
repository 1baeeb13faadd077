"""The `qicollab` command line: serve, migrate, demo, accounts, clients, keys, OpenAPI."""

import argparse
import json
import os
import re
import secrets
import sys
from collections.abc import Sequence
from datetime import timedelta

import uvicorn
from pydantic import ValidationError
from pydantic_settings import SettingsError
from sqlalchemy.exc import ArgumentError

from app import admin_cli
from app.accounts.service import MIN_PASSWORD_LENGTH
from app.audit.actions import AuditAction
from app.auth import keys
from app.config import get_settings
from app.demo import clear_database, create_demo_accounts, database_is_empty, load_demo
from app.errors import AppError, InvalidInput
from app.main import create_app
from app.migrate import not_ready, upgrade
from app.survey_results import response_ids


def _migrate() -> None:
    settings = get_settings()
    upgrade(settings.database_url)
    # With the schema, the secret that survey response ids are hashed with (made once, kept
    # in the data directory, never rotated): here, before any worker starts, never per import.
    response_ids.ensure_key(settings.data_dir)


def _demo_password(email: str) -> str:
    configured = get_settings().demo_password
    if configured is None:
        return secrets.token_urlsafe(12)
    password = configured.get_secret_value()
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput.at(
            ("QI_DEMO_PASSWORD",),
            f"configuration: QI_DEMO_PASSWORD: use at least {MIN_PASSWORD_LENGTH} characters",
        )
    return password


def _load_demo(*, force: bool, only_if_empty: bool = False) -> int:
    with admin_cli.cli_transaction() as (session, trail):
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
        summary = load_demo(session, threshold=get_settings().min_responses)
        created = create_demo_accounts(session, trail, _demo_password)
    print(
        f"Loaded the demo collaborative {summary.collaborative_id}: {summary.teams} teams,"
        f" {summary.members} members, {summary.measures} measures,"
        f" {summary.data_points} data points, {summary.meetings} meetings;"
        f" {summary.survey_slices} weekly team survey results, aggregated from"
        f" {summary.survey_responses} responses; {summary.workforce_months} monthly team"
        f" workforce figures, from import {summary.workforce_import_id}."
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


def _rotate_keys() -> int:
    settings = get_settings()
    before = keys.load_or_create(settings.data_dir)
    response_ids.ensure_key(settings.data_dir)  # made if missing; this key is never rotated
    current_before = {key.kid for key in before.keys if key.retired_at is None}
    keyring = keys.rotate(settings.data_dir, timedelta(minutes=settings.access_token_minutes))
    new_kid = keyring.signing.kid
    retired = [
        key.kid for key in keyring.keys if key.kid in current_before and key.retired_at is not None
    ]
    with admin_cli.cli_transaction() as (_, trail):
        trail.record(
            AuditAction.SIGNING_KEY_ROTATED,
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
    admin_cli.add_commands(commands)
    keys_command = commands.add_parser("keys", help="token signing keys").add_subparsers(
        dest="action", required=True
    )
    keys_command.add_parser("rotate", help="add a new signing key; old tokens stay valid")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs a command; an expected failure is one line on stderr, never a traceback."""
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except (ValidationError, SettingsError) as error:
        print(f"qicollab: configuration: {_setting_problem(error)}", file=sys.stderr)
    except ArgumentError as error:
        print(
            f"qicollab: configuration: QI_DATABASE_URL is not a database URL this service"
            f" can use ({error}); for PostgreSQL write postgresql+psycopg://...",
            file=sys.stderr,
        )
    except AppError as error:
        print(f"qicollab: {error.detail}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # `qicollab openapi | head`: the reader has gone, which is no error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return 2


def _setting_problem(error: ValidationError | SettingsError) -> str:
    """`QI_NAME: what is wrong`, for the first setting at fault."""
    if isinstance(error, SettingsError):
        field = re.search(r'field "(\w+)"', str(error))
        name = f"QI_{field.group(1).upper()}" if field else "a QI_ variable"
        return f"{name} could not be read (lists and objects are written as JSON)"
    first = error.errors()[0]
    name = "QI_" + "_".join(str(part) for part in first["loc"][:1]).upper()
    return f"{name}: {first['msg']}"


def _run(args: argparse.Namespace) -> int:
    if args.command == "serve":
        return _serve(args)
    if args.command == "migrate":
        _migrate()
        print("The database schema is at the latest migration.")
        return 0
    if args.command == "demo":
        _migrate()
        return _load_demo(force=args.force)
    if args.command in ("users", "clients"):
        problem = not_ready(get_settings().database_url)
        if problem is not None:
            print(f"qicollab: {problem}", file=sys.stderr)
            return 1
        return admin_cli.run(args)
    if args.command == "keys":
        return _rotate_keys()
    return _openapi()


if __name__ == "__main__":
    sys.exit(main())

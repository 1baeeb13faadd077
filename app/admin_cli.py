"""The `qicollab users` and `qicollab clients` commands: the admin API's operations, offline."""

import argparse
import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.audit.service import AuditTrail, audited_transaction
from app.auth.models import Client, Role, Scope, User
from app.clients import service as clients
from app.config import get_settings
from app.db import make_engine, make_sessionmaker

Command = Callable[[argparse.Namespace, Session, AuditTrail], int]
T = TypeVar("T")


@contextmanager
def cli_transaction() -> Iterator[tuple[Session, AuditTrail]]:
    """One transaction for a command, as a request has (`audited_transaction`)."""
    engine = make_engine(get_settings().database_url)
    factory = make_sessionmaker(engine)
    trail = AuditTrail(actor="cli", method="CLI")
    try:
        with audited_transaction(factory, trail) as session:
            yield session, trail
    finally:
        engine.dispose()


def read_password() -> str:
    """From the terminal without echo, or the first line of standard input in scripts."""
    if sys.stdin.isatty():
        return getpass.getpass("Password: ")
    return sys.stdin.readline().rstrip("\n")


def _account_line(user: User) -> str:
    state = "disabled" if user.disabled else "enabled"
    if user.must_change_password:
        state += ", must change password"
    member = f" member {user.member_id}" if user.member_id else ""
    return f"{user.id}  {user.role.value:<7} {user.email}  ({state}){member}"


def _client_line(client: Client) -> str:
    state = "disabled" if client.disabled else "enabled"
    organisations = ",".join(o.ods_code for o in client.organisations) or "every organisation"
    return f"{client.id}  {client.name}  [{' '.join(client.scopes)}]  {organisations}  ({state})"


def _all(page: Callable[[str | None], tuple[list[T], str | None]]) -> Iterator[T]:
    cursor: str | None = None
    while True:
        items, cursor = page(cursor)
        yield from items
        if cursor is None:
            return


def users_list(args: argparse.Namespace, session: Session, _trail: AuditTrail) -> int:
    role = Role(args.role) if args.role else None
    for user in _all(
        lambda cursor: accounts.list_accounts(session, limit=200, cursor=cursor, role=role)
    ):
        print(_account_line(user))
    return 0


def users_show(args: argparse.Namespace, session: Session, _trail: AuditTrail) -> int:
    print(_account_line(accounts.find_account(session, args.email)))
    return 0


def users_add(args: argparse.Namespace, session: Session, trail: AuditTrail) -> int:
    user, _ = accounts.create_account(
        session, trail, email=args.email, role=Role(args.role), password=read_password()
    )
    linked = f", linked to member {user.member_id}" if user.member_id else ""
    print(f"Created {user.role.value} account {user.email} ({user.id}){linked}.")
    return 0


def users_disable(args: argparse.Namespace, session: Session, trail: AuditTrail) -> int:
    user = accounts.set_disabled(session, trail, accounts.find_account(session, args.email), True)
    print(f"Disabled {user.email}; its tokens stop working at once.")
    return 0


def users_enable(args: argparse.Namespace, session: Session, trail: AuditTrail) -> int:
    user = accounts.set_disabled(session, trail, accounts.find_account(session, args.email), False)
    print(f"Enabled {user.email}.")
    return 0


def users_reset_password(args: argparse.Namespace, session: Session, trail: AuditTrail) -> int:
    user = accounts.find_account(session, args.email)
    password = accounts.reset_password(session, trail, user)
    print(f"temporary_password: {password}")
    print(
        f"Every sign-in of {user.email} has ended. Hand this password over; it must be changed"
        " at the next sign-in (POST /api/v1/me/password)."
    )
    return 0


def users_delete(args: argparse.Namespace, session: Session, trail: AuditTrail) -> int:
    user = accounts.find_account(session, args.email)
    accounts.delete_account(session, trail, user)
    print(f"Deleted the account {user.email}; its tokens stop working at once.")
    return 0


def clients_list(args: argparse.Namespace, session: Session, _trail: AuditTrail) -> int:
    for client in _all(lambda cursor: clients.list_clients(session, limit=200, cursor=cursor)):
        print(_client_line(client))
    return 0


def clients_show(args: argparse.Namespace, session: Session, _trail: AuditTrail) -> int:
    print(_client_line(clients.find_client(session, args.client)))
    return 0


def _print_secret(client: Client, secret: str) -> None:
    print(f"client_id:     {client.id}")
    print(f"client_secret: {secret}")
    print("Keep the secret now: it is stored only as a hash and cannot be shown again.")


def clients_add(args: argparse.Namespace, session: Session, trail: AuditTrail) -> int:
    client, secret = clients.create_client(
        session,
        trail,
        name=args.name,
        scopes=[Scope(scope) for scope in args.scopes],
        organisations=clients.organisations_by_code(session, args.organisation or []),
    )
    _print_secret(client, secret)
    return 0


def clients_disable(args: argparse.Namespace, session: Session, trail: AuditTrail) -> int:
    client = clients.set_disabled(session, trail, clients.find_client(session, args.client), True)
    print(f"Disabled {client.name}; its tokens stop working at once.")
    return 0


def clients_enable(args: argparse.Namespace, session: Session, trail: AuditTrail) -> int:
    client = clients.set_disabled(session, trail, clients.find_client(session, args.client), False)
    print(f"Enabled {client.name}.")
    return 0


def clients_rotate_secret(args: argparse.Namespace, session: Session, trail: AuditTrail) -> int:
    client = clients.find_client(session, args.client)
    secret = clients.rotate_secret(session, trail, client)
    _print_secret(client, secret)
    print("The old secret, and every token issued with it, stopped working now.")
    return 0


def clients_delete(args: argparse.Namespace, session: Session, trail: AuditTrail) -> int:
    client = clients.find_client(session, args.client)
    clients.delete_client(session, trail, client)
    print(f"Revoked {client.name}: removed, and its tokens stop working at once.")
    return 0


def add_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    users = commands.add_parser("users", help="people's accounts").add_subparsers(
        dest="action", required=True
    )
    listing = users.add_parser("list", help="list accounts")
    listing.add_argument("--role", choices=[role.value for role in Role])
    listing.set_defaults(run=users_list)
    for name, run, text in (
        ("show", users_show, "show an account"),
        ("disable", users_disable, "disable an account; its tokens stop at once"),
        ("enable", users_enable, "enable a disabled account"),
        ("reset-password", users_reset_password, "print a temporary password; sign-ins end"),
        ("delete", users_delete, "delete an account (the member record stays)"),
    ):
        command = users.add_parser(name, help=text)
        command.add_argument("email")
        command.set_defaults(run=run)
    add_user = users.add_parser(
        "add",
        help="create an account; the password is read from stdin. Coaches and members need a"
        " member record with the same email",
    )
    add_user.add_argument("email")
    add_user.add_argument("--role", required=True, choices=[role.value for role in Role])
    add_user.set_defaults(run=users_add)

    machine = commands.add_parser("clients", help="machine clients").add_subparsers(
        dest="action", required=True
    )
    machine.add_parser("list", help="list clients").set_defaults(run=clients_list)
    for name, run, text in (
        ("show", clients_show, "show a client"),
        ("disable", clients_disable, "disable a client; its tokens stop at once"),
        ("enable", clients_enable, "enable a disabled client"),
        ("rotate-secret", clients_rotate_secret, "print a new secret; the old one stops now"),
        ("delete", clients_delete, "revoke a client: remove it, its tokens stop at once"),
    ):
        command = machine.add_parser(name, help=text)
        command.add_argument("client", help="the client's id or name")
        command.set_defaults(run=run)
    add_client = machine.add_parser("add", help="create a client and print its secret once")
    add_client.add_argument("name")
    add_client.add_argument(
        "--scopes", nargs="+", required=True, choices=[scope.value for scope in Scope]
    )
    add_client.add_argument(
        "--organisation", action="append", help="ODS code of an organisation it acts for"
    )
    add_client.set_defaults(run=clients_add)


def run(args: argparse.Namespace) -> int:
    command: Command = args.run
    with cli_transaction() as (session, trail):
        return command(args, session, trail)

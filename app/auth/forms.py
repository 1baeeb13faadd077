"""Reading the OAuth 2.0 endpoints' requests: the form and the client's credentials, with
anything malformed refused in OAuth's terms (400 invalid_request), never as a 422."""

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote_plus

from starlette.requests import Request

from app.errors import OAuthError

FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
# More than any request here needs; parameters this service does not know are ignored.
MAX_FIELDS = 50

# The known parameters that have a value: RFC 6749 3.1 treats an empty one as left out.
Form = dict[str, str]
Parameters = Mapping[str, tuple[str, int]]  # name -> (description, longest value)


def invalid_request(detail: str) -> OAuthError:
    return OAuthError("invalid_request", detail)


async def read_form(request: Request, parameters: Parameters) -> Form:
    """The form's known parameters, each at most once (RFC 6749 3.2), within its length and
    without NUL; other parameters are ignored, as RFC 6749 3.2 requires."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != FORM_MEDIA_TYPE:
        sent = "JSON is" if "json" in media_type else "Other bodies are"
        raise invalid_request(
            f"This endpoint takes its parameters as a form, with `Content-Type: {FORM_MEDIA_TYPE}`"
            f" (RFC 6749 3.2); {sent} not accepted."
        )
    try:
        pairs = parse_qsl(
            (await request.body()).decode("utf-8"),
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except UnicodeDecodeError:
        raise invalid_request("The form is not UTF-8 text (RFC 6749 Appendix B).") from None
    except ValueError:
        raise invalid_request(f"The form has more than {MAX_FIELDS} parameters.") from None
    form: Form = {}
    seen: set[str] = set()
    for name, value in pairs:
        if name not in parameters:
            continue
        if name in seen:
            raise invalid_request(f"`{name}` is sent more than once; send each parameter once.")
        seen.add(name)
        _check(name, value, parameters[name][1])
        if value:
            form[name] = value
    return form


def _check(name: str, value: str, longest: int) -> None:
    if "\x00" in value:
        raise invalid_request(f"`{name}` contains a NUL character.")
    if len(value) > longest:
        raise invalid_request(f"`{name}` is longer than {longest} characters.")


@dataclass(frozen=True)
class ClientAuth:
    """The client's credentials as sent; a public client (the frontend) may send an id only."""

    client_id: str | None = None
    client_secret: str | None = None


def client_auth(request: Request, form: Form, parameters: Parameters) -> ClientAuth:
    """The credentials from HTTP Basic or from the body, never both (RFC 6749 2.3.1)."""
    header = request.headers.get("authorization")
    if header is None:
        return ClientAuth(form.get("client_id"), form.get("client_secret"))
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        raise OAuthError(
            "invalid_client",
            "Clients authenticate here with HTTP Basic, or with client_id and client_secret"
            " in the body; no other Authorization scheme.",
        )
    client_id, secret = _basic(value.strip())
    for name, sent in (("client_id", client_id), ("client_secret", secret)):
        _check(name, sent, parameters[name][1])
    if "client_secret" in form:
        raise invalid_request(
            "Send the client's credentials one way: HTTP Basic, or client_id and client_secret"
            " in the body, not both (RFC 6749 2.3)."
        )
    if form.get("client_id", client_id) != client_id:
        raise invalid_request("`client_id` in the body is not the one in the Authorization header.")
    return ClientAuth(client_id or None, secret or None)


def _basic(credentials: str) -> tuple[str, str]:
    """RFC 6749 2.3.1: the id and secret are form-encoded, joined by a colon, then base64."""
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        client_id, colon, secret = decoded.partition(":")
        if not colon:
            raise ValueError("no colon")
        return unquote_plus(client_id, errors="strict"), unquote_plus(secret, errors="strict")
    except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
        raise invalid_request(
            "The Authorization header is not HTTP Basic as RFC 6749 2.3.1 describes: base64 of"
            " the form-encoded client_id, a colon, and the form-encoded client_secret."
        ) from None

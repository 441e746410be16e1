"""What the revocation, introspection and userinfo plugins share (not a plugin itself).

The token parameter of RFC 7009 and RFC 7662 requests, checked once; and the fallback
exception class of an endpoint, for error codes that no plugin maps to a class of its own.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

from o2k_builtins.shared_errors import MissingRefreshToken, UnknownTokenType
from oauth2kit import BearerToken, EndpointError, InvalidParam

if TYPE_CHECKING:
    from collections.abc import Iterator


def token_fields(token: object, token_type_hint: object) -> dict[str, str]:
    """The ``token`` and ``token_type_hint`` form fields for `token` (a str or a `BearerToken`).

    A `BearerToken` gives its access token, or its refresh token for the ``refresh_token``
    hint; any other hint does not say which of its tokens is meant. A str is sent with any
    hint, extension hints included (RFC 7009 section 2.1).

    Raises:
        MissingRefreshToken: the ``refresh_token`` hint with a token that carries none.
        UnknownTokenType: another hint than ``access_token`` or ``refresh_token`` with a
            `BearerToken`.
        InvalidParam: the token is neither a non-empty str nor a `BearerToken`, or the hint
            is not a non-empty str.
    """
    if not (token_type_hint is None or (isinstance(token_type_hint, str) and token_type_hint)):
        msg = f"token_type_hint must be a non-empty str, got {token_type_hint!r}"
        raise InvalidParam(msg)
    if isinstance(token, BearerToken):
        if token_type_hint == "refresh_token":  # noqa: S105 - a hint's name
            if token.refresh_token is None:
                raise MissingRefreshToken(token)
            value = token.refresh_token
        elif token_type_hint in (None, "access_token"):
            value = token.access_token
        else:
            msg = (
                f"Invalid `token_type_hint` {token_type_hint!r} for a {type(token).__name__}:"
                " use access_token or refresh_token, or pass the token itself as a str"
            )
            raise UnknownTokenType(msg, token, token_type_hint)
    elif isinstance(token, str) and token:
        value = token
    else:
        msg = f"token must be a non-empty str or a BearerToken, got {type(token).__name__}"
        raise InvalidParam(msg)
    fields = {"token": value}
    if token_type_hint is not None:
        fields["token_type_hint"] = token_type_hint
    return fields


@contextmanager
def unmapped_errors_as(fallback: type[EndpointError]) -> Iterator[None]:
    """Raise `fallback` for an error response whose code no plugin maps to a class.

    The standard error parser raises a bare `EndpointError` for such a code at endpoints
    other than the token endpoint; each endpoint plugin names its own (``RevocationError``,
    ...), as upstream does. Codes that are mapped (``invalid_client``, ...) keep their class.
    """
    try:
        yield
    except EndpointError as exc:
        if type(exc) is not EndpointError:
            raise
        raise fallback(exc.response, exc.client, exc.error, exc.description, exc.uri) from exc

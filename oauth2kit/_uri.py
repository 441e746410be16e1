"""URI policy: which endpoint and issuer URIs a client accepts."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from oauth2kit._exceptions import InvalidUri

__all__ = ["is_loopback_host", "validate_endpoint_uri", "validate_issuer_uri"]


def is_loopback_host(host: str | None) -> bool:
    """Tell whether `host` names this machine: ``localhost`` or a loopback IP address."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def validate_endpoint_uri(  # noqa: C901, PLR0912 - one branch per documented check
    uri: str,
    *,
    https: bool = True,
    allow_loopback_http: bool = True,
    no_credentials: bool = True,
    no_port: bool = False,
    no_fragment: bool = True,
    path: bool = True,
    no_query: bool = False,
) -> str:
    """Check that `uri` is fit to be an OAuth 2.0 endpoint, and return it unchanged.

    Args:
        uri: the URI to check.
        https: require the https scheme.
        allow_loopback_http: with `https`, still accept plain http to a loopback host, where
            there is no network for TLS to protect (RFC 8252 section 8.3 makes the same call).
        no_credentials: refuse ``user:password@`` in the URI.
        no_port: refuse an explicit port other than 443.
        no_fragment: refuse a ``#fragment``.
        path: require a path other than ``/``.
        no_query: refuse a ``?query`` (an issuer has none, RFC 8414 section 2).

    Raises:
        InvalidUri: with one message per failed check.
    """
    if not isinstance(uri, str):
        raise InvalidUri(f"<{type(uri).__name__}>", [f"must be a str, got {type(uri).__name__}"])
    if any(ch.isspace() or not ch.isprintable() for ch in uri):
        raise InvalidUri(uri, ["must not contain whitespace or control characters"])
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        # Not urlsplit's message: it quotes the part it could not read, a password maybe.
        raise InvalidUri(uri, ["is not a parsable URI (its host or port)"]) from None
    errors: list[str] = []
    if https and parts.scheme != "https":
        loopback_ok = allow_loopback_http and parts.scheme == "http"
        if not (loopback_ok and is_loopback_host(parts.hostname)):
            errors.append("must use https")
    elif parts.scheme not in ("http", "https"):
        errors.append("must use http or https")
    if not parts.hostname:
        errors.append("must include a host")
    if no_credentials and (parts.username or parts.password):
        errors.append("must not contain basic credentials")
    if no_port and port not in (None, 443):
        errors.append("no custom port number allowed")
    if no_fragment and parts.fragment:
        errors.append("must not contain a uri fragment")
    if path and parts.path in ("", "/"):
        errors.append("must include a path other than /")
    if no_query and parts.query:
        errors.append("must not contain a query")
    if errors:
        raise InvalidUri(uri, errors)
    return uri


def validate_issuer_uri(uri: str, *, https: bool = True) -> str:
    """Like `validate_endpoint_uri`, but an issuer may be a bare origin, and has no query."""
    return validate_endpoint_uri(uri, https=https, path=False, no_query=True)

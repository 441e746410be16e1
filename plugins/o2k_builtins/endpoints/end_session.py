"""RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): ``endpoint.end_session``.

Provides the ``end_session_endpoint`` and ``post_logout_redirect_uri`` settings and the
operation ``end_session_url``, which builds the URL to send the end-user's browser to.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from o2k_builtins.grants.jwt_bearer import compact_jwt
from oauth2kit import BearerToken, Form, InvalidParam, MissingClientId, Setting, hookimpl

if TYPE_CHECKING:
    from types import EllipsisType

    from oauth2kit import OAuth2Client, Registry


class InvalidEndSessionParam(InvalidParam):
    """A parameter of an RP-initiated logout request is unusable."""


def checked_redirect_uri(client: OAuth2Client, value: object) -> str:  # noqa: ARG001 - a Setting converter
    """Check a ``post_logout_redirect_uri``: an absolute URI without a fragment.

    Its scheme is not restricted: native apps use custom schemes, and the server accepts only
    the URIs registered for the client anyway.
    """
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or not parts.scheme or not (parts.netloc or parts.path) or parts.fragment:
        msg = f"post_logout_redirect_uri must be an absolute URI without a fragment, got {value!r}"
        raise InvalidEndSessionParam(msg)
    return value  # type: ignore[return-value] # a str, checked above


def _id_token_hint(value: object) -> str:
    if isinstance(value, BearerToken):
        if value.id_token is None:
            raise InvalidEndSessionParam("id_token_hint: the token does not contain an id_token")
        return value.id_token
    return compact_jwt(value, "id_token_hint", InvalidEndSessionParam)


def _ui_locales(value: object) -> str:
    if isinstance(value, str) and value:
        return value
    items = list(value) if isinstance(value, Iterable) and not isinstance(value, str) else None
    if items and all(isinstance(item, str) and item and " " not in item for item in items):
        return " ".join(items)
    msg = f"ui_locales must be a str or an iterable of language tags, got {value!r}"
    raise InvalidEndSessionParam(msg)


def _text(name: str, value: object) -> str:
    if isinstance(value, str) and value:
        return value
    raise InvalidEndSessionParam(f"{name} must be a non-empty str, got {type(value).__name__}")


def end_session_url(
    client: OAuth2Client,
    *,
    id_token_hint: object = None,
    post_logout_redirect_uri: str | None = None,
    state: str | None = None,
    client_id: str | EllipsisType | None = ...,
    ui_locales: str | Iterable[str] | None = None,
    logout_hint: str | None = None,
    **params: Any,
) -> str:
    """Build the URL of an RP-initiated logout request at the ``end_session_endpoint``.

    Args:
        client: the client whose end-user logs out.
        id_token_hint: the ID token last issued to the client (a compact JWT str, an ID
            token object, or a `BearerToken` that carries one).
        post_logout_redirect_uri: where the server sends the browser back; defaults to the
            client's ``post_logout_redirect_uri`` setting. It must be registered.
        state: an opaque value the server returns with that redirect.
        client_id: the client's own by default; None leaves it out.
        ui_locales: preferred languages, a space-separated str or an iterable of tags.
        logout_hint: a hint about the end-user who is logging out.
        **params: extension parameters, sent as they are (a list as repeated parameters).

    Raises:
        MissingEndpointUri: the client has no ``end_session_endpoint``.
        InvalidEndSessionParam: a parameter is unusable.
    """
    endpoint = client.endpoint_uri("end_session_endpoint")
    if client_id is ...:
        try:
            client_id = client.client_id
        except MissingClientId:
            client_id = None
    redirect_uri = (  # only a left-out argument falls back: "" is refused, not replaced
        client.setting("post_logout_redirect_uri")
        if post_logout_redirect_uri is None
        else post_logout_redirect_uri
    )
    fields: dict[str, Any] = {
        "id_token_hint": None if id_token_hint is None else _id_token_hint(id_token_hint),
        "post_logout_redirect_uri": None
        if redirect_uri is None
        else checked_redirect_uri(client, redirect_uri),
        "state": None if state is None else _text("state", state),
        "client_id": None if client_id is None else _text("client_id", client_id),
        "ui_locales": None if ui_locales is None else _ui_locales(ui_locales),
        "logout_hint": None if logout_hint is None else _text("logout_hint", logout_hint),
    }
    try:
        query = Form({**params, **fields}).plain
    except InvalidParam as exc:
        raise InvalidEndSessionParam(f"unusable logout parameter: {exc}") from exc
    sent = {name: value for name, value in query.items() if value is not None}
    # The endpoint's own query is kept (OpenID Connect allows one), but never duplicated.
    parts = urlsplit(endpoint)
    own = parse_qsl(parts.query, keep_blank_values=True)  # "?tenant=" is the endpoint's too
    kept = [(name, value) for name, value in own if name not in sent]
    return urlunsplit(parts._replace(query=urlencode([*kept, *sent.items()], doseq=True)))


@hookimpl
def oauth2kit_register_settings(registry: Registry[Setting]) -> None:
    """Register ``end_session_endpoint`` and a default ``post_logout_redirect_uri``."""
    registry.add("end_session_endpoint", Setting(endpoint=True))
    registry.add("post_logout_redirect_uri", Setting(convert=checked_redirect_uri))


@hookimpl
def oauth2kit_register_operations(registry: Registry[Any]) -> None:
    """Register ``end_session_url``."""
    registry.add("end_session_url", end_session_url)


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export `InvalidEndSessionParam` from the package root."""
    registry.add("InvalidEndSessionParam", InvalidEndSessionParam)

"""The token exchange grant (RFC 8693): entry point ``grant.token_exchange``.

Provides the ``token_exchange`` grant behind `OAuth2Client.token_exchange`, and the class
operation ``get_token_type`` behind `OAuth2Client.get_token_type`, which expands token type
short names (``access_token``, ``jwt``, ...) to their URNs and guesses a type from a token.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

from o2k_builtins.shared_errors import UnknownTokenType
from oauth2kit import (
    BearerToken,
    InvalidParam,
    PluginNotAvailable,
    default_host,
    hookimpl,
    normalize_scope,
)

if TYPE_CHECKING:
    from oauth2kit import OAuth2Client, PluginHost, Registry
    from oauth2kit.hookspecs import GrantType

TOKEN_TYPE_PREFIX: Final = "urn:ietf:params:oauth:token-type:"  # noqa: S105 - a URN prefix
SHORT_NAMES: Final = ("access_token", "refresh_token", "id_token", "saml1", "saml2", "jwt")
"""The token type short names, each standing for ``urn:ietf:params:oauth:token-type:<name>``."""

ACCESS_TOKEN: Final = TOKEN_TYPE_PREFIX + "access_token"
REFRESH_TOKEN: Final = TOKEN_TYPE_PREFIX + "refresh_token"
ID_TOKEN: Final = TOKEN_TYPE_PREFIX + "id_token"

# An absolute URI (RFC 3986 section 3.1): what a token type is when it is not a short name;
# a scheme, then printable ASCII without spaces, to its end.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[!-~]+")


class UnknownSubjectTokenType(UnknownTokenType):
    """The ``subject_token_type`` of a token exchange is unknown or does not fit the token."""

    def __init__(self, token: object, token_type: str | None, reason: str | None = None) -> None:
        detail = reason or f"token is of type '{type(token)}'"
        super().__init__(f"unusable subject_token_type: {detail}", token, token_type)


class UnknownActorTokenType(UnknownTokenType):
    """The ``actor_token_type`` of a token exchange is unknown or does not fit the token."""

    def __init__(self, token: object, token_type: str | None, reason: str | None = None) -> None:
        detail = reason or f"token is of type '{type(token)}'"
        super().__init__(f"unusable actor_token_type: {detail}", token, token_type)


def expand_token_type(token_type: object, token: object = None) -> str:
    """Return the URN of `token_type`: a short name expanded, an absolute URI unchanged.

    Raises:
        UnknownTokenType: for a bare name that is not a short name (a typo such as
            ``acces_token`` must not reach the server), or a value that is not a str.
    """
    if isinstance(token_type, str):
        if token_type in SHORT_NAMES:
            return TOKEN_TYPE_PREFIX + token_type
        if _SCHEME.fullmatch(token_type):
            return token_type
    names = ", ".join(SHORT_NAMES)
    msg = f"unknown token type {token_type!r}: use a short name ({names}) or an absolute URI"
    raise UnknownTokenType(msg, token, token_type if isinstance(token_type, str) else None)


def _id_token_class(host: PluginHost, blocked: frozenset[str] = frozenset()) -> type | None:
    """The ID token class of the OpenID Connect plugin, if one is installed (``IdToken``)."""
    try:
        found = host.extensions.get("IdToken", blocked=blocked)
    except PluginNotAvailable:
        return None
    return found if isinstance(found, type) else None


def token_value_and_type(
    token: object, token_type: object = None, *, id_token_class: type | None = None
) -> tuple[str, str]:
    """Return the value to send for `token` and its type URN, checked against each other.

    Without `token_type`, the type is guessed: a `BearerToken` is an access token, an
    instance of `id_token_class` an ID token. With one, the token must fit it: a
    `BearerToken` gives its access, refresh or ID token for those types (and its access
    token for any other type), an ID token object its compact serialization.

    Raises:
        UnknownTokenType: the type cannot be guessed, or does not fit the token.
    """
    if token_type is None:
        if isinstance(token, BearerToken):
            return token.access_token, ACCESS_TOKEN
        if id_token_class is not None and isinstance(token, id_token_class):
            return str(token), ID_TOKEN
        what = "a str" if isinstance(token, str) else f"a {type(token).__name__}"
        msg = f"cannot guess the type of {what}: pass its token type"
        raise UnknownTokenType(msg, token, None)
    urn = expand_token_type(token_type, token)
    checked = str(token_type)
    if isinstance(token, str):
        if not token:
            raise UnknownTokenType("the token is an empty str", token, checked)
        return token, urn
    if isinstance(token, BearerToken):
        member = {REFRESH_TOKEN: token.refresh_token, ID_TOKEN: token.id_token}.get(
            urn, token.access_token
        )
        if member is None:
            name = urn.removeprefix(TOKEN_TYPE_PREFIX)
            raise UnknownTokenType(f"the token does not contain a {name}", token, checked)
        return member, urn
    is_id_token = id_token_class is not None and isinstance(token, id_token_class)
    if is_id_token and urn not in (ACCESS_TOKEN, REFRESH_TOKEN):
        return str(token), urn
    msg = f"token is of type '{type(token)}', which cannot be sent as {urn}"
    raise UnknownTokenType(msg, token, checked)


def get_token_type(cls: type, token_type: str | None = None, token: object = None) -> str:  # noqa: ARG001 - a class operation receives the class
    """The class operation behind `OAuth2Client.get_token_type`: a token type's URN.

    `token_type` is a short name (expanded) or an absolute URI (unchanged); without it, the
    type of `token` is guessed. With both, they must fit together.

    Raises:
        UnknownTokenType: the type is unknown, cannot be guessed, or does not fit `token`.
    """
    if token is None:
        if token_type is None:
            raise UnknownTokenType("pass a token type, a token, or both", None, None)
        return expand_token_type(token_type)
    id_token_class = _id_token_class(default_host())
    return token_value_and_type(token, token_type, id_token_class=id_token_class)[1]


class TokenExchangeGrant:
    """Builds token exchange requests (RFC 8693 section 2.1).

    ``subject_token`` (required) and ``actor_token`` are strs, `BearerToken`s, or ID token
    objects; their types are given (short names or URIs) or guessed. ``requested_token_type``
    short names are expanded too. ``scope`` is normalized; other parameters (``resource``,
    ``audience``, ...) are sent as form fields, a list as repeated fields.
    """

    grant_type: Final = "urn:ietf:params:oauth:grant-type:token-exchange"

    def build(self, client: OAuth2Client, params: dict[str, Any]) -> dict[str, Any]:
        """Return the form fields for `params`.

        Raises:
            UnknownSubjectTokenType: the subject token's type is unknown or does not fit it.
            UnknownActorTokenType: likewise for the actor token.
            UnknownTokenType: ``requested_token_type`` is not a short name or a URI.
            InvalidParam: ``subject_token`` is missing, or ``actor_token_type`` comes
                without an ``actor_token``.
        """
        if "subject_token" not in params:
            raise InvalidParam("the token_exchange grant needs a subject_token")
        id_token_class = _id_token_class(client.plugins, client.disabled_plugins)
        fields = self._token("subject", params, id_token_class, UnknownSubjectTokenType)
        if "actor_token" in params:
            fields |= self._token("actor", params, id_token_class, UnknownActorTokenType)
        elif "actor_token_type" in params:
            raise InvalidParam("actor_token_type was given without an actor_token")
        if "requested_token_type" in params:
            fields["requested_token_type"] = expand_token_type(params.pop("requested_token_type"))
        if "scope" in params:
            params["scope"] = normalize_scope(params["scope"])
        return {**fields, **params}

    @staticmethod
    def _token(
        role: str, params: dict[str, Any], id_token_class: type | None,
        error: type[UnknownSubjectTokenType | UnknownActorTokenType],
    ) -> dict[str, str]:  # fmt: skip
        token, token_type = params.pop(f"{role}_token"), params.pop(f"{role}_token_type", None)
        try:
            value, urn = token_value_and_type(token, token_type, id_token_class=id_token_class)
        except UnknownTokenType as exc:
            raise error(token, token_type, str(exc)) from exc
        return {f"{role}_token": value, f"{role}_token_type": urn}


@hookimpl
def oauth2kit_register_grant_types(registry: Registry[GrantType]) -> None:
    """Register ``token_exchange``."""
    registry.add("token_exchange", TokenExchangeGrant())


@hookimpl
def oauth2kit_register_operations(registry: Registry[Any]) -> None:
    """Register the class operation ``get_token_type``."""
    registry.add("get_token_type", get_token_type)


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export the token type exceptions from the package root."""
    for cls in (UnknownTokenType, UnknownSubjectTokenType, UnknownActorTokenType):
        registry.add(cls.__name__, cls)

"""Access tokens: `BearerToken` is the value object every token type plugin extends."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

import attrs
import requests.auth

from oauth2kit._exceptions import ExpiredAccessToken, InvalidParam, shown
from oauth2kit._values import is_number, normalize_scope

__all__ = ["BearerToken", "TokenResponse", "parse_expires_in"]

_REDACTED = "***"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CENTURY = 100 * 365 * 24 * 3600


def parse_expires_in(expires_in: object) -> int | None:
    """Turn an ``expires_in`` value into whole seconds, or None for no known expiry.

    Servers send it as a number or as a numeric string. A string that is not a number
    means "no known expiry", as upstream has it; so does a lifetime past about 100 years
    (or infinite, or NaN), which says "does not expire" more than anything else.

    Raises:
        InvalidParam: for any other type (a list, an object, a boolean): a token whose
            expiry cannot be read must not pass for one that never expires.
    """
    if expires_in is None:
        return None
    if isinstance(expires_in, str):
        try:
            expires_in = float(expires_in)
        except ValueError:
            return None
    if not isinstance(expires_in, int | float) or isinstance(expires_in, bool):
        msg = f"expires_in must be a number of seconds, got {type(expires_in).__name__}"
        raise InvalidParam(msg)
    # Compared before any float conversion: a 400-digit int must not overflow.
    if expires_in <= -_CENTURY:
        return -_CENTURY  # long expired, not "never expires"
    return int(expires_in) if expires_in < _CENTURY else None


def _check_access_token(_: object, __: object, value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise InvalidParam(f"access_token must be a non-empty str, got {type(value).__name__}")
    if not (value.isascii() and value.isprintable()) or " " in value:
        # It goes into an Authorization header (the value itself stays out of the message).
        msg = "access_token must not contain whitespace, control or non-ASCII characters"
        raise InvalidParam(msg)


def _optional(kind: type) -> Any:
    """A validator: None or a `kind`, else `InvalidParam` (token responses are input)."""

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None and not isinstance(value, kind):
            msg = f"{attribute.name} must be a {kind.__name__}, got {type(value).__name__}"
            raise InvalidParam(msg)

    return check


class TokenResponse:
    """Marker base class of the token types; `BearerToken` is the one the kernel knows."""


_T = TypeVar("_T")


class _FrozenOnceBuilt(type):
    """Freezes a token when its outermost `__init__` returns: a subclass's may set attributes."""

    def __call__(cls: type[_T], *args: Any, **kwargs: Any) -> _T:
        token = super().__call__(*args, **kwargs)  # type: ignore[misc] # type.__call__
        object.__setattr__(token, "_frozen", True)
        return token  # type: ignore[no-any-return]


# Immutable through its own __setattr__ rather than attrs.frozen: a frozen class with a
# __dict__ (the response's extra members are attributes) reads its attributes about three
# times slower, and the per-request path reads two of them.
@attrs.define(init=False, repr=False, slots=False, on_setattr=attrs.setters.NO_OP)
class BearerToken(TokenResponse, requests.auth.AuthBase, metaclass=_FrozenOnceBuilt):
    """An RFC 6750 Bearer token, as returned by a token endpoint; also a requests auth handler.

    Checked once when built, and immutable after that. `str(token)` is the access token,
    so a token can stand where a string is expected; `repr(token)` never shows the access,
    refresh or ID token.

    Args:
        access_token: the access token value.
        expires_at: when the access token expires (timezone-aware, or naive UTC).
        scope: the granted scope (a str, or a list that servers sometimes send).
        refresh_token: the refresh token, if any.
        token_type: must match the class's ``TOKEN_TYPE``, case-insensitively.
        id_token: the ID token, if any, as its compact serialization.
        expires_in: seconds from now until expiry; used when `expires_at` is not given.
        **kwargs: any other member of the token response, readable as an attribute
            (``token.issued_token_type``) or by subscript (``token["my.attr"]``).

    Raises:
        InvalidParam: if a member has an unusable value.
    """

    TOKEN_TYPE: ClassVar[str] = "Bearer"  # noqa: S105 - a token type name, not a secret
    AUTHORIZATION_HEADER: ClassVar[str] = "Authorization"
    AUTHORIZATION_SCHEME: ClassVar[str] = "Bearer"

    access_token: str = attrs.field(validator=_check_access_token)
    expires_at: datetime | None = attrs.field(validator=_optional(datetime))
    scope: str | None = attrs.field(validator=_optional(str))
    refresh_token: str | None = attrs.field(validator=_optional(str))
    token_type: str = attrs.field()  # checked against TOKEN_TYPE by the constructor
    id_token: str | None = attrs.field(validator=_optional(str))
    kwargs: Mapping[str, Any] = attrs.field()

    def __init__(
        self, /, access_token: str, *, expires_at: datetime | None = None, scope: str | None = None,
        refresh_token: str | None = None, token_type: str | None = None,
        id_token: str | None = None, expires_in: int | str | None = None, **kwargs: Any,
    ) -> None:  # fmt: skip
        token_type = self.TOKEN_TYPE if token_type is None else token_type
        if not isinstance(token_type, str) or token_type.casefold() != self.TOKEN_TYPE.casefold():
            msg = f"token_type {shown(token_type)} does not match {type(self).__name__}"
            raise InvalidParam(f"{msg} (expected {self.TOKEN_TYPE!r})")
        expires_ts = None
        if expires_at is None:
            seconds = parse_expires_in(expires_in)
            if seconds is not None:
                # From now to the microsecond: cut to whole seconds (as upstream does), a
                # 1-second token could expire a millisecond after it arrived.
                expires_ts = time.time() + seconds
                expires_at = _EPOCH + timedelta(seconds=expires_ts)
        elif isinstance(expires_at, datetime) and expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=UTC)
        # Some servers send "" (or []) for "none": an empty token or scope is none at all.
        if type(scope) is not str or not scope:
            scope = None if scope in ("", []) else normalize_scope(scope)
        self.__attrs_init__(
            access_token, expires_at, scope, None if refresh_token == "" else refresh_token,
            token_type, None if id_token == "" else id_token, MappingProxyType(kwargs),
        )  # fmt: skip
        # Non-standard members become plain attributes, so that `token.issued_token_type`
        # works without a __getattr__ (which would slow every attribute read of the
        # per-request path). Names the class uses stay reserved.
        # object.__setattr__, not self.__dict__[...]: reading __dict__ turns the instance's
        # inline attribute values into a dict, and every later attribute read gets slower.
        for key, value in kwargs.items():
            if key.isidentifier() and not hasattr(type(self), key) and key not in _RESERVED:
                object.__setattr__(self, key, value)
        # Precomputed for the per-request path: one clock read and one header assignment.
        if expires_ts is None and self.expires_at is not None:
            expires_ts = self.expires_at.timestamp()
        object.__setattr__(self, "_expires_ts", expires_ts)
        header = (self.AUTHORIZATION_HEADER, self.authorization_header())
        object.__setattr__(self, "_header", header)

    def __setattr__(self, name: str, value: Any) -> None:
        """Refuse any change once built: a token is a value; build another one instead."""
        try:  # object's lookup: not a subclass __getattr__ that answers for any name
            object.__getattribute__(self, "_frozen")
        except AttributeError:
            object.__setattr__(self, name, value)
        else:
            raise attrs.exceptions.FrozenInstanceError

    def __delattr__(self, name: str) -> None:
        """Refuse: a token is immutable."""
        raise attrs.exceptions.FrozenInstanceError

    def __getstate__(self) -> dict[str, Any]:
        """For pickling and copying: the read-only view of `kwargs` as the dict it shows."""
        return {**vars(self), "kwargs": dict(self.kwargs)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore a pickled or copied token, read-only again."""
        for name, value in {**state, "kwargs": MappingProxyType(state["kwargs"])}.items():
            object.__setattr__(self, name, value)

    # --- expiry -----------------------------------------------------------------------

    def is_expired(self, leeway: float = 0) -> bool | None:
        """Tell whether the token expires within `leeway` seconds; None if its expiry is unknown."""
        if not is_number(leeway):
            raise InvalidParam(f"leeway must be a number of seconds, got {type(leeway).__name__}")
        if self._expires_ts is None:
            return None
        return time.time() + leeway > self._expires_ts

    @property
    def expires_in(self) -> int | None:
        """Seconds left until expiry (negative once expired), or None if unknown."""
        if self._expires_ts is None:
            return None
        return math.ceil(self._expires_ts - time.time())

    def validate_id_token(
        self, client: Any, azr: Any, exp_leeway: int = 0, auth_time_leeway: int = 10
    ) -> Self:
        """Validate this token's ID token for `client` and the authorization response `azr`.

        Delegates to the OpenID Connect plugin's ``validate_id_token`` operation, which
        returns the token (with the ID token decrypted, if it was encrypted) or raises.
        """
        validated: Self = client.run(
            "validate_id_token", token=self, azr=azr, exp_leeway=exp_leeway,
            auth_time_leeway=auth_time_leeway,
        )  # fmt: skip
        return validated

    # --- requests auth handler ----------------------------------------------------------

    def authorization_header(self) -> str:
        """The value of the Authorization header that carries this token."""
        return f"{self.AUTHORIZATION_SCHEME} {self.access_token}"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Add this token to `request`; raise `ExpiredAccessToken` if it has expired."""
        expires = self._expires_ts
        if expires is not None and time.time() > expires:
            raise ExpiredAccessToken(f"the access token expired at {self.expires_at}")
        name, value = self._header
        request.headers[name] = value
        return request

    # --- custom attributes --------------------------------------------------------------

    if TYPE_CHECKING:
        _expires_ts: float | None
        _header: tuple[str, str]

        # For type checkers only: non-standard members are set as attributes at run time.
        def __getattr__(self, key: str) -> Any: ...

    def __getitem__(self, key: str) -> Any:
        """Read any member of the token response by name, e.g. ``token["my.custom.attr"]``."""
        if key in self.kwargs:
            return self.kwargs[key]
        if key in _STANDARD_FIELDS:
            return getattr(self, key)
        raise KeyError(key)

    # --- conversions --------------------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        """Return the token as a token response: standard members, `expires_in`, and kwargs."""
        data = {name: getattr(self, name) for name in _AS_DICT_ORDER}
        return {key: value for key, value in {**data, **self.kwargs}.items() if value is not None}

    @classmethod
    def from_response(cls, data: Mapping[str, Any]) -> Self:
        """Build a token from a token endpoint's JSON object.

        Raises:
            InvalidParam: if `data` is not such an object, or has no ``access_token``.
        """
        if not isinstance(data, Mapping):
            raise InvalidParam(f"a token response must be a JSON object, got {type(data).__name__}")
        if "access_token" not in data:
            raise InvalidParam("the token response has no access_token")
        try:
            return cls(**data)
        except TypeError:  # checked here rather than per member: a name that is not a str
            msg = "a token response must be a JSON object, with str member names"
            raise InvalidParam(msg) from None

    def __str__(self) -> str:
        """The access token, so that a token can be used where a string is expected."""
        return self.access_token

    def __repr__(self) -> str:
        """Show the token's metadata, never its secrets."""
        expires_at = None if self.expires_at is None else self.expires_at.isoformat()
        shown = {"token_type": self.token_type, "expires_at": expires_at, "scope": self.scope}
        parts = [f"access_token={_REDACTED!r}"]
        parts += [f"{name}={value!r}" for name, value in shown.items() if value is not None]
        parts += [f"{name}={_REDACTED!r}" for name in _SECRETS if getattr(self, name) is not None]
        parts += [f"{key}=..." for key in self.kwargs]
        return f"{type(self).__name__}({', '.join(parts)})"

    def __hash__(self) -> int:
        """Hash by the access token, which identifies a token."""
        return hash((type(self), self.access_token))


_STANDARD_FIELDS = tuple(a.name for a in attrs.fields(BearerToken) if a.name != "kwargs")
_AS_DICT_ORDER = ("access_token", "token_type", "expires_in", "scope", "refresh_token", "id_token")
_SECRETS = ("refresh_token", "id_token")  # beside the access token, never shown
_RESERVED = frozenset({*_STANDARD_FIELDS, "kwargs"})

"""Tokens as strings, for storage: entry point ``token.serializer``.

`BearerTokenSerializer` turns a token into a compact string and back: the token's members
as a JSON object, compressed with raw deflate, in unpadded base64url; ``expires_at`` is a
number of seconds since the epoch. That is the seed's format, so tokens that the seed
stored load here.

Two things differ from the seed on purpose. The expiry is kept to the microsecond, and a
token that has already expired keeps it too (a fraction of a second is written as such).
And a token of any registered type comes back as its own class: the loader looks its
``token_type`` up in the default plugin host's ``token_types`` registry.

The string holds the access, refresh and ID tokens: store it as the secret it is. Nothing
that this module raises quotes it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any, Final

from oauth2kit import BearerToken, InvalidParam, PluginNotAvailable, default_host, hookimpl

if TYPE_CHECKING:
    from collections.abc import Callable

    from oauth2kit import Registry

MAX_INFLATED_SIZE: Final = 256 * 1024
"""The most bytes that `BearerTokenSerializer.loads` inflates a string to (a deflate bomb
stops there)."""

_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# Past datetime's year 9999 either way: refused before any arithmetic, so that a number of
# a million digits costs nothing.
_EPOCH_LIMIT = 253_402_300_800
# The token's own members, in the order they are written; `kwargs` follow them.
_MEMBERS = ("access_token", "token_type", "scope", "refresh_token", "id_token")


class InvalidSerializedToken(InvalidParam):
    """`BearerTokenSerializer.loads` was given a string that is not a serialized token.

    The message says what is wrong with it (not base64url, not deflate, not a JSON object,
    a member of the wrong type, an unknown ``token_type``), never what it holds.
    """


def _epoch_number(moment: datetime) -> str:
    """`moment` as JSON seconds since the epoch, exactly: an int unless it has microseconds."""
    micros = (moment - _EPOCH) // _MICROSECOND
    sign = "-" if micros < 0 else ""
    seconds, fraction = divmod(abs(micros), 1_000_000)
    return f"{sign}{seconds}" if fraction == 0 else f"{sign}{seconds}.{fraction:06d}"


def _unserializable(members: dict[str, Any]) -> str:
    """The name of the first member that JSON cannot hold (a set, a datetime, NaN, ...)."""
    for name, value in members.items():
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError, RecursionError):
            return name
    return "?"  # not reached: the object failed, so one of its members does


def _reject_constant(name: str) -> None:
    """Refuse NaN and Infinity, which JSON does not have (and the dumper never writes)."""
    raise ValueError(name)


def _inflate(serialized: object) -> bytes:
    """The deflated bytes that `serialized`, unpadded base64url, holds, inflated."""
    if not isinstance(serialized, str):
        kind = type(serialized).__name__
        raise InvalidSerializedToken(f"a serialized token is a str, got {kind}")
    # Checked first: base64's decoder would skip characters outside the alphabet.
    if not _BASE64URL.fullmatch(serialized) or len(serialized) % 4 == 1:
        raise InvalidSerializedToken("the serialized token is not unpadded base64url")
    try:
        compressed = base64.urlsafe_b64decode(serialized + "=" * (-len(serialized) % 4))
    except binascii.Error:
        raise InvalidSerializedToken("the serialized token is not unpadded base64url") from None
    inflater = zlib.decompressobj(wbits=-zlib.MAX_WBITS)
    try:
        data = inflater.decompress(compressed, MAX_INFLATED_SIZE)
    except zlib.error:
        raise InvalidSerializedToken("the serialized token is not deflate-compressed") from None
    if inflater.unconsumed_tail:
        msg = f"the serialized token inflates past {MAX_INFLATED_SIZE} bytes"
        raise InvalidSerializedToken(msg)
    if not inflater.eof or inflater.unused_data:
        raise InvalidSerializedToken("the serialized token is cut short or has trailing data")
    return data


def _members(data: bytes) -> dict[str, Any]:
    """The JSON object in `data`, its fractional numbers as `Decimal` (exact, for the expiry)."""
    try:
        members = json.loads(
            data.decode("utf-8"), parse_float=Decimal, parse_constant=_reject_constant
        )
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError included
        raise InvalidSerializedToken("the serialized token is not JSON") from None
    if not isinstance(members, dict):
        kind = type(members).__name__
        raise InvalidSerializedToken(f"the serialized token is a JSON {kind}, not an object")
    return members


def _floats(members: dict[str, Any]) -> None:
    """Turn the `Decimal` numbers of `members` back into floats, in place, as JSON gives them.

    A loop rather than recursion: what the JSON decoder could nest, this must not overflow on.
    """
    pending: list[dict[Any, Any] | list[Any]] = [members]
    while pending:
        container = pending.pop()
        items = container.items() if isinstance(container, dict) else enumerate(container)
        for key, value in list(items):
            if isinstance(value, Decimal):
                container[key] = float(value)
            elif isinstance(value, dict | list):
                pending.append(value)


def _expires_at(value: object) -> datetime | None:
    """The ``expires_at`` member, seconds since the epoch, as a UTC datetime."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        kind = type(value).__name__
        msg = f"expires_at must be a number of seconds since the epoch, got {kind}"
        raise InvalidSerializedToken(msg)
    if not -_EPOCH_LIMIT < value < _EPOCH_LIMIT:
        raise InvalidSerializedToken("expires_at is out of range")
    micros = (Decimal(value) * 1_000_000).to_integral_value(rounding=ROUND_HALF_EVEN)
    try:
        return _EPOCH + timedelta(microseconds=int(micros))
    except OverflowError:  # before year 1
        raise InvalidSerializedToken("expires_at is out of range") from None


def _token_class(token_type: object, token_class: type[BearerToken]) -> type[BearerToken]:
    """The class to build for `token_type`.

    The class registered for it in the default host, if that is a `token_class`; else
    `token_class`, if it is of that type.
    """
    if token_type is None:
        return token_class
    if not isinstance(token_type, str):
        kind = type(token_type).__name__
        raise InvalidSerializedToken(f"token_type must be a str, got {kind}")
    host = default_host()
    try:
        registered = host.lookup(host.token_types, token_type)
    except PluginNotAvailable:  # PluginDisabled included: the given class may still fit
        registered = None
    if registered is not None and issubclass(registered, token_class):
        return registered
    if token_type.casefold() == token_class.TOKEN_TYPE.casefold():
        return token_class
    msg = f"no {token_class.__name__} class is registered for token_type {token_type!r}"
    raise InvalidSerializedToken(msg)


class BearerTokenSerializer:
    """Turns tokens into strings and back, to store them (in a database, a session cookie).

    The default format is the seed's: the token's members as JSON (``expires_at`` as
    seconds since the epoch, exact to the microsecond), raw deflate, unpadded base64url.
    Pass a `dumper` and a `loader` for another format.

    Args:
        dumper: turns a token into a str; `default_dumper` if None.
        loader: turns such a str back into a token; `default_loader` if None.
    """

    def __init__(
        self,
        dumper: Callable[[BearerToken], str] | None = None,
        loader: Callable[[str], BearerToken] | None = None,
    ) -> None:
        self.dumper: Callable[[BearerToken], str] = dumper or self.default_dumper
        self.loader: Callable[[str], BearerToken] = loader or self.default_loader

    def dumps(self, token: BearerToken) -> str:
        """Serialize `token` with the dumper."""
        return self.dumper(token)

    def loads(self, serialized: str) -> BearerToken:
        """Rebuild a token from `serialized` with the loader."""
        return self.loader(serialized)

    @staticmethod
    def default_dumper(token: BearerToken) -> str:
        """Serialize `token`: its members and extra response members, deflated, base64url.

        Raises:
            InvalidParam: `token` is not a `BearerToken`, or has a member that JSON cannot
                hold (the message names the member).
        """
        if not isinstance(token, BearerToken):
            raise InvalidParam(f"only a BearerToken can be serialized, got {type(token).__name__}")
        members = {name: getattr(token, name) for name in _MEMBERS}
        # Members of the token response are kept as they are, None included, so that the
        # loaded token equals the original.
        members = {name: value for name, value in members.items() if value is not None}
        members.update(token.kwargs)
        try:
            text = json.dumps(members, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError, RecursionError):
            msg = f"member {_unserializable(members)!r} of the token cannot be serialized as JSON"
            raise InvalidParam(msg) from None
        if token.expires_at is not None:
            # Written by hand: a float could not hold every microsecond of every date.
            text = f'{{"expires_at":{_epoch_number(token.expires_at)},{text[1:]}'
        deflater = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
        compressed = deflater.compress(text.encode("ascii")) + deflater.flush()
        return base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")

    @staticmethod
    def default_loader(
        serialized: str, token_class: type[BearerToken] = BearerToken
    ) -> BearerToken:
        """Rebuild a token from `serialized`, as the class registered for its ``token_type``.

        The class is the one registered in the default plugin host for the token's
        ``token_type``, when that is a `token_class`; else `token_class` itself, when its
        ``TOKEN_TYPE`` is the token's.

        Raises:
            InvalidSerializedToken: `serialized` is not a serialized token: not base64url,
                not deflate, not a JSON object, without an ``access_token``, with a member
                of the wrong type, or of a ``token_type`` that no suitable class handles.
            InvalidParam: `token_class` is not a `BearerToken` subclass.
        """
        if not (isinstance(token_class, type) and issubclass(token_class, BearerToken)):
            raise InvalidParam(f"token_class must be a BearerToken subclass, got {token_class!r}")
        members = _members(_inflate(serialized))
        if "access_token" not in members:
            raise InvalidSerializedToken("the serialized token has no access_token")
        expires_at = _expires_at(members.pop("expires_at", None))
        _floats(members)
        cls = _token_class(members.get("token_type"), token_class)
        try:
            return cls(**members, expires_at=expires_at)
        except InvalidParam as exc:
            raise InvalidSerializedToken(f"the serialized token is unusable: {exc}") from None
        except TypeError:  # a member that the class's constructor does not take
            msg = f"the serialized token's members do not fit {cls.__name__}"
            raise InvalidSerializedToken(msg) from None


EXPORTS: tuple[type, ...] = (BearerTokenSerializer, InvalidSerializedToken)


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export the serializer and its exception."""
    for cls in EXPORTS:
        registry.add(cls.__name__, cls)

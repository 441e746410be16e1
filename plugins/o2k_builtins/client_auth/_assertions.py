"""Client assertions (RFC 7523 section 2.2): the base of the two assertion methods.

Not a plugin: ``auth.client_secret_jwt`` and ``auth.private_key_jwt`` each register their
own method, and bind the audience of their rfc7523bis assertions (``issuer_as_audience``)
to the client's issuer with the helpers at the end.
"""

from __future__ import annotations

import copy
import secrets
import time
from json import dumps
from json.encoder import encode_basestring_ascii
from typing import TYPE_CHECKING, Any, Self

from oauth2kit import BaseClientAuthenticationMethod, InvalidParam, UnsupportedClientCredentials
from oauth2kit.jose import Key, sign

if TYPE_CHECKING:
    from collections.abc import Callable

    from oauth2kit import EndpointCall, Form, Headers, OAuth2Client

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
RFC7523BIS_TYP = "client-authentication+jwt"
"""The ``typ`` header of rfc7523bis client assertions (draft-ietf-oauth-rfc7523bis)."""
DEFAULT_LIFETIME = 60
_CACHED_AUDIENCES = 16  # a client sends assertions to a handful of endpoints


class InvalidClientAssertionSigningKeyOrAlg(UnsupportedClientCredentials):
    """The key or algorithm given to a client assertion method cannot sign its assertions."""


class MissingClientAssertionAudience(InvalidParam):
    """``issuer_as_audience=True``, but neither ``aud=`` nor the client's ``issuer`` is known."""


def default_jti() -> str:
    """A fresh ``jti``: 128 random bits, base64url (22 characters)."""
    return secrets.token_urlsafe(16)


def _checked_lifetime(lifetime: object) -> int:
    if isinstance(lifetime, bool) or not isinstance(lifetime, int) or lifetime <= 0:
        raise InvalidParam(f"lifetime must be a positive int (seconds), got {lifetime!r}")
    return lifetime


def _checked_aud(aud: object) -> str | None:
    if aud is not None and (not isinstance(aud, str) or not aud):
        raise InvalidParam(f"aud must be a non-empty str or None, got {type(aud).__name__}")
    return aud


class BaseClientAssertionAuthenticationMethod(BaseClientAuthenticationMethod):
    """Authenticate with a JWT the client signs: ``client_assertion`` (RFC 7523 section 2.2).

    Each request gets a fresh assertion with ``iss`` = ``sub`` = the client_id, ``aud``,
    ``iat``, ``exp`` = ``iat`` + `lifetime` and a fresh ``jti``; the form carries
    ``client_id``, ``client_assertion_type`` and ``client_assertion``.

    Args:
        client_id: the client identifier.
        key: the signing key, already checked by the subclass.
        alg: the JWS algorithm, already checked by the subclass.
        lifetime: seconds from ``iat`` to ``exp``.
        jti_gen: makes each assertion's ``jti``; must return a new non-empty str each time.
        aud: the audience; by default the URL of the endpoint the assertion is sent to
            (the token endpoint, or whichever endpoint is called).
        issuer_as_audience: send the rfc7523bis form (draft-ietf-oauth-rfc7523bis):
            ``aud`` is the authorization server's issuer identifier (`aud` if given, else
            the ``issuer`` of the `OAuth2Client` that sends it), and the header carries
            ``typ: client-authentication+jwt``.

    Raises:
        InvalidParam: `lifetime`, `jti_gen` or `aud` is unusable.
    """

    def __init__(
        self,
        client_id: str,
        *,
        key: Key,
        alg: str,
        lifetime: int,
        jti_gen: Callable[[], str],
        aud: str | None,
        issuer_as_audience: bool,
    ) -> None:
        super().__init__(client_id)
        if not callable(jti_gen):
            raise InvalidParam(f"jti_gen must be callable, got {type(jti_gen).__name__}")
        if not isinstance(issuer_as_audience, bool):
            raise InvalidParam(f"issuer_as_audience must be a bool, got {issuer_as_audience!r}")
        self.lifetime = _checked_lifetime(lifetime)
        self.jti_gen = jti_gen
        self.aud = _checked_aud(aud)
        self.alg = alg
        self.issuer_as_audience = issuer_as_audience
        self._key = key
        self._headers = {"typ": RFC7523BIS_TYP} if issuer_as_audience else None
        # Per audience: the claims JSON up to "iat" (the part that is the same every time),
        # and the copies of this method bound to an issuer. Derived values, not settings.
        self._prefixes: dict[str, str] = {}
        self._bound: dict[str, Self] = {}

    def client_assertion(self, audience: str) -> str:
        """Sign a fresh assertion for `audience` (a compact JWS).

        Raises:
            InvalidParam: `jti_gen` returned something other than a non-empty str.
        """
        prefix = self._prefixes.get(audience)
        if prefix is None:
            prefix = self._prefix(audience)
        jti = self.jti_gen()
        if type(jti) is not str or not jti:
            raise InvalidParam(f"jti_gen must return a non-empty str, got {type(jti).__name__}")
        now = int(time.time())
        # The claims JSON written directly: the same bytes json.dumps gives for the dict,
        # without building and walking one per request (this is the hot path).
        times = f'"iat":{now},"exp":{now + self.lifetime}'
        claims = f'{prefix}{times},"jti":{encode_basestring_ascii(jti)}}}'
        return sign(claims.encode(), self._key, self.alg, headers=self._headers)

    def _prefix(self, audience: str) -> str:
        client_id = dumps(self.client_id)
        prefix = f'{{"iss":{client_id},"sub":{client_id},"aud":{dumps(audience)},'
        if len(self._prefixes) < _CACHED_AUDIENCES:
            self._prefixes[audience] = prefix
        return prefix

    def authenticate(self, url: str, form: Form, headers: Headers) -> None:  # noqa: ARG002 - the method's signature
        """Add ``client_id``, ``client_assertion_type`` and a fresh ``client_assertion``.

        Raises:
            MissingClientAssertionAudience: in the rfc7523bis form, when the issuer is
                unknown (no ``aud=``, and no client gave its ``issuer``).
        """
        audience = self.aud
        if audience is None:
            if self.issuer_as_audience:
                msg = (
                    f"{type(self).__name__}(issuer_as_audience=True) sends the issuer as aud:"
                    " pass aud=<the issuer>. Without it the issuer comes from the OAuth2Client"
                    " that sends the request, through the hooks of the method's plugin, and"
                    " they did not run: not in an OAuth2Client, or the plugin is blocked or"
                    " not loaded on the client's plugin host"
                )
                raise MissingClientAssertionAudience(msg)
            audience = url
        self.set_form_fields(
            form,
            client_id=self.client_id,
            client_assertion_type=CLIENT_ASSERTION_TYPE,
            client_assertion=self.client_assertion(audience),
        )

    def with_audience(self, aud: str) -> Self:
        """This method with `aud` as its audience (copies are kept per audience)."""
        bound = self._bound.get(aud)
        if bound is None:
            bound = copy.copy(self)
            bound.aud = _checked_aud(aud)
            bound._prefixes, bound._bound = {}, {}  # noqa: SLF001 - a copy of this class
            if len(self._bound) < _CACHED_AUDIENCES:
                self._bound[aud] = bound
        return bound

    def _identity(self) -> tuple[Any, ...]:
        """What makes two methods equal: the settings, not the caches."""
        return (self.client_id, self.alg, self.lifetime, self.jti_gen, self.aud,
                self.issuer_as_audience)  # fmt: skip

    def __eq__(self, other: object) -> bool:
        """Methods are equal when of the same class with the same settings and key."""
        return type(other) is type(self) and other._identity() == self._identity()

    def __hash__(self) -> int:
        """Hash by class and client_id."""
        return hash((type(self), self.client_id))

    def __repr__(self) -> str:
        """Name the client, the key's kid, the algorithm and the audience; never the key."""
        shown = f"client_id={self.client_id!r}"
        if self._key.kid is not None:
            shown += f", kid={self._key.kid!r}"
        shown += f", alg={self.alg!r}"
        if self.aud is not None:
            shown += f", aud={self.aud!r}"
        if self.issuer_as_audience:
            shown += ", issuer_as_audience=True"
        return f"{type(self).__name__}({shown})"


# --- the rfc7523bis audience, from the client ----------------------------------------------


def _issuer(client: OAuth2Client, method: BaseClientAssertionAuthenticationMethod) -> str:
    if client.issuer is None:
        msg = (
            f"{type(method).__name__}(issuer_as_audience=True) sends the issuer as aud:"
            " give the OAuth2Client an issuer=, or the method an aud="
        )
        raise MissingClientAssertionAudience(msg)
    return client.issuer


def check_issuer_known(
    client: OAuth2Client, cls: type[BaseClientAssertionAuthenticationMethod]
) -> None:
    """Refuse a client whose `cls` method wants the issuer as aud when it has none."""
    auth = client.auth
    if isinstance(auth, cls) and auth.issuer_as_audience and auth.aud is None:
        _issuer(client, auth)


def bind_issuer_audience(
    call: EndpointCall, cls: type[BaseClientAssertionAuthenticationMethod]
) -> None:
    """Send `call` with its `cls` method bound to the client's issuer, if it wants it as aud.

    `authenticate` does not see the client, so a method that needs the client's issuer is
    swapped for a copy that holds it, for this call only.
    """
    auth = call.auth
    if isinstance(auth, cls) and auth.issuer_as_audience and auth.aud is None:
        call.auth = auth.with_audience(_issuer(call.client, auth))

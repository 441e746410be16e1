"""Authorization requests, their responses (at the redirect URI), and request_uri requests.

Every value is checked once, when the object is built: an `AuthorizationRequest` holds only
parameters fit to send, and `AuthorizationRequest.validate_callback` returns an
`AuthorizationResponse` only for a callback that answers this very request.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Final, cast
from urllib.parse import parse_qsl, urlencode, urlsplit

import attrs

from o2k_builtins.authorization.errors import (
    AccountSelectionRequired,
    AuthorizationResponseError,
    ConsentRequired,
    InteractionRequired,
    InvalidAcrValuesParam,
    InvalidAuthResponse,
    InvalidMaxAgeParam,
    LoginRequired,
    MismatchingIssuer,
    MismatchingState,
    MissingAuthCode,
    MissingIssuer,
    MissingIssuerParam,
    SessionSelectionRequired,
    UnsupportedResponseTypeParam,
)
from o2k_builtins.authorization.pkce import CodeChallengeMethods, PkceUtils, checked_method
from oauth2kit import InvalidParam, normalize_scope, parse_expires_in

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from types import EllipsisType

    from o2k_builtins.oidc.request_objects import RequestParameterAuthorizationRequest


class ResponseTypes(StrEnum):
    """OAuth 2.0 and OpenID Connect response types; only ``code`` is supported."""

    CODE = "code"
    NONE = "none"
    TOKEN = "token"  # noqa: S105 - a response type, not a password
    IDTOKEN = "id_token"
    CODE_IDTOKEN = "code id_token"
    CODE_TOKEN = "code token"  # noqa: S105 - a response type, not a password
    CODE_IDTOKEN_TOKEN = "code id_token token"  # noqa: S105 - a response type, not a password
    IDTOKEN_TOKEN = "id_token token"  # noqa: S105 - a response type, not a password


# Parameters whose value is a JSON document (RFC 9396 authorization_details, OIDC claims):
# given as lists or dicts, they are sent JSON-encoded.
JSON_PARAMETERS: Final = frozenset({"authorization_details", "claims"})
# Parameters whose value is a space-separated list, like scope: iterables are joined.
SPACE_SEPARATED_PARAMETERS: Final = frozenset({"prompt", "ui_locales", "claims_locales"})
MAX_CALLBACK_PARAMETERS: Final = 100  # more in one callback is not an authorization response

_REDACTED: Final = "***"
# What an AuthorizationResponse takes from its request, not from the callback.
_FROM_THE_REQUEST: Final = frozenset(
    {"redirect_uri", "code_verifier", "nonce", "acr_values", "max_age", "issuer", "dpop_key"}
)


def _required_text(name: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidParam(f"{name} must be a non-empty str, got {type(value).__name__}")
    return value


def _checked_text(name: str, value: object) -> str | None:
    return None if value is None else _required_text(name, value)


def checked_endpoint(name: str, uri: object) -> str:
    """`uri` if it is an absolute http(s) URL without a fragment (RFC 6749 section 3.1).

    This is the front channel: the browser goes there, the client sends nothing itself. A
    client checks its own endpoints against its URI policy (https, ...) beforehand.
    """
    uri = _required_text(name, uri)
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.fragment:
        raise InvalidParam(f"{name} must be an absolute http(s) URL without a fragment")
    return uri


def _space_list(value: object) -> tuple[str, ...] | None:
    """A space-separated parameter (scope, acr_values) as a tuple of its values, or None."""
    if isinstance(value, list | tuple | set | frozenset) and not value:
        return None  # an empty list says "none", as "" does
    joined = normalize_scope(value)  # InvalidScopeParam for anything else
    if joined is None:
        return None
    return tuple(joined.split()) or None


def checked_acr_values(acr_values: object) -> tuple[str, ...] | None:
    """``acr_values`` as a tuple, from a space-separated str or an iterable of strs."""
    try:
        return _space_list(acr_values)
    except InvalidParam:
        raise InvalidAcrValuesParam(acr_values) from None


def checked_max_age(max_age: object) -> int | None:
    """``max_age`` as seconds >= 0."""
    if max_age is None:
        return None
    if not isinstance(max_age, int) or isinstance(max_age, bool) or max_age < 0:
        raise InvalidMaxAgeParam
    return max_age


def _parameter(name: str, value: object) -> Any:
    """An extra parameter's value, as it will be sent; `InvalidParam` if it cannot be."""
    if name in JSON_PARAMETERS and not isinstance(value, str):
        try:
            return json.dumps(value, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError):
            msg = f"{name} must be a JSON document (lists, dicts, strs, numbers), or a str"
            raise InvalidParam(msg) from None
    if name in SPACE_SEPARATED_PARAMETERS and not isinstance(value, str):
        try:
            return normalize_scope(value)
        except InvalidParam:
            msg = f"{name} must be a str or an iterable of strs, got {type(value).__name__}"
            raise InvalidParam(msg) from None
    if isinstance(value, str) or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    if isinstance(value, list | tuple) and value and all(isinstance(v, str) for v in value):
        return list(value)  # a repeated parameter, as RFC 8707 sends several resources
    msg = (
        f"authorization request parameter {name!r} cannot be sent as a {type(value).__name__};"
        " use a str, a number or a list of strs"
    )
    raise InvalidParam(msg)


def _with_query(endpoint: str, params: Mapping[str, Any]) -> str:
    """`endpoint` with `params` added to its query, which is kept (RFC 6749 section 3.1)."""
    query = urlencode(params, doseq=True)
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}" if query else endpoint


JARM_RESPONSE_MODES = frozenset({"jwt", "query.jwt", "fragment.jwt", "form_post.jwt"})
"""The response modes of JWT-secured authorization responses (JARM)."""


def _refuse_derived(kwargs: Mapping[str, Any], dpop_key: object) -> None:
    """Refuse extra parameters that the request derives itself, when they would differ."""
    if "code_challenge" in kwargs:
        msg = "pass code_verifier (and code_challenge_method), not code_challenge: it is derived"
        raise InvalidParam(msg)
    if "dpop_jkt" in kwargs and kwargs["dpop_jkt"] != _dpop_jkt(dpop_key):
        # Sent as is, it would bind the code to a key that the code exchange does not prove.
        raise InvalidParam("pass dpop_key, not dpop_jkt: the thumbprint is derived from the key")


def _dpop_jkt(dpop_key: object) -> str | None:
    """The JWK thumbprint of a DPoP key (any object with a str ``dpop_jkt``), for ``dpop_jkt``."""
    if dpop_key is None:
        return None
    jkt = getattr(dpop_key, "dpop_jkt", None)
    if not isinstance(jkt, str) or not jkt:
        msg = (
            f"dpop_key must be a DPoP key with a dpop_jkt thumbprint, got {type(dpop_key).__name__}"
        )
        raise InvalidParam(msg)
    return jkt


def generated_dpop_key(alg: object) -> Any:
    """A new DPoP key for `alg`, from the DPoP plugin (which exports ``DPoPKey``)."""
    import oauth2kit  # noqa: PLC0415 - resolved through the plugin host, on first need

    return oauth2kit.DPoPKey.generate(_required_text("dpop_alg", alg))


def _jar() -> type[RequestParameterAuthorizationRequest]:
    """The request object class, from the plugin that exports it (``oidc.request_objects``)."""
    import oauth2kit  # noqa: PLC0415 - resolved through the plugin host, on first need

    cls: type[RequestParameterAuthorizationRequest] = oauth2kit.RequestParameterAuthorizationRequest
    return cls


class AuthorizationUrl:
    """What every kind of authorization request shares: its URL, and extra parameters.

    The URL is made of the request's `args`; extra parameters read as attributes
    (``request.resource``).
    """

    __slots__ = ()

    if TYPE_CHECKING:
        authorization_endpoint: str
        kwargs: dict[str, Any]

        @property
        def args(self) -> dict[str, Any]:
            """The query parameters of the request."""

    @property
    def uri(self) -> str:
        """The URL to send the user's browser to."""
        return _with_query(self.authorization_endpoint, self.args)

    def __str__(self) -> str:
        """The request's URL."""
        return self.uri

    def __repr__(self) -> str:
        """The request's URL, as upstream: it travels through the browser anyway."""
        return self.uri

    def __getattr__(self, name: str) -> Any:
        """An extra parameter, by name."""
        if not name.startswith("_") and name != "kwargs" and name in self.kwargs:
            return self.kwargs[name]
        msg = f"{type(self).__name__!r} object has no attribute {name!r}"
        raise AttributeError(msg)


@attrs.frozen(init=False, repr=False)
class AuthorizationResponse:
    """What came back to the redirect URI, with what the token request needs from the request.

    Built by `AuthorizationRequest.validate_callback`, then given to
    ``OAuth2Client.authorization_code()``, which sends its `code`, `code_verifier` and
    `redirect_uri`. `issuer` is the ``iss`` the server sent (RFC 9207), or else the issuer
    the request expected, so that an ID token's ``iss`` is always checked against it. Extra
    callback parameters are in `kwargs` and read as attributes (None when absent, as
    upstream).
    """

    code: str
    redirect_uri: str | None
    code_verifier: str | None
    state: str | None
    nonce: str | None
    acr_values: tuple[str, ...] | None
    max_age: int | None
    issuer: str | None
    dpop_key: Any
    kwargs: dict[str, str]

    def __init__(  # `self` positional-only: a callback parameter named "self" is an extra
        self, /, *, code: str, redirect_uri: str | None = None, code_verifier: str | None = None,
        state: str | None = None, nonce: str | None = None,
        acr_values: str | Iterable[str] | None = None, max_age: int | None = None,
        issuer: str | None = None, dpop_key: Any = None, **kwargs: str,
    ) -> None:  # fmt: skip
        if code_verifier is not None:
            PkceUtils.checked_verifier(code_verifier)
        _dpop_jkt(dpop_key)
        self.__attrs_init__(
            _required_text("code", code),
            _checked_text("redirect_uri", redirect_uri),
            code_verifier,
            _checked_text("state", state),
            _checked_text("nonce", nonce),
            checked_acr_values(acr_values),
            checked_max_age(max_age),
            _checked_text("issuer", issuer),
            dpop_key,
            kwargs,
        )

    def __getattr__(self, name: str) -> Any:
        """An extra callback parameter, or None if the callback had none of that name."""
        if name.startswith("_") or name == "kwargs":
            raise AttributeError(name)
        return self.kwargs.get(name)

    def __repr__(self) -> str:
        """The response without its secrets (the code and the code verifier)."""
        verifier = None if self.code_verifier is None else _REDACTED
        return (
            f"AuthorizationResponse(code={_REDACTED!r}, code_verifier={verifier!r},"
            f" state={self.state!r}, issuer={self.issuer!r}, redirect_uri={self.redirect_uri!r})"
        )


@attrs.frozen(init=False, repr=False)
class AuthorizationRequest(AuthorizationUrl):
    """An authorization request for the authorization code flow, with PKCE, state and nonce.

    By default it generates a random `state`, a `nonce` when ``openid`` is in the scope, and
    a PKCE code verifier whose S256 challenge it sends. Pass ``state=None`` (or
    ``nonce=None``) to leave one out, your own values to use them, ``code_verifier=`` for
    your own verifier, and ``code_challenge_method=None`` to turn PKCE off. `str()` of the
    request is its URL, to send the user's browser to.

    `scope`, `acr_values` and ``prompt`` may be space-separated strs or iterables of strs.
    Other keyword arguments are extra parameters (``resource``, ``login_hint``,
    ``response_mode``, ...), sent as given and read back as attributes; a list of strs is
    sent as a repeated parameter (several ``resource`` values), and ``authorization_details``
    (RFC 9396) or ``claims`` given as lists or dicts are sent JSON-encoded.

    Args:
        authorization_endpoint: the authorization endpoint URL.
        client_id: the client identifier.
        redirect_uri: where the server sends the response.
        scope: the requested scope.
        response_type: ``code``; nothing else is supported.
        state: the state, generated by default (``...``); None to leave it out.
        nonce: the OpenID Connect nonce, generated by default when the scope has ``openid``.
        code_verifier: the PKCE code verifier, generated by default.
        code_challenge_method: ``S256`` (the default), ``plain``, or None for no PKCE.
        acr_values: requested authentication context classes.
        max_age: the most seconds since the user's last authentication.
        issuer: the server's issuer identifier, to check the response's ``iss`` against.
        authorization_response_iss_parameter_supported: the server always sends ``iss``
            (RFC 9207), so a response without one is refused.
        dpop: bind the authorization code to a new DPoP key (RFC 9449 section 10).
        dpop_alg: the signature algorithm of that key.
        dpop_key: a DPoP key to bind the code to; its thumbprint is sent as ``dpop_jkt``.
        **kwargs: extra parameters.

    Raises:
        InvalidParam: (or one of its subclasses below) for a value that cannot be sent.
        UnsupportedResponseTypeParam: for a `response_type` other than ``code``.
        UnsupportedCodeChallengeMethod: for a method other than ``S256`` and ``plain``.
        InvalidCodeVerifierParam: for a code verifier that RFC 7636 does not allow.
        InvalidAcrValuesParam: for `acr_values` that are neither a str nor strs.
        InvalidMaxAgeParam: for a `max_age` that is not an int >= 0.
        MissingIssuerParam: `authorization_response_iss_parameter_supported` without `issuer`.
    """

    exception_classes: ClassVar[dict[str, type[AuthorizationResponseError]]] = {
        "interaction_required": InteractionRequired,
        "login_required": LoginRequired,
        "account_selection_required": AccountSelectionRequired,
        "session_selection_required": SessionSelectionRequired,
        "consent_required": ConsentRequired,
    }
    """The exception of each error code a callback may carry; others raise the base class."""

    authorization_endpoint: str
    client_id: str
    redirect_uri: str | None
    scope: tuple[str, ...] | None
    response_type: str
    state: str | None
    nonce: str | None
    code_challenge_method: str | None
    code_verifier: str | None
    code_challenge: str | None
    acr_values: tuple[str, ...] | None
    max_age: int | None
    issuer: str | None
    authorization_response_iss_parameter_supported: bool
    dpop_key: Any
    kwargs: dict[str, Any]
    # Verifies a JWT-secured (JARM) callback; set by the client that built the request.
    response_decoder: Callable[..., Mapping[str, str]] | None = attrs.field(
        default=None, eq=False, repr=False
    )

    def __init__(
        self, authorization_endpoint: str, *, client_id: str, redirect_uri: str | None = None,
        scope: str | Iterable[str] | None = "openid", response_type: str = ResponseTypes.CODE,
        state: str | EllipsisType | None = ..., nonce: str | EllipsisType | None = ...,
        code_verifier: str | None = None,
        code_challenge_method: str | None = CodeChallengeMethods.S256,
        acr_values: str | Iterable[str] | None = None, max_age: int | None = None,
        issuer: str | None = None, authorization_response_iss_parameter_supported: bool = False,
        dpop: bool = False, dpop_alg: str = "ES256", dpop_key: Any = None,
        response_decoder: Callable[..., Mapping[str, str]] | None = None, **kwargs: Any,
    ) -> None:  # fmt: skip
        if response_type != ResponseTypes.CODE:
            raise UnsupportedResponseTypeParam(response_type)
        _refuse_derived(kwargs, dpop_key)
        scopes = _space_list(scope)
        state = self.generate_state() if state is ... else _checked_text("state", state)
        if nonce is ...:
            nonce = self.generate_nonce() if scopes and "openid" in scopes else None
        if code_challenge_method is None:
            if code_verifier is not None:
                msg = "a code_verifier was given, but code_challenge_method=None turns PKCE off"
                raise InvalidParam(msg)
            method, challenge = None, None
        else:
            method = checked_method(code_challenge_method).value
            code_verifier = (
                PkceUtils.generate_code_verifier()
                if code_verifier is None
                else PkceUtils.checked_verifier(code_verifier)
            )
            challenge = PkceUtils.derive_challenge(code_verifier, method)
        if not isinstance(cast("object", authorization_response_iss_parameter_supported), bool):
            msg = "authorization_response_iss_parameter_supported must be a bool"
            raise InvalidParam(msg)
        issuer = _checked_text("issuer", issuer)
        if authorization_response_iss_parameter_supported and issuer is None:
            raise MissingIssuerParam
        if not isinstance(cast("object", dpop), bool):
            raise InvalidParam(f"dpop must be a bool, got {type(dpop).__name__}")
        if dpop and dpop_key is None:
            dpop_key = generated_dpop_key(dpop_alg)
        _dpop_jkt(dpop_key)
        self.__attrs_init__(
            checked_endpoint("authorization_endpoint", authorization_endpoint),
            _required_text("client_id", client_id),
            _checked_text("redirect_uri", redirect_uri),
            scopes,
            ResponseTypes.CODE.value,
            state,
            _checked_text("nonce", nonce),
            method,
            code_verifier,
            challenge,
            checked_acr_values(acr_values),
            checked_max_age(max_age),
            issuer,
            authorization_response_iss_parameter_supported,
            dpop_key,
            {name: _parameter(name, value) for name, value in kwargs.items() if value is not None},
            response_decoder,
        )

    @classmethod
    def generate_state(cls) -> str:
        """A new random ``state``; override to make your own."""
        return secrets.token_urlsafe(32)

    @classmethod
    def generate_nonce(cls) -> str:
        """A new random ``nonce``; override to make your own."""
        return secrets.token_urlsafe(32)

    @property
    def dpop_jkt(self) -> str | None:
        """The thumbprint of the DPoP key the code is bound to, sent as ``dpop_jkt``."""
        return _dpop_jkt(self.dpop_key)

    @property
    def args(self) -> dict[str, Any]:
        """The query parameters of the request (those that are set)."""
        params = {
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "response_type": self.response_type,
            "scope": " ".join(self.scope) if self.scope else None,
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": self.code_challenge,
            "code_challenge_method": self.code_challenge_method,
            "acr_values": " ".join(self.acr_values) if self.acr_values else None,
            "max_age": self.max_age,
            "dpop_jkt": self.dpop_jkt,
            **self.kwargs,
        }
        return {name: value for name, value in params.items() if value is not None}

    def as_dict(self) -> dict[str, Any]:
        """Every argument needed to build this request again (the code verifier included)."""
        return {
            "authorization_endpoint": self.authorization_endpoint,
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(self.scope) if self.scope else None,
            "response_type": self.response_type,
            "state": self.state,
            "nonce": self.nonce,
            "code_verifier": self.code_verifier,
            "code_challenge_method": self.code_challenge_method,
            "acr_values": " ".join(self.acr_values) if self.acr_values else None,
            "max_age": self.max_age,
            "issuer": self.issuer,
            "authorization_response_iss_parameter_supported": (
                self.authorization_response_iss_parameter_supported
            ),
            "dpop_key": self.dpop_key,
            **self.kwargs,
        }

    # --- request objects (RFC 9101), by the ``oidc.request_objects`` plugin ---------------

    def sign(
        self, jwk: Any, alg: str | None = None, lifetime: int | None = None, **kwargs: Any
    ) -> RequestParameterAuthorizationRequest:
        """This request as a signed request object; `kwargs` are sent beside it."""
        return _jar().from_request(self, jwk, alg, lifetime=lifetime, params=kwargs)

    def sign_request_jwt(
        self, jwk: Any, alg: str | None = None, lifetime: int | None = None
    ) -> str:
        """The signed request object of this request (a compact JWS)."""
        return self.sign(jwk, alg, lifetime).request

    def sign_and_encrypt(  # noqa: PLR0917 - the seed's signature
        self, sign_jwk: Any, enc_jwk: Any, sign_alg: str | None = None,
        enc_alg: str | None = None, enc: str = "A128CBC-HS256", lifetime: int | None = None,
        **kwargs: Any,
    ) -> RequestParameterAuthorizationRequest:  # fmt: skip
        """This request as a request object signed, then encrypted to the server's key."""
        return _jar().from_request(
            self, sign_jwk, sign_alg, lifetime=lifetime, enc_jwk=enc_jwk, enc_alg=enc_alg,
            enc=enc, params=kwargs,
        )  # fmt: skip

    def sign_and_encrypt_request_jwt(  # noqa: PLR0917 - the seed's signature
        self, sign_jwk: Any, enc_jwk: Any, sign_alg: str | None = None,
        enc_alg: str | None = None, enc: str = "A128CBC-HS256", lifetime: int | None = None,
    ) -> str:  # fmt: skip
        """The signed-then-encrypted request object of this request (a compact JWE)."""
        return self.sign_and_encrypt(sign_jwk, enc_jwk, sign_alg, enc_alg, enc, lifetime).request

    # --- the callback ---------------------------------------------------------------------

    def validate_callback(self, response: str) -> AuthorizationResponse:
        """Check the callback (the redirect URI's full URL, or its query) and return its response.

        The checks, in order: the issuer (RFC 9207: when the server sends ``iss``, or always
        sends it, it must be `issuer`; a mix-up defence that also covers error responses),
        the state (an error response without state is still raised as its error; one with
        another state is refused as forged), the error (raised as the class of
        `exception_classes`, or `AuthorizationResponseError`), then the code.

        Raises:
            MismatchingIssuer, MissingIssuer: the response is not from the expected server.
            MismatchingState: the response does not answer this request.
            AuthorizationResponseError: (or a subclass) the server answered with an error.
            MissingAuthCode: there is no code.
            InvalidAuthResponse: the callback cannot be parsed.
        """
        params = self._callback_params(response)
        issuer = params.pop("iss", None)
        if issuer is None and self.authorization_response_iss_parameter_supported:
            raise MissingIssuer(self, response)
        if issuer is not None and self.issuer is not None and issuer != self.issuer:
            raise MismatchingIssuer(issuer, self.issuer, self, response)
        state = params.pop("state", None)
        if (
            self.state is not None
            and state != self.state
            and not (state is None and "error" in params)
        ):
            raise MismatchingState(state, self.state, self, response)
        if "error" in params:
            return self.on_response_error(response)
        code = params.pop("code", None)
        if not code:
            raise MissingAuthCode(self, response)
        if clashes := sorted(params.keys() & _FROM_THE_REQUEST):
            # These come from the request, never from the server: one that tries to set
            # them (the code verifier, say) is not an authorization response to trust.
            msg = f"the callback carries {', '.join(clashes)}, which only the request sets"
            raise InvalidAuthResponse(msg, self, response)
        return AuthorizationResponse(
            code=code,
            redirect_uri=self.redirect_uri,
            code_verifier=self.code_verifier,
            state=state,
            nonce=self.nonce,
            acr_values=self.acr_values,
            max_age=self.max_age,
            issuer=issuer or self.issuer,
            dpop_key=self.dpop_key,
            **params,
        )

    def on_response_error(self, response: str) -> AuthorizationResponse:
        """Raise the exception for an error callback; override to handle some errors yourself."""
        params = self._callback_params(response)
        error = params["error"]
        cls = self.exception_classes.get(error, AuthorizationResponseError)
        raise cls(self, response, error, params.get("error_description"), params.get("error_uri"))

    def _callback_params(self, response: object) -> dict[str, str]:
        """The callback's parameters: from its query, or its fragment, or a bare query string."""
        if not isinstance(response, str):
            msg = f"the callback must be a str (a URL or its query), got {type(response).__name__}"
            raise InvalidParam(msg)
        parts = urlsplit(response)
        if parts.scheme or response.startswith(("?", "/", "#")):
            # The fragment when there is one (response_mode=fragment): a redirect URI may
            # have a query of its own (RFC 6749 section 3.1.2).
            query = parts.fragment or parts.query
        else:
            query = response
        try:
            pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=MAX_CALLBACK_PARAMETERS)
        except ValueError:
            raise InvalidAuthResponse(
                "the callback has too many parameters", self, response
            ) from None
        params = dict(pairs)
        if len(params) != len(pairs):  # RFC 6749 section 3.1: no parameter more than once
            raise InvalidAuthResponse("the callback repeats a parameter", self, response)
        if params.keys() == {"response"}:  # JWT-secured (JARM): the parameters are inside
            if self.response_decoder is None:
                msg = (
                    "the callback is a JWT-secured (JARM) response, which only a request built"
                    " by client.authorization_request() can verify"
                )
                raise InvalidAuthResponse(msg, self, response)
            params = dict(
                self.response_decoder(params["response"], request=self, callback=response)
            )
        elif self.kwargs.get("response_mode") in JARM_RESPONSE_MODES:
            # Plain parameters where a signed response was asked for could come from anyone
            # who can reach the redirect URI: a downgrade, never accepted.
            msg = "the request asked for a JWT-secured (JARM) response, and the callback is not one"
            raise InvalidAuthResponse(msg, self, response)
        return params


@attrs.frozen(init=False, repr=False)
class RequestUriParameterAuthorizationRequest(AuthorizationUrl):
    """An authorization request by reference: a ``request_uri``, as PAR (RFC 9126) returns.

    Its `uri` sends the browser to the authorization endpoint with only ``client_id``,
    ``request_uri`` and any extra parameters. Validate the callback with the original
    `AuthorizationRequest`, which holds the state and the code verifier.
    """

    authorization_endpoint: str
    client_id: str
    request_uri: str
    expires_at: datetime | None
    dpop_key: Any
    kwargs: dict[str, Any]

    def __init__(
        self, authorization_endpoint: str, *, client_id: str, request_uri: str,
        expires_at: datetime | None = None, expires_in: int | None = None, dpop_key: Any = None,
        **kwargs: Any,
    ) -> None:  # fmt: skip
        if expires_at is not None and not isinstance(expires_at, datetime):
            raise InvalidParam(f"expires_at must be a datetime, got {type(expires_at).__name__}")
        if expires_in is not None:
            if expires_at is not None:
                raise InvalidParam("pass expires_at or expires_in, not both")
            seconds = parse_expires_in(expires_in)
            now = datetime.now(tz=UTC).replace(microsecond=0)
            expires_at = None if seconds is None else now + timedelta(seconds=seconds)
        self.__attrs_init__(
            checked_endpoint("authorization_endpoint", authorization_endpoint),
            _required_text("client_id", client_id),
            _required_text("request_uri", request_uri),
            expires_at,
            dpop_key,
            {name: _parameter(name, value) for name, value in kwargs.items() if value is not None},
        )

    @property
    def args(self) -> dict[str, Any]:
        """The query parameters of the request."""
        return {"client_id": self.client_id, "request_uri": self.request_uri, **self.kwargs}

"""The seed API's typed methods of `OAuth2Client`: each one delegation, by name, to a plugin.

The grant methods call `OAuth2Client.grant` with the grant's registered name, the others
`OAuth2Client.run` with the operation's. Each passes on exactly the arguments its caller
gave (those left at None are left out) and holds no feature logic, so a method whose plugin
is absent or blocked raises the lookup's error, which names it. A signature and its
delegation take a line each, so that the whole seed API reads as one table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from oauth2kit._values import DEFAULT_TIMEOUT, MAX_RESPONSE_BYTES

if TYPE_CHECKING:
    from collections.abc import Iterable

    import requests
    import requests.auth

    from oauth2kit._host import PluginHost
    from oauth2kit._tokens import BearerToken

__all__ = ["SeedAPI", "given"]


def given(**params: Any) -> dict[str, Any]:
    """The arguments a caller gave: those left at None are left out, never passed as None."""
    return {name: value for name, value in params.items() if value is not None}


class SeedAPI:
    """The seed API's methods, mixed into `OAuth2Client`."""

    __slots__ = ()

    if TYPE_CHECKING:

        def grant(self, name: str, /, **params: Any) -> BearerToken: ...
        def run(self, name: str, /, **params: Any) -> Any: ...
        def call(
            self, endpoint: str, data: Any = None, *, method: str = "POST", auth: Any = True,
            grant: str | None = None, options: Any = None, requests_kwargs: Any = None,
        ) -> Any: ...  # fmt: skip
        def _configure(self, arguments: dict[str, Any], extra: dict[str, Any]) -> None: ...
        @classmethod
        def _run_on_class(cls, name: str, /, **params: Any) -> Any: ...

    # fmt: off
    def __init__(self, token_endpoint: str, auth: requests.auth.AuthBase | tuple[str, Any] | str | None = None, *, client_id: str | None = None, client_secret: str | None = None, private_key: Any = None, token_endpoint_auth_method: str | None = None, revocation_endpoint: str | None = None, introspection_endpoint: str | None = None, userinfo_endpoint: str | None = None, authorization_endpoint: str | None = None, redirect_uri: str | None = None, backchannel_authentication_endpoint: str | None = None, device_authorization_endpoint: str | None = None, pushed_authorization_request_endpoint: str | None = None, jwks_uri: str | None = None, authorization_server_jwks: Any = None, issuer: str | None = None, id_token_signed_response_alg: str | None = None, id_token_encrypted_response_alg: str | None = None, id_token_decryption_key: Any = None, code_challenge_method: str | None = None, authorization_response_iss_parameter_supported: bool | None = None, token_class: type[BearerToken] | None = None, session: requests.Session | None = None, dpop_bound_access_tokens: bool | None = None, dpop_key_generator: Any = None, dpop_alg: str | None = None, timeout: float | tuple[float | None, float | None] | None = DEFAULT_TIMEOUT, max_response_bytes: int = MAX_RESPONSE_BYTES, testing: bool = False, plugins: PluginHost | None = None, disable_plugins: Iterable[str] = (), **extra_metadata: Any) -> None:
        """Check and keep the arguments; see the class's docstring."""
        arguments = {name: value for name, value in locals().items() if name not in ("self", "extra_metadata", "__class__")}
        self._configure(arguments, extra_metadata)


    def client_credentials(self, scope: str | Iterable[str] | None = None, *, dpop: bool | None = None, dpop_key: Any = None, requests_kwargs: dict[str, Any] | None = None, **token_kwargs: Any) -> BearerToken:
        """Obtain a token with the client credentials grant (RFC 6749 section 4.4)."""
        return self.grant("client_credentials", requests_kwargs=requests_kwargs, options=given(dpop=dpop, dpop_key=dpop_key), **given(scope=scope), **token_kwargs)

    def authorization_code(self, code: Any, *, validate: bool | None = None, dpop: bool | None = None, dpop_key: Any = None, requests_kwargs: dict[str, Any] | None = None, **token_kwargs: Any) -> BearerToken:
        """Exchange an authorization code (a str or an AuthorizationResponse) for a token."""
        return self.grant("authorization_code", requests_kwargs=requests_kwargs, options=given(dpop=dpop, dpop_key=dpop_key), **given(code=code, validate=validate), **token_kwargs)

    def token_request(self, data: dict[str, Any], *, grant: str | None = None, dpop: bool | None = None, dpop_key: Any = None, **requests_kwargs: Any) -> BearerToken:
        """Send `data` (``grant_type`` included) to the token endpoint; return the token."""
        return self.call("token_endpoint", data, grant=grant, options=given(dpop=dpop, dpop_key=dpop_key), requests_kwargs=requests_kwargs)  # type: ignore[no-any-return]

    def refresh_token(self, refresh_token: str | BearerToken, requests_kwargs: dict[str, Any] | None = None, **token_kwargs: Any) -> BearerToken:
        """Obtain a fresh token with a refresh token (a str, or a token that carries one)."""
        return self.grant("refresh_token", requests_kwargs=requests_kwargs, **given(refresh_token=refresh_token), **token_kwargs)

    def device_code(self, device_code: Any, *, dpop: bool | None = None, dpop_key: Any = None, requests_kwargs: dict[str, Any] | None = None, **token_kwargs: Any) -> BearerToken:
        """Poll the token endpoint with a device code (RFC 8628)."""
        return self.grant("device_code", requests_kwargs=requests_kwargs, options=given(dpop=dpop, dpop_key=dpop_key), **given(device_code=device_code), **token_kwargs)

    def ciba(self, auth_req_id: Any, requests_kwargs: dict[str, Any] | None = None, **token_kwargs: Any) -> BearerToken:
        """Poll the token endpoint with a CIBA ``auth_req_id``."""
        return self.grant("ciba", requests_kwargs=requests_kwargs, **given(auth_req_id=auth_req_id), **token_kwargs)

    def token_exchange(self, *, subject_token: Any, subject_token_type: str | None = None, actor_token: Any = None, actor_token_type: str | None = None, requested_token_type: str | None = None, dpop: bool | None = None, dpop_key: Any = None, requests_kwargs: dict[str, Any] | None = None, **token_kwargs: Any) -> BearerToken:
        """Exchange a token for another one (RFC 8693)."""
        return self.grant("token_exchange", requests_kwargs=requests_kwargs, options=given(dpop=dpop, dpop_key=dpop_key), **given(subject_token=subject_token, subject_token_type=subject_token_type, actor_token=actor_token, actor_token_type=actor_token_type, requested_token_type=requested_token_type), **token_kwargs)

    def jwt_bearer(self, assertion: Any, *, dpop: bool | None = None, dpop_key: Any = None, requests_kwargs: dict[str, Any] | None = None, **token_kwargs: Any) -> BearerToken:
        """Obtain a token with a JWT assertion (RFC 7523 section 2.1)."""
        return self.grant("jwt_bearer", requests_kwargs=requests_kwargs, options=given(dpop=dpop, dpop_key=dpop_key), **given(assertion=assertion), **token_kwargs)

    def resource_owner_password(self, username: str, password: str, *, dpop: bool | None = None, dpop_key: Any = None, requests_kwargs: dict[str, Any] | None = None, **token_kwargs: Any) -> BearerToken:
        """Obtain a token with a user's name and password (RFC 6749 section 4.3)."""
        return self.grant("password", requests_kwargs=requests_kwargs, options=given(dpop=dpop, dpop_key=dpop_key), **given(username=username, password=password), **token_kwargs)

    def authorization_request(self, **kwargs: Any) -> Any:
        """Build an authorization request (state, nonce, PKCE) for the authorization endpoint."""
        return self.run("authorization_request", **kwargs)

    def pushed_authorization_request(self, authorization_request: Any, requests_kwargs: dict[str, Any] | None = None) -> Any:
        """Push an authorization request (RFC 9126); returns a request_uri request."""
        return self.run("pushed_authorization_request", authorization_request=authorization_request, **given(requests_kwargs=requests_kwargs))

    def authorize_device(self, requests_kwargs: dict[str, Any] | None = None, **data: Any) -> Any:
        """Start the device authorization flow (RFC 8628)."""
        return self.run("authorize_device", **given(requests_kwargs=requests_kwargs), **data)

    def backchannel_authentication_request(self, scope: Any = None, **kwargs: Any) -> Any:
        """Start a CIBA authentication request (poll mode)."""
        return self.run("backchannel_authentication_request", **given(scope=scope), **kwargs)

    def introspect_token(self, token: Any, token_type_hint: str | None = None, requests_kwargs: dict[str, Any] | None = None, **introspect_kwargs: Any) -> Any:
        """Introspect a token (RFC 7662)."""
        return self.run("introspect_token", **given(token=token, token_type_hint=token_type_hint, requests_kwargs=requests_kwargs), **introspect_kwargs)

    def revoke_token(self, token: Any, token_type_hint: str | None = None, requests_kwargs: dict[str, Any] | None = None, **revoke_kwargs: Any) -> bool:
        """Revoke a token (RFC 7009)."""
        return bool(self.run("revoke_token", **given(token=token, token_type_hint=token_type_hint, requests_kwargs=requests_kwargs), **revoke_kwargs))

    def revoke_access_token(self, access_token: Any, requests_kwargs: dict[str, Any] | None = None, **revoke_kwargs: Any) -> bool:
        """Revoke an access token (RFC 7009)."""
        return bool(self.run("revoke_access_token", **given(access_token=access_token, requests_kwargs=requests_kwargs), **revoke_kwargs))

    def revoke_refresh_token(self, refresh_token: Any, requests_kwargs: dict[str, Any] | None = None, **revoke_kwargs: Any) -> bool:
        """Revoke a refresh token (RFC 7009)."""
        return bool(self.run("revoke_refresh_token", **given(refresh_token=refresh_token, requests_kwargs=requests_kwargs), **revoke_kwargs))

    def userinfo(self, access_token: Any) -> Any:
        """Call the userinfo endpoint with an access token."""
        return self.run("userinfo", access_token=access_token)

    def update_authorization_server_public_keys(self, requests_kwargs: dict[str, Any] | None = None) -> Any:
        """Fetch the authorization server's public keys from its ``jwks_uri``."""
        return self.run("update_authorization_server_public_keys", **given(requests_kwargs=requests_kwargs))

    @property
    def client_jwks(self) -> Any:
        """The client's public keys (of its private key and ID token decryption key)."""
        return self.run("client_jwks")

    @classmethod
    def get_token_type(cls, token_type: str | None = None, token: Any = None) -> str:
        """Expand a token type short name (``access_token``, ``jwt``, ...) to its URN."""
        return str(cls._run_on_class("get_token_type", **given(token_type=token_type, token=token)))

    @classmethod
    def from_discovery_endpoint(cls, url: str | None = None, issuer: str | None = None, **kwargs: Any) -> Self:
        """Build a client from a discovery document fetched from `url` (or the `issuer`'s)."""
        return cls._run_on_class("from_discovery_endpoint", **given(url=url, issuer=issuer), **kwargs)  # type: ignore[no-any-return]

    @classmethod
    def from_discovery_document(cls, discovery: dict[str, Any], issuer: str | None = None, **kwargs: Any) -> Self:
        """Build a client from a discovery document."""
        return cls._run_on_class("from_discovery_document", discovery=discovery, **given(issuer=issuer), **kwargs)  # type: ignore[no-any-return]

    # fmt: on

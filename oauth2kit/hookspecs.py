"""The hook specifications: everything a plugin can do, in one module.

A plugin is a module (or any object) with functions named after these specs and marked with
`hookimpl`. It is found through the ``oauth2kit.plugins`` entry-point group, or registered at
run time with `PluginHost.register`. Every standard flow in oauth2kit is itself such a
plugin, so the built-ins under ``plugins/`` are worked examples of every hook here.

There are three kinds of hooks:

- **Registration hooks** fill a `Registry` with named things: grant types, client
  authentication methods, token types, DPoP key generators, client settings, client
  operations, error codes and public names. They are pluggy *historic* hooks: each plugin's
  implementation runs once, when the plugin is registered, also for plugins registered
  later at run time. A name clash is an error naming both plugins, unless the newcomer
  passes ``replace=True``; a value of the wrong kind is refused then too.
- **First-result hooks** let one plugin decide: the first non-None result wins. Built-in
  implementations are ``trylast``, so any installed plugin overrides them by returning a
  value, and falls through to them by returning None.
- **Call-all hooks** let every plugin take part: configure clients, prepare outgoing
  requests, fix up responses, validate ID tokens, observe obtained tokens.

A feature plugin owns its whole feature: its settings (``oauth2kit_register_settings``),
the client methods that use them (``oauth2kit_register_operations``), its exceptions and the
error codes that map to them (``oauth2kit_register_error_codes``) and the public names it
exports (``oauth2kit_register_extensions``). Vendor plugins should act only for their own
vendor: every hook receives the client (directly or as ``call.client``), so check its
``issuer`` or endpoints and return early.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

import pluggy

if TYPE_CHECKING:
    from collections.abc import Mapping

    import requests
    import requests.auth

    from oauth2kit._client import OAuth2Client
    from oauth2kit._exceptions import EndpointError, OAuth2KitError
    from oauth2kit._pipeline import EndpointCall, EndpointResponse
    from oauth2kit._registry import Registry
    from oauth2kit._tokens import BearerToken
    from oauth2kit._values import Setting, Transport

__all__ = [
    "PROJECT_NAME", "ClientAuthFactory", "GrantType", "Operation", "hookimpl",
    "hookspec",
]  # fmt: skip

PROJECT_NAME = "oauth2kit"
hookspec = pluggy.HookspecMarker(PROJECT_NAME)
"""The marker of the hook specifications below."""
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
"""The marker for hook implementations: ``@oauth2kit.hookimpl``."""


class GrantType(Protocol):
    """What a grant type plugin registers: how to turn a grant's parameters into a token request.

    `OAuth2Client.grant(name, **params)` looks the grant up by name, calls `build`, adds
    ``grant_type``, and sends the result to the token endpoint.
    """

    @property
    def grant_type(self) -> str:
        """The ``grant_type`` value sent to the token endpoint (a name or a URN)."""
        ...

    def build(self, client: OAuth2Client, params: dict[str, Any]) -> dict[str, Any]:
        """Return the form fields of the token request (without ``grant_type``).

        `params` holds exactly the parameters the caller gave (an optional argument left
        out is absent, never None). Consume every parameter the grant understands and pass
        the rest through as form fields, so that nothing a user passed is silently dropped.
        Raise an `oauth2kit.InvalidParam` subclass for a bad value.
        """
        ...

    # Optional: a grant may also define
    #     def options(self, client, params) -> Mapping[str, Any]
    # the options of its token request (each checked by the setting of its name, as the
    # caller's are), from the parameters the caller gave (before `build` consumed them);
    # the caller's own options win. The authorization code grant passes on the DPoP key
    # that the code is bound to this way. And
    #     def finish(self, client, token, params) -> BearerToken
    # which `OAuth2Client.grant` calls with the token obtained and the parameters the caller
    # gave, and returns what it returns: the authorization code grant validates the ID
    # token there, and returns the token with it decrypted.


ClientAuthFactory: TypeAlias = Callable[..., "requests.auth.AuthBase"]
"""What a client authentication plugin registers: builds a client authentication method.

Usually the `BaseClientAuthenticationMethod` subclass itself. It is called as
``factory(client_id)`` for methods without a credential (``none``) and as
``factory(client_id, credential)`` otherwise, where the credential is a client secret
(``client_secret_*``) or a private key (``private_key_jwt``).
"""

Operation: TypeAlias = Callable[..., Any]
"""What an operation plugin registers: a client method, called as ``operation(client, **params)``.

`OAuth2Client`'s typed methods other than the grants (``revoke_token()``,
``introspect_token()``, ``authorization_request()``, ...) call the operation registered
under their own name with the arguments the caller gave; `OAuth2Client.run` is the generic
form. Class-level operations (``from_discovery_endpoint``) receive the class instead.
"""


# --- registration hooks (historic) -------------------------------------------------------


@hookspec(historic=True)
def oauth2kit_register_grant_types(registry: Registry[GrantType]) -> None:
    """Register grant types by name, e.g. ``registry.add("client_credentials", grant)``.

    The name is what `OAuth2Client.grant` takes; the grant's ``grant_type`` attribute is what
    goes on the wire.
    """


@hookspec(historic=True)
def oauth2kit_register_client_auth_methods(registry: Registry[ClientAuthFactory]) -> None:
    """Register client authentication methods by their RFC 7591 names.

    Names: ``client_secret_basic``, ``client_secret_post``, ``client_secret_jwt``,
    ``private_key_jwt``, ``none``, ``tls_client_auth``, ... The client's ``auth=`` shortcuts
    (a ``(client_id, secret)`` tuple, a bare client_id) and its ``token_endpoint_auth_method``
    argument resolve through this registry.
    """


@hookspec(historic=True)
def oauth2kit_register_token_types(registry: Registry[type[BearerToken]]) -> None:
    """Register access token classes by ``token_type`` value (compared case-insensitively).

    The standard response parser builds tokens with the class registered for the
    response's ``token_type`` (``Bearer`` when the server omits it).
    """


@hookspec(historic=True)
def oauth2kit_register_settings(registry: Registry[Setting]) -> None:
    """Register the client settings a plugin owns, as `oauth2kit.Setting` values.

    A setting is given to `OAuth2Client` as a keyword argument (``revocation_endpoint=``,
    ``code_challenge_method=``, or any name of the plugin's own), or to one call in the
    ``options`` of `OAuth2Client.grant` (``dpop_key``). The client checks it once, with the
    setting's converter, and plugins read it with `OAuth2Client.setting`. A setting that no
    plugin registered is refused with an error, never silently kept.
    """


@hookspec(historic=True)
def oauth2kit_register_operations(registry: Registry[Operation]) -> None:
    """Register client operations by name (``revoke_token``, ``authorize_device``, ...).

    `OAuth2Client`'s typed methods delegate to the operation of their own name.
    """


@hookspec(historic=True)
def oauth2kit_register_error_codes(registry: Registry[type[EndpointError]]) -> None:
    """Register the exception class for an OAuth 2.0 ``error`` code, e.g. ``slow_down``.

    The standard error parser raises the class registered for a response's code, after the
    codes of `OAuth2Client.exception_classes` (RFC 6749 section 5.2).
    """


@hookspec(historic=True)
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Register public objects by name: auth handlers, ApiClient, vendor helpers, exceptions.

    Every name registered here can be imported from the package root
    (``from oauth2kit import OAuth2ClientCredentialsAuth``), resolved on first access.
    """


# --- first-result hooks ------------------------------------------------------------------


@hookspec(firstresult=True)
def oauth2kit_parse_response(call: EndpointCall, response: EndpointResponse) -> object | None:
    """Turn a successful (2xx) endpoint response into its result, or return None to pass.

    For the token endpoint the result must be a `BearerToken` (or subclass). Raise an
    `oauth2kit.OAuth2Error` subclass if the response is unusable.
    """


@hookspec(firstresult=True)
def oauth2kit_parse_error(call: EndpointCall, response: EndpointResponse) -> OAuth2KitError | None:
    """Return the exception to raise for an error response, or None to pass.

    The kernel raises what the first implementation returns.
    """


@hookspec(firstresult=True)
def oauth2kit_retry_request(call: EndpointCall, response: EndpointResponse) -> float | None:
    """Ask for the request to be sent again: return a delay in seconds, or None.

    For DPoP nonce challenges (delay 0) and back-off on 429/503. The kernel caps the
    attempts (``call.attempt`` counts them) and runs `oauth2kit_prepare_request` and client
    authentication again before each retry, on the same call, so proofs and nonces are
    fresh: those hooks set what they add rather than append to it.
    """


@hookspec(firstresult=True)
def oauth2kit_transmit(
    call: EndpointCall, transport: Transport, auth: requests.auth.AuthBase | None
) -> requests.Response | None:
    """Send `call` once and return its response, with the body read; or None to pass.

    The pipeline's only network I/O, once per attempt. The built-in ``transport.requests``
    (``trylast``) sends with the client's requests Session; a plugin for another HTTP
    stack, or one that records calls or injects faults, answers first.

    Client authentication is already in ``call.form`` and ``call.headers``. `auth` is a
    requests auth handler still to apply (an access token, for userinfo), or None for no
    authentication at all (not the session's, nor ``~/.netrc``). Send with `transport`,
    which is ``call.transport`` with the kernel's proxy policy applied for ``call.url``
    (no proxy for plain http). Follow no redirect; read the body whole, up to
    ``transport.max_response_bytes`` (else raise `ResponseTooLarge`) and within
    ``transport.timeout`` for the whole call; raise `TransportError` when no response came.
    """


@hookspec(firstresult=True)
def oauth2kit_lazy_provider(registry: str, name: str) -> str | None:
    """Name the lazy plugin that provides entry `name` of `registry` (``settings``, ...).

    A lookup that no imported plugin answers imports pending plugins until one does; a
    plugin that knows which of them provides the name (an index of its distribution's lazy
    plugins) answers with its entry-point name, so that only that one is imported. Return
    None to leave the search to the host, which tries the plugin's family, then all (but
    those an `oauth2kit_lazy_indexed` hook names).
    """


@hookspec
def oauth2kit_lazy_indexed(registry: str) -> Collection[str] | None:
    """Name the lazy plugins whose entries in `registry` your `oauth2kit_lazy_provider` knows.

    When no hook names a plugin for a name, the host imports pending plugins to find it,
    but not these: the index says that none of them provides it. So a name that no plugin
    provides (a client's extra metadata, a probe of ``oauth2kit.<name>``) imports only the
    plugins nobody indexes.
    """


@hookspec(firstresult=True)
def oauth2kit_expected_issuer(client: OAuth2Client, received: str | None) -> str | None:
    """Return the issuer value to expect in a response or ID token from `client`'s server.

    Lets a vendor plugin resolve issuer templates (for example a ``{tenantid}`` placeholder)
    against the `received` value. Return None to expect ``client.issuer``.

    Called by the OpenID Connect plugins (ID tokens, JARM, signed responses).
    """


@hookspec(firstresult=True)
def oauth2kit_jose_backend(alg: str, operation: str) -> Any:
    """Return the JOSE backend for `operation` (sign, verify, encrypt, decrypt) with `alg`.

    `alg` is a JWS ``alg`` (operations sign and verify), a JWE ``alg`` (encrypt and
    decrypt: key management) or a JWE ``enc`` (encrypt and decrypt: content encryption).
    The backend is an object with the methods of `oauth2kit.jose.JoseBackend` for that
    operation; the facade has already applied its policy (allow-lists, size caps, key
    choice) when it calls the backend. Return None to leave the choice to the next plugin
    and finally to the facade (python-jose where it covers the algorithm, else
    `cryptography`).

    The facade asks the process-wide default host only, and only once it exists; it keeps
    each answer per (alg, operation) until a plugin is registered or unregistered, so a
    plugin's answer must not depend on anything else.
    """


# --- call-all hooks ----------------------------------------------------------------------


@hookspec
def oauth2kit_configure_client(client: OAuth2Client) -> None:
    """Called once for each new `OAuth2Client`, after its own settings are validated."""


@hookspec
def oauth2kit_prepare_request(call: EndpointCall) -> None:
    """Adjust an outgoing request before it is sent: add vendor parameters or headers.

    Change the call in place: ``call.form`` (the form fields) and ``call.headers`` check each
    value as it is set; ``call.url`` is checked by the client's URI policy when set (a
    mutual-TLS plugin points it at the server's ``mtls_endpoint_aliases``); and
    ``call.transport`` is replaced with ``attrs.evolve(call.transport, cert=...)``, which
    checks the new value. Client authentication runs after these hooks.
    """


@hookspec
def oauth2kit_fixup_response(call: EndpointCall, response: EndpointResponse) -> None:
    """Repair a response before it is parsed: change ``response.data`` or ``status_code``."""


@hookspec
def oauth2kit_validate_id_token(
    client: OAuth2Client, claims: Mapping[str, Any], headers: Mapping[str, Any], token: BearerToken,
) -> None:  # fmt: skip
    """Check an ID token after the standard checks passed; raise to reject it.

    Called by the ``oidc.id_token`` plugin.
    """


@hookspec
def oauth2kit_token_obtained(call: EndpointCall, token: BearerToken) -> None:
    """Called after every token the token endpoint issued: persist, cache, count, ..."""

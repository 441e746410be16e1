"""`OAuth2Client`: a client's configuration, the token request, and the seed API's facade.

The client holds what the kernel owns (the token endpoint, the issuer, client
authentication, the session and transport, the plugin host) and, checked once by the
plugins that own them, every other setting. Its typed methods keep the upstream signatures
but hold no feature logic: each is one delegation by name, to the grant or operation that
a plugin registered under that name.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Self

import attrs
import requests
import requests.auth

from oauth2kit._exceptions import (
    TOKEN_ENDPOINT_ERRORS,
    DisabledAttribute,
    EndpointError,
    InvalidEndpointUri,
    InvalidIssuer,
    InvalidParam,
    InvalidUri,
    MissingClientId,
    MissingEndpointUri,
    OAuth2KitError,
    PluginDisabled,
    PluginError,
    PluginNotAvailable,
    redact_uri,
)
from oauth2kit._facade import SeedAPI
from oauth2kit._pipeline import EndpointCall, send
from oauth2kit._tokens import BearerToken
from oauth2kit._uri import validate_endpoint_uri, validate_issuer_uri
from oauth2kit._values import Form, Headers, Transport, check_type

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    from oauth2kit._host import PluginHost
    from oauth2kit._registry import Registry

__all__ = ["OAuth2Client"]


@attrs.frozen(init=False, repr=False, eq=False)
class OAuth2Client(SeedAPI):
    """A client of one OAuth 2.0 / OpenID Connect authorization server.

    Only `token_endpoint` is required. Client authentication comes from `auth`, or from the
    credential arguments:

    | arguments | authentication method |
    | --- | --- |
    | ``auth=`` a `requests.auth.AuthBase` | used as is |
    | ``auth=(client_id, "secret")`` | ``client_secret_post`` |
    | ``auth=(client_id, private_key)`` | ``private_key_jwt`` |
    | ``auth="client_id"`` | ``none`` (public client) |
    | ``client_id=, client_secret=`` | ``client_secret_post`` |
    | ``client_id=, private_key=`` | ``private_key_jwt`` |
    | ``client_id=`` alone | ``none`` |

    ``token_endpoint_auth_method=`` picks another registered method by name, for example
    ``client_secret_basic``. An auth handler alone is used as is; the plugin that registers
    the ``client_authentication`` operation (the built-in ``auth.shortcuts``) reads the
    rest. A client is immutable: build another one to change it.

    Args:
        token_endpoint: the token endpoint URL.
        auth: client authentication (see above).
        client_id: the client identifier.
        client_secret: the client secret.
        private_key: a private key (JWK dict or `cryptography` key) for ``private_key_jwt``.
        token_endpoint_auth_method: the client authentication method's registered name.
        issuer: the authorization server's issuer identifier.
        token_class: the token class to build from token responses; by default the class
            registered for the response's ``token_type``.
        session: the `requests.Session` to send requests with. Its proxies and TLS settings
            are merged with the environment's (``HTTPS_PROXY``, ``NO_PROXY``,
            ``REQUESTS_CA_BUNDLE``) at its first request to each endpoint, not at every
            one: a changed environment applies to sessions made after the change.
        timeout: seconds before each call gives up (`requests` has no default timeout),
            as a whole: connect, send, headers and body (the headers' bound comes from the
            ``transport.deadline`` plugin, for requests' own adapters). A ``(connect,
            read)`` pair keeps its `requests` meaning: per connect and per read.
        max_response_bytes: the largest response body read, once decompressed (1 MiB);
            a larger one raises `ResponseTooLarge` before it is all in memory.
        testing: skip endpoint URI validation altogether (otherwise URIs must be https, or
            http to a loopback host).
        plugins: the plugin host; by default the process-wide `default_host()`.
        disable_plugins: plugin names (or globs) left out for this client only.
        **extra_metadata: every other argument (``revocation_endpoint``, ``redirect_uri``, the
            ID token, PKCE and DPoP settings, ...) is a setting that the plugin of its
            feature owns and checks; one that no plugin provides is refused. Unknown
            arguments that no plugin registered are kept in `extra_metadata`, those ending
            in ``_endpoint`` validated as endpoint URIs.

    Raises:
        InvalidEndpointUri: an endpoint URI is not acceptable.
        InvalidIssuer: the issuer is not acceptable.
        UnsupportedClientCredentials: the authentication arguments do not fit together.
        PluginNotAvailable: no plugin provides the authentication method or a setting.
    """

    exception_classes: ClassVar[dict[str, type[EndpointError]]] = dict(TOKEN_ENDPOINT_ERRORS)
    """The token endpoint error codes of RFC 6749 section 5.2; plugins register the others."""

    testing: bool
    token_endpoint: str
    issuer: str | None
    token_class: type[BearerToken] | None
    session: requests.Session
    transport: Transport
    plugins: PluginHost
    disabled_plugins: frozenset[str]
    auth: requests.auth.AuthBase
    settings: Mapping[str, Any]
    extra_metadata: dict[str, Any]

    def _configure(self, arguments: dict[str, Any], extra_metadata: dict[str, Any]) -> None:
        """Check and keep the constructor's `arguments`: the kernel's own, then the settings."""
        from oauth2kit._host import PluginHost, default_host  # noqa: PLC0415 - pluggy on first use
        from oauth2kit._registry import block_patterns  # noqa: PLC0415

        kernel = {name: arguments.pop(name) for name in _KERNEL_ARGUMENTS}
        kinds = {"testing": bool, "session": requests.Session, "plugins": PluginHost}
        for name, kind in {**kinds, "token_class": type}.items():
            check_type(name, kernel[name], kind)
        token_class: object = kernel["token_class"]
        if isinstance(token_class, type) and not issubclass(token_class, BearerToken):
            raise InvalidParam(f"token_class must be a BearerToken subclass, got {token_class!r}")
        init = partial(object.__setattr__, self)  # frozen: the constructor sets each field once
        init("testing", kernel["testing"])
        if kernel["token_endpoint"] in (None, ""):
            empty = InvalidUri("", ["is empty"])
            raise InvalidEndpointUri("token_endpoint", kernel["token_endpoint"], empty)
        init("token_endpoint", self.checked_endpoint("token_endpoint", kernel["token_endpoint"]))
        issuer = kernel["issuer"]
        init("issuer", None if issuer is None else self.checked_endpoint("issuer", issuer))
        init("token_class", token_class)
        init("session", kernel["session"] or requests.Session())
        limit = kernel["max_response_bytes"]
        init("transport", Transport(timeout=kernel["timeout"], max_response_bytes=limit))
        init("plugins", kernel["plugins"] or default_host())
        init("disabled_plugins", block_patterns(kernel["disable_plugins"], "disable_plugins"))
        # An auth handler alone is used as is; the shortcuts (``auth=(client_id, secret)``,
        # ...) and methods built by hand (they have a `method_name`) are the client auth
        # plugins' to read.
        auth = {name: kernel[name] for name in _AUTH_ARGUMENTS if kernel[name] is not None}
        handler = auth.get("auth")
        method = getattr(handler, "method_name", None)
        if auth != {"auth": handler} or method or not isinstance(handler, requests.auth.AuthBase):
            handler = self.run("client_authentication", **auth)
        init("auth", handler)
        settings: dict[str, Any] = {}
        init("settings", MappingProxyType(settings))  # read-only: checked once, trusted after
        init("extra_metadata", {})
        # The seed's other arguments belong to plugins; unknown ones too, if a plugin has them.
        for name, value in {**arguments, **extra_metadata}.items():
            if value is None or (name in arguments and self._off(name, value)):
                continue
            if name in arguments or self._provides_setting(name):
                settings[name] = self._checked_setting(name, value)
            else:
                if name.endswith("_endpoint"):
                    self.checked_endpoint(name, value)
                self.extra_metadata[name] = value
        self.hook("oauth2kit_configure_client", client=self)

    # --- what plugins use -----------------------------------------------------------------

    def hook(self, name: str, **kwargs: Any) -> Any:
        """Call hook `name` for this client's plugins (those not blocked for it)."""
        return self.plugins.call(name, self.disabled_plugins, **kwargs)

    def lookup(self, registry: Registry[Any], name: str) -> Any:
        """The value of `registry` entry `name` for this client (its blocked plugins skipped).

        Raises:
            PluginDisabled: the plugins that provide it are blocked for this client.
            PluginNotAvailable: no loaded plugin provides it; the message names the
                plugins that are blocked or failed, one of which may be the provider.
        """
        return self.plugins.lookup(registry, name, self.disabled_plugins)

    def setting(self, name: str) -> Any:
        """The value of setting `name`: as given to the constructor, or the plugin's default."""
        if name in self.settings:
            return self.settings[name]
        return self.lookup(self.plugins.settings, name).default

    def checked_endpoint(self, name: str, uri: object) -> str:
        """Return `uri` if this client accepts it as endpoint `name` (an issuer if ``issuer``).

        Raises:
            InvalidEndpointUri: (`InvalidIssuer` for the issuer) if it is not acceptable.
        """
        issuer = name == "issuer"
        if self.testing and isinstance(uri, str):
            return uri
        try:
            return (validate_issuer_uri if issuer else validate_endpoint_uri)(uri)  # type: ignore[arg-type] # checked there
        except InvalidUri as exc:
            raise (InvalidIssuer if issuer else InvalidEndpointUri)(name, uri, exc) from exc

    def endpoint_uri(self, endpoint: str) -> str:
        """Return the URL of `endpoint`: ``token_endpoint``, a setting, or extra metadata.

        Raises:
            MissingEndpointUri: if the client has no such endpoint configured.
        """
        if endpoint == "token_endpoint":
            return self.token_endpoint
        uri = self.settings.get(endpoint) or self.extra_metadata.get(endpoint)
        if uri is None and isinstance(endpoint, str) and self._provides_setting(endpoint):
            uri = self.setting(endpoint)
        if uri is None:
            raise MissingEndpointUri(str(endpoint))
        # Metadata whose name does not say it is an endpoint was not checked as one yet.
        return uri if endpoint in self.settings else self.checked_endpoint(endpoint, uri)

    def _provides_setting(self, name: str) -> bool:
        try:
            self.lookup(self.plugins.settings, name)
        except PluginDisabled:
            raise
        except PluginNotAvailable:
            return False
        return True

    def _off(self, name: str, value: Any) -> bool:
        """False for a setting no plugin provides: a feature turned off needs no plugin."""
        return value is False and not self._provides_setting(name)

    def _checked_setting(self, name: str, value: Any) -> Any:
        setting = self.lookup(self.plugins.settings, name)
        if setting.endpoint:
            value = self.checked_endpoint(name, value)
        if setting.convert is None:
            return value
        return _by_plugin(f"the plugin of setting {name!r}", setting.convert, self, value)

    # --- sending --------------------------------------------------------------------------

    def request_endpoint(
        self, endpoint: str, data: Any = None, *, method: str = "POST",
        auth: requests.auth.AuthBase | bool = True, grant: str | None = None, options: Any = None,
        **requests_kwargs: Any,
    ) -> Any:  # fmt: skip
        """Call `endpoint` and return what the parse hooks make of its response.

        This is how grant and endpoint plugins (revocation, introspection, userinfo, ...)
        talk to the server. Every argument is checked here, once, into the `EndpointCall`
        that the hooks see.

        Args:
            endpoint: the endpoint's setting (or extra metadata) name.
            data: the form fields.
            method: the HTTP method.
            auth: True for the client's authentication, False for none, or another
                requests auth handler (an access token, for userinfo).
            grant: for token requests, the grant name the hooks see.
            options: settings for this call only, each checked by the plugin that owns it.
            **requests_kwargs: transport arguments for `requests` (``timeout``, ``verify``,
                ``cert``, ``proxies``, ``cookies``) and extra ``headers`` and ``params``.
        """
        return self.call(endpoint, data, method=method, auth=auth, grant=grant, options=options, requests_kwargs=requests_kwargs)  # fmt: skip # noqa: E501

    def call(
        self, endpoint: str, data: Any = None, *, method: str = "POST",
        auth: requests.auth.AuthBase | bool = True, grant: str | None = None, options: Any = None,
        requests_kwargs: Any = None,
    ) -> Any:  # fmt: skip
        """`request_endpoint` with the transport arguments as one mapping, `requests_kwargs`."""
        check_type("endpoint", endpoint, str)
        check_type("auth", auth, (bool, requests.auth.AuthBase))
        check_type("options", options, Mapping)
        transport, headers, params = self.transport.with_kwargs(requests_kwargs)
        url = self.endpoint_uri(endpoint)
        if params:
            url = requests.Request("GET", url, params=dict(Form(params))).prepare().url or url
        checked = {name: self._checked_setting(name, value) for name, value in (options or {}).items() if not self._off(name, value)}  # fmt: skip # noqa: E501
        form, headers = Form(data), Headers({"Accept": "application/json", **headers})
        client_auth = self.auth if auth is True else (auth or None)
        return send(
            EndpointCall(
                self, endpoint, url, form, headers, transport, method, client_auth, grant, checked
            )
        )

    def grant(
        self, name: str, /, *, requests_kwargs: dict[str, Any] | None = None,
        options: dict[str, Any] | None = None, **params: Any,
    ) -> BearerToken:  # fmt: skip
        """Obtain a token with the grant type registered as `name`.

        Args:
            name: the grant's registered name (``client_credentials``, or a custom one).
            requests_kwargs: extra arguments for `requests` (``verify``, ``proxies``, ...).
            options: settings for this request only (``dpop_key``, ...).
            **params: the grant's parameters; those it does not know become form fields.

        Raises:
            UnknownGrantType: no plugin registered `name`.
            PluginDisabled: the plugin that provides `name` is disabled.
        """
        grant_type = self.lookup(self.plugins.grant_types, name)
        if "grant_type" in params:
            msg = f"grant_type is set by the {name!r} grant; pass the grant's name to grant()"
            raise InvalidParam(msg)
        check_type("options", options, Mapping)
        given = dict(params)  # for `options` and `finish`, which see what the caller gave
        plugin = f"the {name!r} grant's plugin"
        fields = _by_plugin(plugin, grant_type.build, self, params)
        own = _by_plugin(plugin, getattr(grant_type, "options", lambda *_: {}), self, given)
        if not isinstance(own, Mapping):
            kind = type(own).__name__  # the type only: options may hold a key
            raise PluginError(f"{plugin} gave options that are not a mapping, but a {kind}")
        # dict() of what build returned, as plugin code: a non-mapping is the plugin's error.
        data = {"grant_type": grant_type.grant_type, **_by_plugin(plugin, dict, fields)}
        token: BearerToken = self.call(
            "token_endpoint", data, grant=name, options={**own, **(options or {})},  # caller's win
            requests_kwargs=requests_kwargs,
        )  # fmt: skip
        finish = getattr(grant_type, "finish", None)
        return token if finish is None else _by_plugin(plugin, finish, self, token, given)

    def run(self, name: str, /, **params: Any) -> Any:
        """Run the operation that a plugin registered as `name`, with `params`."""
        return self.lookup(self.plugins.operations, name)(self, **params)

    # --- authentication -------------------------------------------------------------------

    @property
    def client_id(self) -> str:
        """The client identifier, as known by the client authentication method."""
        client_id = getattr(self.auth, "client_id", None)
        if not isinstance(client_id, str):
            msg = "This client uses a custom authentication method without client_id."
            raise MissingClientId(msg)
        return client_id

    @property
    def client_secret(self) -> str | None:
        """The client secret, if the authentication method has one."""
        secret = getattr(self.auth, "client_secret", None)
        return secret if isinstance(secret, str) else None

    def __getattr__(self, name: str) -> Any:
        """Read a plugin's setting as an attribute (``client.redirect_uri``), as upstream."""
        if isinstance(prop := getattr(type(self), name, None), property):
            return prop.fget(self)  # type: ignore[misc] # it raised an AttributeError: again, for its own
        if name.startswith("_") or name in _FIELDS:
            raise AttributeError(name)
        try:
            return self.setting(name)
        except PluginDisabled as exc:  # it exists: an error of ours, still an AttributeError
            raise DisabledAttribute(exc.registry, name, exc.plugins) from None
        except PluginNotAvailable as exc:
            msg = f"{type(self).__name__!r} object has no attribute {name!r} ({exc})"
            raise AttributeError(msg) from None

    # --- misc -----------------------------------------------------------------------------

    def __enter__(self) -> Self:
        """Use the client as a context manager; the session is closed on exit."""
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:  # fmt: skip
        """Close the session; exceptions from the block propagate (upstream swallowed them)."""
        self.session.close()

    def __repr__(self) -> str:
        """Show the endpoint and authentication method; secrets stay out."""
        client_id = getattr(self.auth, "client_id", None)
        return (
            f"{type(self).__name__}(token_endpoint={redact_uri(self.token_endpoint)!r},"
            f" client_id={client_id!r}, auth={type(self.auth).__name__})"
        )

    @classmethod
    def _run_on_class(cls, name: str, /, **params: Any) -> Any:
        """Run a class operation of the host (and blocks) that the client will be built with."""
        from oauth2kit._host import PluginHost, default_host  # noqa: PLC0415 - pluggy on first use
        from oauth2kit._registry import block_patterns  # noqa: PLC0415

        check_type("plugins", host := params.get("plugins") or default_host(), PluginHost)
        blocked = block_patterns(params.get("disable_plugins", ()), "disable_plugins")
        if "disable_plugins" in params:  # read once (a generator): the client gets what was read
            params["disable_plugins"] = blocked
        return host.lookup(host.operations, name, blocked)(cls, **params)


def _by_plugin(plugin: str, function: Callable[..., Any], *args: Any) -> Any:
    """Run a plugin's `function`: an error from it that is not oauth2kit's is a `PluginError`."""
    try:
        return function(*args)
    except OAuth2KitError:
        raise
    except Exception as exc:
        raise PluginError(f"{plugin} failed: {type(exc).__name__}") from exc


_FIELDS = frozenset(field.name for field in attrs.fields(OAuth2Client))
_AUTH_ARGUMENTS = (
    "auth",
    "client_id",
    "client_secret",
    "private_key",
    "token_endpoint_auth_method",
)
_KERNEL_ARGUMENTS = (
    *_AUTH_ARGUMENTS,
    *("token_endpoint", "issuer", "token_class", "session", "timeout", "max_response_bytes"),
    *("testing", "plugins", "disable_plugins"),
)

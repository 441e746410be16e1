"""OAuth2Client: construction, validation, and the request pipeline's error paths.

Error responses a real server will not produce (HTML pages, HTTP 200 errors, unknown token
types, error codes of features not built yet) are stubbed with `responses`; everything a
real server does is covered by the integration tests.
"""

from __future__ import annotations

import base64
import socket
import time
import traceback
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import attrs
import pytest
import requests
import responses

import oauth2kit
from oauth2kit import (
    MAX_RETRY_DELAY,
    AccessDenied,
    BaseClientAuthenticationMethod,
    BearerToken,
    ClientSecretBasic,
    ClientSecretPost,
    EndpointCall,
    EndpointError,
    EndpointResponse,
    InvalidClient,
    InvalidEndpointUri,
    InvalidGrant,
    InvalidIssuer,
    InvalidParam,
    InvalidRequest,
    InvalidRequestForClientAuthentication,
    InvalidScope,
    InvalidScopeParam,
    InvalidTarget,
    InvalidTokenResponse,
    InvalidUri,
    MissingClientId,
    MissingEndpointUri,
    OAuth2Client,
    OAuth2Error,
    OAuth2KitError,
    PluginDisabled,
    PluginError,
    PluginHost,
    PluginNotAvailable,
    PublicApp,
    Registry,
    ServerError,
    Setting,
    TransportError,
    UnauthorizedClient,
    UnknownGrantType,
    UnknownTokenEndpointError,
    UnsupportedClientCredentials,
    UnsupportedGrantType,
    hookimpl,
    validate_endpoint_uri,
)

TOKEN_ENDPOINT = "https://as.example/token"

# The constructor arguments that plugins own; no plugin provides them yet.
SEED_SETTINGS = {
    "revocation_endpoint": "https://as.example/revoke",
    "introspection_endpoint": "https://as.example/introspect",
    "userinfo_endpoint": "https://as.example/userinfo",
    "authorization_endpoint": "https://as.example/authorize",
    "redirect_uri": "https://client.example/cb",
    "backchannel_authentication_endpoint": "https://as.example/bc-authorize",
    "device_authorization_endpoint": "https://as.example/device",
    "pushed_authorization_request_endpoint": "https://as.example/par",
    "jwks_uri": "https://as.example/jwks",
    "authorization_server_jwks": {"keys": []},
    "id_token_signed_response_alg": "RS256",
    "id_token_encrypted_response_alg": "RSA-OAEP",
    "id_token_decryption_key": {"kty": "RSA", "d": "x"},
    "code_challenge_method": "S256",
    "authorization_response_iss_parameter_supported": True,
    "dpop_bound_access_tokens": True,
    "dpop_key_generator": lambda _alg: None,
    "dpop_alg": "ES256",
}
# The seed settings that are endpoint URIs, validated as such by the plugin that owns them.
ENDPOINT_SETTINGS = [name for name in SEED_SETTINGS if name.endswith(("_endpoint", "_uri"))]
ENDPOINT_SETTINGS.remove("redirect_uri")  # a redirect URI is the client's, not an endpoint


def sent_form(index: int = 0) -> str:
    """The form body of the `index`-th request seen by `responses`."""
    body = responses.calls[index].request.body
    return body.decode() if isinstance(body, bytes) else str(body)


def sent_kwargs(index: int = 0) -> dict[str, Any]:
    """The keyword arguments requests was called with (recorded by `responses`)."""
    kwargs: dict[str, Any] = responses.calls[index].request.req_kwargs  # type: ignore[attr-defined]
    return kwargs


def client(**kwargs: Any) -> OAuth2Client:
    kwargs.setdefault("client_id", "client")
    kwargs.setdefault("client_secret", "s3cr3t")
    return OAuth2Client(TOKEN_ENDPOINT, **kwargs)


def host_with(plugin: object) -> PluginHost:
    """A host with the built-ins and `plugin`, registered at run time (and loaded)."""
    host = PluginHost()
    info = host.register(plugin, name=type(plugin).__name__.lower())
    assert "loaded" == info.status, info.error
    return host


def client_with(plugin: object, **kwargs: Any) -> OAuth2Client:
    """A client whose host has the built-ins and `plugin`, registered at run time."""
    kwargs.setdefault("client_id", "c")
    kwargs.setdefault("client_secret", "s")
    return OAuth2Client(TOKEN_ENDPOINT, plugins=host_with(plugin), **kwargs)


class Settings:
    """A run-time plugin providing settings that no built-in plugin provides yet.

    A class rather than a `types.SimpleNamespace`: the host sets unhashable plugins aside.
    """

    def __init__(self, **settings: Setting) -> None:
        self.settings = settings

    @hookimpl
    def oauth2kit_register_settings(self, registry: Registry[Setting]) -> None:
        for name, setting in self.settings.items():
            registry.add(name, setting)


# --- endpoint URIs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("http://as.example/token", "must use https"),
        ("https://as.example/", "must include a path"),
        ("https://user:pw@as.example/token", "must not contain basic credentials"),
        ("https://as.example/token#frag", "must not contain a uri fragment"),
        ("ftp://as.example/token", "must use https"),
    ],
)
def test_bad_endpoint_uri_is_refused(uri: str, reason: str) -> None:
    with pytest.raises(InvalidEndpointUri, match=reason) as caught:
        OAuth2Client(uri, client_id="c")
    assert "token_endpoint" == caught.value.endpoint
    assert "Invalid endpoint uri" in str(caught.value)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "127.1.2.3"])
def test_plain_http_is_allowed_on_loopback(host: str) -> None:
    uri = f"http://{host}:8080/token"
    assert uri == OAuth2Client(uri, client_id="c").token_endpoint


def test_custom_port_is_allowed() -> None:
    uri = "https://as.example:8443/token"
    assert uri == OAuth2Client(uri, client_id="c").token_endpoint


def test_testing_opts_out_of_validation() -> None:
    uri = "http://as.example/token"
    assert uri == OAuth2Client(uri, client_id="c", testing=True).token_endpoint


def test_endpoint_metadata_without_a_plugin_is_validated() -> None:
    with pytest.raises(InvalidEndpointUri, match="vendor_endpoint"):
        client(vendor_endpoint="http://as.example/vendor")


@pytest.mark.parametrize("name", sorted(SEED_SETTINGS))
def test_a_setting_no_plugin_provides_is_refused_not_silently_kept(name: str) -> None:
    # Every seed setting belongs to a plugin: with none loaded, each one is refused.
    nothing = PluginHost(load_entry_points=False)
    setting: dict[str, Any] = {name: SEED_SETTINGS[name]}
    credentials = requests.auth.HTTPBasicAuth("client", "s3cr3t")
    with pytest.raises(PluginNotAvailable, match=f"no plugin provides settings entry '{name}'"):
        OAuth2Client(TOKEN_ENDPOINT, auth=credentials, plugins=nothing, **setting)


@pytest.mark.parametrize("name", ENDPOINT_SETTINGS)
def test_every_endpoint_setting_is_validated_by_the_uri_policy(name: str) -> None:
    plugin = Settings(**{name: Setting(endpoint=True)})
    with pytest.raises(InvalidEndpointUri, match="must use https") as caught:
        client_with(plugin, **{name: "http://as.example/x"})
    assert name == caught.value.endpoint


@pytest.mark.parametrize("name", ENDPOINT_SETTINGS)
def test_an_endpoint_setting_a_plugin_provides_is_kept_and_readable(name: str) -> None:
    uri = SEED_SETTINGS[name]
    c = client_with(Settings(**{name: Setting(endpoint=True)}), **{name: uri})
    assert uri == c.setting(name)
    assert uri == getattr(c, name)
    assert uri == c.endpoint_uri(name)
    assert {name: uri} == c.settings
    assert {} == c.extra_metadata


def test_a_setting_not_given_has_the_plugins_default() -> None:
    c = client_with(Settings(code_challenge_method=Setting(default="S256")))
    assert "S256" == c.setting("code_challenge_method")
    assert "S256" == c.code_challenge_method
    assert {} == c.settings


def test_an_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'no_such_setting'"):
        _ = client().no_such_setting


def test_issuer_is_validated_without_requiring_a_path() -> None:
    assert "https://as.example" == client(issuer="https://as.example").issuer
    with pytest.raises(InvalidIssuer, match="must use https"):
        client(issuer="http://as.example")


def _iss_parameter_supported(client: OAuth2Client, value: object) -> object:
    if not isinstance(value, bool):
        msg = "authorization_response_iss_parameter_supported must be a bool"
        raise InvalidParam(msg)
    if value and client.issuer is None:
        msg = "authorization_response_iss_parameter_supported needs an issuer"
        raise InvalidParam(msg)
    return value


ISS_SETTING = Settings(
    authorization_response_iss_parameter_supported=Setting(convert=_iss_parameter_supported)
)


def test_a_settings_converter_sees_the_client_and_its_refusal_propagates() -> None:
    # What MissingIssuerParam used to protect: the owning plugin can now check it itself,
    # since its converter runs with the client's issuer already set.
    with pytest.raises(InvalidParam, match="needs an issuer"):
        client_with(ISS_SETTING, authorization_response_iss_parameter_supported=True)
    with pytest.raises(InvalidParam, match="must be a bool"):
        client_with(ISS_SETTING, authorization_response_iss_parameter_supported="no")
    c = client_with(
        ISS_SETTING,
        issuer="https://as.example",
        authorization_response_iss_parameter_supported=True,
    )
    assert True is c.setting("authorization_response_iss_parameter_supported")


def test_a_settings_converter_that_crashes_is_a_plugin_error() -> None:
    def crash(client: OAuth2Client, value: object) -> object:
        empty: dict[str, object] = {}
        return empty["missing"]

    with pytest.raises(PluginError, match="setting 'dpop_alg' failed: KeyError") as caught:  # fmt: skip
        client_with(Settings(dpop_alg=Setting(convert=crash)), dpop_alg="ES256")
    assert KeyError is type(caught.value.__cause__)


def test_a_setting_not_an_oauth2kit_setting_sets_the_plugin_aside() -> None:
    class Bad:
        @hookimpl
        def oauth2kit_register_settings(self, registry: Registry[Any]) -> None:
            registry.add("revocation_endpoint", {"endpoint": True})

    info = PluginHost().register(Bad(), name="bad")
    assert "failed" == info.status
    assert "which is not an oauth2kit.Setting" in (info.error or "")


def test_missing_endpoint_is_a_clear_error() -> None:
    with pytest.raises(MissingEndpointUri, match="revocation_endpoint"):
        client().endpoint_uri("revocation_endpoint")


def test_extra_metadata_is_kept() -> None:
    c = client(vendor_endpoint="https://as.example/vendor", custom="x")
    assert {"vendor_endpoint": "https://as.example/vendor", "custom": "x"} == c.extra_metadata
    assert "https://as.example/vendor" == c.endpoint_uri("vendor_endpoint")
    assert {} == c.settings


def test_a_plugin_setting_passed_as_a_keyword_is_a_setting_not_metadata() -> None:
    def upper(client: OAuth2Client, value: str) -> str:
        return value.upper()

    c = client_with(Settings(vendor_region=Setting(convert=upper)), vendor_region="eu")
    assert {"vendor_region": "EU"} == c.settings
    assert {} == c.extra_metadata


# --- client authentication ------------------------------------------------------------------


def test_auth_resolution_table() -> None:
    assert ClientSecretPost is type(client().auth)
    assert PublicApp is type(OAuth2Client(TOKEN_ENDPOINT, client_id="c").auth)
    assert PublicApp is type(OAuth2Client(TOKEN_ENDPOINT, auth="c").auth)
    assert ClientSecretPost is type(OAuth2Client(TOKEN_ENDPOINT, auth=("c", "s")).auth)
    basic = ClientSecretBasic("c", "s")
    assert basic is OAuth2Client(TOKEN_ENDPOINT, auth=basic).auth
    by_name = client(token_endpoint_auth_method="client_secret_basic")
    assert ClientSecretBasic is type(by_name.auth)
    assert "client" == by_name.client_id
    assert "s3cr3t" == by_name.client_secret


def test_a_private_key_needs_its_plugin() -> None:
    # The key goes to private_key_jwt; with its plugin blocked the error names it.
    host = PluginHost(disable=["auth.private_key_jwt"])
    with pytest.raises(PluginNotAvailable, match="private_key_jwt"):
        OAuth2Client(TOKEN_ENDPOINT, auth=("c", {"kty": "EC", "d": "x"}), plugins=host)


def test_unsupported_credential_type() -> None:
    # A credential of no known kind is the method's to refuse, when it is built.
    with pytest.raises(UnsupportedClientCredentials, match="private signing key"):
        OAuth2Client(TOKEN_ENDPOINT, auth=("c", object()))
    with pytest.raises(UnsupportedClientCredentials, match="not supported"):
        OAuth2Client(TOKEN_ENDPOINT, auth=42)  # type: ignore[arg-type]


def test_auth_and_credentials_together_are_refused() -> None:
    with pytest.raises(UnsupportedClientCredentials):
        OAuth2Client(TOKEN_ENDPOINT, auth=ClientSecretBasic("c", "s"), client_id="c")
    with pytest.raises(UnsupportedClientCredentials):
        OAuth2Client(TOKEN_ENDPOINT, auth=("c", "s"), client_secret="s")


def test_a_client_id_is_required() -> None:
    with pytest.raises(UnsupportedClientCredentials, match="client_id must be provided"):
        OAuth2Client(TOKEN_ENDPOINT)


def test_custom_auth_without_client_id() -> None:
    c = OAuth2Client(TOKEN_ENDPOINT, auth=requests.auth.HTTPBasicAuth("u", "p"))
    with pytest.raises(MissingClientId, match="without client_id"):
        _ = c.client_id


@responses.activate
def test_client_secret_basic_urlencodes_credentials() -> None:
    responses.post(TOKEN_ENDPOINT, json={"access_token": "t"})
    OAuth2Client(TOKEN_ENDPOINT, auth=ClientSecretBasic("a:b", "p&ss w")).client_credentials()
    header = responses.calls[0].request.headers["Authorization"]
    # application/x-www-form-urlencoded, as RFC 6749 section 2.3.1 says: a space is "+".
    assert "a%3Ab:p%26ss+w" == base64.b64decode(header.removeprefix("Basic ")).decode()


@responses.activate
def test_client_secret_post_does_not_duplicate_client_id() -> None:
    responses.post(TOKEN_ENDPOINT, json={"access_token": "t"})
    client().grant("client_credentials", client_id="client")
    body = sent_form()
    assert 1 == body.count("client_id=")
    assert "client_secret=s3cr3t" in body


def test_client_authentication_refuses_non_form_requests() -> None:
    request = requests.Request("GET", TOKEN_ENDPOINT).prepare()
    with pytest.raises(
        InvalidRequestForClientAuthentication, match="POST requests with a form-encoded body"
    ):
        ClientSecretPost("c", "s")(request)
    assert isinstance(ClientSecretPost("c", "s"), BaseClientAuthenticationMethod)


def test_repr_never_shows_the_secret() -> None:
    c = client(token_endpoint_auth_method="client_secret_basic")
    assert "s3cr3t" not in repr(c)
    assert "s3cr3t" not in repr(c.auth)
    assert "s3cr3t" not in repr(client().auth)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"client_id": "c", "client_secret": "s\ud800"},
        {"auth": ("c", "s\ud800")},
        {"client_id": "c\ud800", "client_secret": "s"},
        {"auth": "c\ud800"},
    ],
)
def test_credentials_that_utf8_cannot_encode_are_refused_at_construction(
    kwargs: dict[str, Any],
) -> None:
    with pytest.raises(UnsupportedClientCredentials):
        OAuth2Client(TOKEN_ENDPOINT, **kwargs)


@pytest.mark.parametrize("auth_class", [ClientSecretBasic, ClientSecretPost])
def test_secret_methods_refuse_a_lone_surrogate(auth_class: type) -> None:
    with pytest.raises(UnsupportedClientCredentials, match="that UTF-8 can encode"):
        auth_class("c", "s\ud800")


# --- grants and the request pipeline ---------------------------------------------------------


def test_unknown_grant_name() -> None:
    with pytest.raises(UnknownGrantType, match="'no_such_grant'"):
        client().grant("no_such_grant")


def test_a_grant_whose_plugin_is_blocked_says_so() -> None:
    with pytest.raises(UnknownGrantType, match="authorization_code"):
        client(plugins=PluginHost(disable=["grant.authorization_code"])).authorization_code("code")


@responses.activate
def test_dpop_without_a_dpop_plugin_is_an_error_not_a_silent_bearer_token() -> None:
    with pytest.raises(PluginNotAvailable, match="settings entry 'dpop'"):
        client().client_credentials(dpop=True)
    assert 0 == len(responses.calls)


@responses.activate
def test_per_call_options_are_settings_checked_by_their_plugin() -> None:
    responses.post(TOKEN_ENDPOINT, json={"access_token": "t"})
    seen: list[dict[str, Any]] = []

    def flag(client: OAuth2Client, value: object) -> object:
        if not isinstance(value, bool):
            msg = "dpop must be a bool"
            raise InvalidParam(msg)
        return value

    class Dpop(Settings):
        @hookimpl
        def oauth2kit_prepare_request(self, call: EndpointCall) -> None:
            seen.append(dict(call.options))

    c = client_with(Dpop(dpop=Setting(convert=flag)))
    with pytest.raises(InvalidParam, match="dpop must be a bool"):
        c.grant("client_credentials", options={"dpop": "yes"})
    assert 0 == len(responses.calls)
    c.client_credentials(dpop=True)
    assert [{"dpop": True}] == seen


@pytest.mark.parametrize("scope", [42, [1, 2], b"bytes", {"a": 1}])
def test_bad_scope(scope: object) -> None:
    with pytest.raises(InvalidScopeParam):
        client().client_credentials(scope=scope)  # type: ignore[arg-type]


@responses.activate
def test_scope_iterable_and_extra_parameters_are_sent() -> None:
    responses.post(TOKEN_ENDPOINT, json={"access_token": "t"})
    client().client_credentials(scope=("a", "b"), resource=["urn:r1", "urn:r2"], audience="x")
    body = sent_form()
    assert "scope=a+b" in body
    assert "resource=urn%3Ar1&resource=urn%3Ar2" in body
    assert "audience=x" in body


class Recorder:
    """A grant type that records the parameters its `build` receives."""

    def __init__(self, grant_type: str) -> None:
        self.grant_type = grant_type
        self.seen: list[dict[str, Any]] = []

    def build(self, client: OAuth2Client, params: dict[str, Any]) -> dict[str, Any]:
        self.seen.append(dict(params))
        return {}


class Recorders:
    """Registers a `Recorder` under each grant name, over the built-ins."""

    def __init__(self, *names: str) -> None:
        self.grants = {name: Recorder(name) for name in names}

    @hookimpl
    def oauth2kit_register_grant_types(self, registry: Registry[Any]) -> None:
        for name, grant in self.grants.items():
            registry.add(name, grant, replace=True)


@pytest.mark.parametrize(
    ("name", "call", "expected"),
    [
        ("client_credentials", lambda c: c.grant("client_credentials"), {}),
        ("client_credentials", lambda c: c.client_credentials(), {}),
        ("client_credentials", lambda c: c.client_credentials(scope="a"), {"scope": "a"}),
        ("authorization_code", lambda c: c.authorization_code("code"), {"code": "code"}),
        ("refresh_token", lambda c: c.refresh_token("rt"), {"refresh_token": "rt"}),
        ("device_code", lambda c: c.device_code("dc"), {"device_code": "dc"}),
        ("ciba", lambda c: c.ciba("id"), {"auth_req_id": "id"}),
        ("token_exchange", lambda c: c.token_exchange(subject_token="st"), {"subject_token": "st"}),
        ("jwt_bearer", lambda c: c.jwt_bearer("a"), {"assertion": "a"}),
        ("password", lambda c: c.resource_owner_password("u", "p"), {"username": "u", "password": "p"}),
    ],
)  # fmt: skip
@responses.activate
def test_a_grant_receives_only_the_parameters_the_caller_gave(
    name: str, call: Callable[[OAuth2Client], BearerToken], expected: dict[str, Any]
) -> None:
    responses.post(TOKEN_ENDPOINT, json={"access_token": "t", "refresh_token": "r"})
    plugin = Recorders(name)
    call(client_with(plugin))
    assert [expected] == plugin.grants[name].seen
    assert f"grant_type={name}" in sent_form()


@responses.activate
def test_accept_header_and_default_timeout() -> None:
    responses.post(TOKEN_ENDPOINT, json={"access_token": "t"})
    client().client_credentials()
    assert "application/json" == responses.calls[0].request.headers["Accept"]
    timeout = sent_kwargs()["timeout"]  # a urllib3 Timeout: per connect, per read, and in all
    assert (10.0, 10.0, 10.0) == (timeout.connect_timeout, timeout.read_timeout, timeout.total)


@responses.activate
def test_timeout_can_be_overridden_per_call() -> None:
    responses.post(TOKEN_ENDPOINT, json={"access_token": "t"})
    client().client_credentials(requests_kwargs={"timeout": 3})
    assert 3 == sent_kwargs()["timeout"].total


@responses.activate
def test_requests_kwargs_headers_and_params_are_merged_in() -> None:
    responses.post(TOKEN_ENDPOINT, json={"access_token": "t"})
    client().client_credentials(
        requests_kwargs={"headers": {"X-Trace": "1"}, "params": {"tenant": "a"}, "verify": False}
    )
    sent = responses.calls[0].request
    assert ("1", "application/json") == (sent.headers["X-Trace"], sent.headers["Accept"])
    assert f"{TOKEN_ENDPOINT}?tenant=a" == sent.url
    assert False is sent_kwargs()["verify"]


@pytest.mark.parametrize("key", ["https://as.example", "all://as.example"])
@responses.activate
def test_per_host_proxy_keys_are_accepted_and_reach_requests(key: str) -> None:
    responses.post(TOKEN_ENDPOINT, json={"access_token": "t"})
    client().client_credentials(requests_kwargs={"proxies": {key: "http://proxy.example:3128"}})
    assert "http://proxy.example:3128" == sent_kwargs()["proxies"][key]


@responses.activate
def test_the_environment_is_merged_once_per_session_and_the_sessions_own_settings_each_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Proxies from the environment apply, as requests has it: read at a session's first
    # request to an endpoint, not again at each one (requests would read the whole
    # environment twice per request). A new session reads it anew; the session's own
    # settings, changed later, apply at once (and the environment is merged anew then).
    responses.post(TOKEN_ENDPOINT, json={"access_token": "t"})
    for name in (
        "NO_PROXY",
        "no_proxy",
        "ALL_PROXY",
        "all_proxy",
        "https_proxy",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://first.example:3128")
    session = requests.Session()
    first = client(session=session)
    first.client_credentials()
    monkeypatch.setenv("HTTPS_PROXY", "http://second.example:3128")
    first.client_credentials()
    client().client_credentials()
    session.verify = False
    first.client_credentials()
    assert [
        "http://first.example:3128",
        "http://first.example:3128",
        "http://second.example:3128",
        "http://second.example:3128",
    ] == [sent_kwargs(index)["proxies"]["https"] for index in range(4)]
    assert [True, True, True, False] == [sent_kwargs(index)["verify"] for index in range(4)]


def only_https_proxy_from(monkeypatch: pytest.MonkeyPatch) -> None:
    """Leave HTTPS_PROXY the only proxy setting in the environment (the tests set it)."""
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)


@responses.activate
def test_calls_with_the_same_requests_kwargs_share_one_environment_merge(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each call with requests_kwargs gets a transport of its own; equal ones are one key,
    # so the environment is merged once for them too, as for calls without any.
    responses.post(TOKEN_ENDPOINT, json={"access_token": "t"})
    only_https_proxy_from(monkeypatch)
    kept = client(session=requests.Session())
    for proxy in ("http://first.example:3128", "http://second.example:3128"):
        monkeypatch.setenv("HTTPS_PROXY", proxy)
        kept.client_credentials(requests_kwargs={"timeout": 5})
    kept.client_credentials(requests_kwargs={"timeout": 6})  # another transport: merged anew
    assert [
        "http://first.example:3128",
        "http://first.example:3128",
        "http://second.example:3128",
    ] == [sent_kwargs(index)["proxies"]["https"] for index in range(3)]
    assert [5, 5, 6] == [sent_kwargs(index)["timeout"].total for index in range(3)]


class TracingSession(requests.Session):
    """A Session subclass: the transport calls its request(), as it may change it."""


class TransportSeen:
    """Keeps the proxies of each call's transport, as they are once the call was sent."""

    def __init__(self) -> None:
        self.proxies: list[dict[str, Any]] = []

    @oauth2kit.hookimpl
    def oauth2kit_token_obtained(self, call: EndpointCall) -> None:
        self.proxies.append(dict(call.transport.proxies))


@responses.activate
def test_a_session_subclass_reads_the_environment_each_time_and_leaves_the_transport_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Session.request adds the environment's proxies to the dict it is given: that must be
    # a copy, or the call's checked transport would change under the hooks' eyes.
    responses.post(TOKEN_ENDPOINT, json={"access_token": "t"})
    only_https_proxy_from(monkeypatch)
    seen = TransportSeen()
    host = oauth2kit.PluginHost()
    host.register(seen, name="test.transport-seen")
    kept = client(session=TracingSession(), plugins=host)
    own = {"http": "http://plain.example:3128"}
    for proxy in ("http://first.example:3128", "http://second.example:3128"):
        monkeypatch.setenv("HTTPS_PROXY", proxy)
        kept.client_credentials(requests_kwargs={"proxies": own})
    assert ["http://first.example:3128", "http://second.example:3128"] == [
        sent_kwargs(index)["proxies"]["https"] for index in range(2)
    ]
    assert [own, own] == seen.proxies


def _with_session_headers(session: requests.Session) -> None:
    session.headers["X-Tenant"] = "a"
    session.headers["User-Agent"] = None  # type: ignore[assignment] # requests' way to drop one
    session.headers["Accept"] = "text/plain"  # the request's own Accept wins


def _with_headers_as_pairs(session: requests.Session) -> None:
    session.headers = [("X-Tenant", "a")]  # type: ignore[assignment] # requests leaves these out


def _with_cookies(session: requests.Session) -> None:
    session.cookies.set("session", "s", domain="as.example")


def _with_params(session: requests.Session) -> None:
    session.params = {"tenant": "a"}


def _with_params_as_pairs(session: requests.Session) -> None:
    session.params = [("tenant", "a")]  # requests leaves these out


HOOKED: list[int] = []


def _with_hook(session: requests.Session) -> None:
    session.hooks["response"].append(lambda response, **_: HOOKED.append(response.status_code))


@pytest.mark.parametrize(
    "setup",
    [
        lambda _: None,
        _with_session_headers,
        _with_headers_as_pairs,
        _with_cookies,
        _with_params,
        _with_params_as_pairs,
        _with_hook,
    ],
)
@pytest.mark.parametrize(
    "form",
    [
        {"grant_type": "client_credentials", "scope": "a b"},
        {"resource": ["https://a.example", "https://b.example"], "n": 3, "x": 1.5, "gone": None},
        {"name": "h\u00e9llo w\u00f6rld&=?", "empty": ""},
        {},
    ],
)
@pytest.mark.parametrize(
    "cookies",
    [{"call": "c"}, {"session": "over", "bare": None}, requests.cookies.RequestsCookieJar()],
)
@responses.activate
def test_a_plain_session_is_sent_what_its_prepare_request_would_make(
    setup: Callable[[requests.Session], None], form: dict[str, Any], cookies: Any
) -> None:
    # The kernel prepares a plain Session's requests itself (requests' own preparation runs
    # Protocol checks that cost more than the rest of the request): the request on the wire
    # must be the one Session.prepare_request makes, whatever the session holds.
    responses.post(TOKEN_ENDPOINT, json={"access_token": "t"})
    session = requests.Session()
    setup(session)
    HOOKED.clear()
    auth = requests.auth.HTTPBasicAuth("client", "s3cr3t")
    if isinstance(cookies, requests.cookies.RequestsCookieJar):
        cookies.set("jar", "j", domain="as.example")
    response = client(auth=auth, session=session, client_id=None, client_secret=None).call(
        "token_endpoint", form, requests_kwargs={"cookies": cookies}
    )
    assert "t" == response.access_token
    sent = responses.calls[0].request
    expected = session.prepare_request(
        requests.Request(
            "POST", TOKEN_ENDPOINT, {"Accept": "application/json"}, data=form, auth=auth,
            cookies=cookies,
        )
    )  # fmt: skip
    assert (expected.method, expected.url, expected.body) == (sent.method, sent.url, sent.body)
    assert dict(expected.headers) == dict(sent.headers)
    assert ([200] if setup is _with_hook else []) == HOOKED


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("auth", 1),
        ("auth", False),
        ("data", 1),
        ("method", "GET"),
        ("grant", "password"),
        ("options", {}),
        ("json", 1),
        ("timout", 1),
    ],
)
@responses.activate
def test_requests_kwargs_the_kernel_sets_or_requests_lacks_are_refused(
    name: str, value: object
) -> None:
    responses.post(TOKEN_ENDPOINT, json={"access_token": "t"})
    with pytest.raises(InvalidParam, match=f"requests_kwargs: '{name}' cannot be passed"):
        client().client_credentials(requests_kwargs={name: value})
    assert 0 == len(responses.calls)


@pytest.mark.parametrize(
    ("status", "body", "content_type", "error", "message"),
    [
        (200, "<html>hi</html>", "text/html", InvalidTokenResponse, "text/html"),
        (200, '{"token_type": "Bearer"}', "application/json", InvalidTokenResponse, "no access_token"),
        (200, "[1, 2]", "application/json", InvalidTokenResponse, "not a JSON object"),
        (502, "<html>bad gateway</html>", "text/html", InvalidTokenResponse, "not an OAuth 2.0 error"),
        (200, '{"access_token": "t", "token_type": "mac"}', "application/json", InvalidTokenResponse, "mac"),
        (200, '{"access_token": 42}', "application/json", InvalidTokenResponse, "access_token"),
        (200, '{"error": "invalid_grant"}', "application/json", InvalidGrant, "invalid_grant"),
        (400, '{"error": "weird_error", "error_description": "d"}', "application/json", UnknownTokenEndpointError, "weird_error: d"),
        (500, '{"error": "server_error"}', "application/json", ServerError, "server_error"),
    ],
)  # fmt: skip
@responses.activate
def test_token_endpoint_errors(
    status: int, body: str, content_type: str, error: type[Exception], message: str
) -> None:
    responses.post(TOKEN_ENDPOINT, body=body, status=status, content_type=content_type)
    with pytest.raises(error, match=message) as caught:
        client().client_credentials()
    assert isinstance(caught.value, OAuth2Error)
    assert status == caught.value.response.status_code


@pytest.mark.parametrize(
    ("code", "error"),
    [
        # RFC 6749 section 5.2, mapped by the kernel.
        ("invalid_request", InvalidRequest),
        ("invalid_client", InvalidClient),
        ("invalid_grant", InvalidGrant),
        ("unauthorized_client", UnauthorizedClient),
        ("unsupported_grant_type", UnsupportedGrantType),
        ("invalid_scope", InvalidScope),
        # Mapped by parse.oauth2.
        ("server_error", ServerError),
        ("access_denied", AccessDenied),
        ("invalid_target", InvalidTarget),
        # A code of a feature no plugin provides yet (DPoP).
        ("use_dpop_nonce", UnknownTokenEndpointError),
        # Mapped by the plugin of their feature, named here as the package root exports them.
        ("authorization_pending", "AuthorizationPending"),
        ("slow_down", "SlowDown"),
        ("expired_token", "ExpiredToken"),
        ("unsupported_token_type", "UnsupportedTokenType"),
    ],
)
@responses.activate
def test_each_error_code_has_its_exception(code: str, error: type[EndpointError] | str) -> None:
    if isinstance(error, str):
        error = getattr(oauth2kit, error)
        assert isinstance(error, type)
    responses.post(TOKEN_ENDPOINT, status=400, json={"error": code})
    with pytest.raises(error) as caught:
        client().client_credentials()
    assert error is type(caught.value)
    assert code == caught.value.error


def test_the_kernel_maps_only_the_rfc_6749_token_endpoint_codes() -> None:
    assert {
        "invalid_request": InvalidRequest,
        "invalid_client": InvalidClient,
        "invalid_grant": InvalidGrant,
        "unauthorized_client": UnauthorizedClient,
        "unsupported_grant_type": UnsupportedGrantType,
        "invalid_scope": InvalidScope,
    } == OAuth2Client.exception_classes


@responses.activate
def test_error_carries_code_description_and_uri() -> None:
    responses.post(
        TOKEN_ENDPOINT, status=400,
        json={"error": "invalid_grant", "error_description": "nope", "error_uri": "https://e/x"},
    )  # fmt: skip
    with pytest.raises(InvalidGrant) as caught:
        client().client_credentials()
    assert ("invalid_grant", "nope", "https://e/x") == (
        caught.value.error,
        caught.value.description,
        caught.value.uri,
    )
    assert TOKEN_ENDPOINT == caught.value.request.url


def test_unreachable_server_is_a_transport_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    c = OAuth2Client(f"http://127.0.0.1:{port}/token", client_id="c", client_secret="s")
    with pytest.raises(TransportError, match="ConnectionError") as caught:
        c.client_credentials()
    assert isinstance(caught.value, requests.RequestException)


def test_a_server_that_never_answers_times_out() -> None:
    # A real listening socket that accepts the connection and never answers.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        c = OAuth2Client(f"http://127.0.0.1:{port}/token", auth=("c", "s"), timeout=0.3)
        with pytest.raises(TransportError, match="Timeout") as caught:
            c.client_credentials()
    assert isinstance(caught.value.__cause__, requests.Timeout)


@responses.activate
def test_prepare_fixup_and_retry_hooks_run_around_each_request() -> None:
    # A vendor that answers errors with HTTP 200 and wants a header, and a retry on 503.
    responses.post(TOKEN_ENDPOINT, status=503, body="busy")
    responses.post(TOKEN_ENDPOINT, json={"error": "invalid_grant", "error_description": "x"})
    attempts: list[int] = []

    class Vendor:
        @hookimpl
        def oauth2kit_prepare_request(self, call: EndpointCall) -> None:
            call.headers["X-Vendor"] = "yes"
            attempts.append(call.attempt)

        @hookimpl
        def oauth2kit_fixup_response(self, call: EndpointCall, response: EndpointResponse) -> None:
            if response.data and "error" in response.data:
                response.status_code = 400

        @hookimpl
        def oauth2kit_retry_request(
            self, call: EndpointCall, response: EndpointResponse
        ) -> float | None:
            return 0 if response.status_code == 503 else None

    c = client_with(Vendor())
    with pytest.raises(InvalidGrant):
        c.client_credentials()
    assert [1, 2] == attempts
    assert ["yes", "yes"] == [call.request.headers["X-Vendor"] for call in responses.calls]


class Misbehaving:
    """A plugin whose hooks return what they must not."""

    def __init__(self, delay: object = None, error: object = None) -> None:
        self.delay = delay
        self.error = error

    @hookimpl
    def oauth2kit_retry_request(self, call: EndpointCall, response: EndpointResponse) -> Any:
        return self.delay

    @hookimpl(tryfirst=True)
    def oauth2kit_parse_error(self, call: EndpointCall, response: EndpointResponse) -> Any:
        return self.error


def misbehaving_client(**kwargs: object) -> OAuth2Client:
    return client_with(Misbehaving(**kwargs))


@pytest.mark.parametrize("delay", ["soon", -1, float("nan"), True])
@responses.activate
def test_a_bad_retry_delay_is_a_plugin_error(delay: object) -> None:
    responses.post(TOKEN_ENDPOINT, status=503, body="busy")
    with pytest.raises(PluginError, match="oauth2kit_retry_request hook returned"):
        misbehaving_client(delay=delay).client_credentials()


@pytest.mark.parametrize("delay", [float("inf"), MAX_RETRY_DELAY + 1])
@responses.activate
def test_a_retry_too_far_away_is_not_made(delay: float) -> None:
    responses.post(TOKEN_ENDPOINT, status=503, body="busy")
    with pytest.raises(InvalidTokenResponse):
        misbehaving_client(delay=delay).client_credentials()
    assert 1 == len(responses.calls)


@responses.activate
def test_an_error_hook_returning_a_non_exception_is_a_plugin_error() -> None:
    responses.post(TOKEN_ENDPOINT, status=400, json={"error": "invalid_grant"})
    with pytest.raises(PluginError, match="returned a str, not an oauth2kit error"):
        misbehaving_client(error="invalid_grant").client_credentials()
    with pytest.raises(PluginError, match="returned a KeyError, not an oauth2kit error"):
        misbehaving_client(error=KeyError("x")).client_credentials()


@responses.activate
def test_a_grant_plugin_that_fails_to_build_its_request_is_a_plugin_error() -> None:
    class Broken:
        grant_type = "urn:test:broken"

        def build(self, client: OAuth2Client, params: dict[str, Any]) -> dict[str, Any]:
            return {"x": params["missing"]}

    class BrokenPlugin:
        @hookimpl
        def oauth2kit_register_grant_types(self, registry: Any) -> None:
            registry.add("broken", Broken())

    c = client_with(BrokenPlugin())
    with pytest.raises(PluginError, match="'broken' grant's plugin failed") as caught:
        c.grant("broken")
    assert isinstance(caught.value.__cause__, KeyError)
    assert 0 == len(responses.calls)


class _Stop(OAuth2KitError):
    """Raised by a request hook once it has seen the call: nothing needs to be sent."""


class OptionsGrant:
    """A grant whose input carries an option for its token request, as a bound key would."""

    grant_type = "urn:test:options"

    def __init__(self, own: Any = None) -> None:
        self.own = own
        self.options_saw: list[dict[str, Any]] = []

    def build(self, client: OAuth2Client, params: dict[str, Any]) -> dict[str, Any]:
        params.pop("key", None)  # consumed: `options` still sees it
        return params

    def options(self, client: OAuth2Client, params: dict[str, Any]) -> Any:
        self.options_saw.append(dict(params))
        return {"test_key": params["key"]} if self.own is None else self.own


class OptionsPlugin:
    """Registers `OptionsGrant` and a ``test_key`` setting; records each call's options."""

    def __init__(self, grant: OptionsGrant) -> None:
        self.grant = grant
        self.seen: list[dict[str, Any]] = []

    @hookimpl
    def oauth2kit_register_grant_types(self, registry: Any) -> None:
        registry.add("options", self.grant)

    @hookimpl
    def oauth2kit_register_settings(self, registry: Any) -> None:
        registry.add("test_key", Setting(convert=lambda _, value: f"checked {value}"))

    @hookimpl
    def oauth2kit_prepare_request(self, call: EndpointCall) -> None:
        self.seen.append(dict(call.options))
        raise _Stop


def test_a_grant_supplies_options_for_its_token_request_and_the_callers_win() -> None:
    plugin = OptionsPlugin(OptionsGrant())
    c = client_with(plugin)
    with pytest.raises(_Stop):
        c.grant("options", key="k1")
    with pytest.raises(_Stop):
        c.grant("options", key="k2", options={"test_key": "mine"})
    # Each checked by the setting's converter, the grant's as the caller's.
    assert [{"test_key": "checked k1"}, {"test_key": "checked mine"}] == plugin.seen
    assert [{"key": "k1"}, {"key": "k2"}] == plugin.grant.options_saw  # before build took it


def test_a_grant_whose_options_are_not_a_mapping_is_a_plugin_error() -> None:
    c = client_with(OptionsPlugin(OptionsGrant(own=["test_key"])))
    with pytest.raises(PluginError, match="'options' grant's plugin gave options that are not a"):
        c.grant("options", key="k")


def test_grant_options_that_are_not_a_mapping_are_refused_before_the_grant_runs() -> None:
    grant = OptionsGrant()
    c = client_with(OptionsPlugin(grant))
    with pytest.raises(InvalidParam, match="options must be a Mapping"):
        c.grant("options", key="k", options=["test_key"])  # type: ignore[arg-type]
    assert [] == grant.options_saw


@responses.activate
def test_retries_are_capped() -> None:
    responses.post(TOKEN_ENDPOINT, status=503, body="busy")

    class AlwaysRetry:
        @hookimpl
        def oauth2kit_retry_request(self, call: EndpointCall, response: EndpointResponse) -> float:
            return 0

    c = client_with(AlwaysRetry())
    with pytest.raises(InvalidTokenResponse):
        c.client_credentials()
    assert 3 == len(responses.calls)


@responses.activate
def test_token_obtained_hook_sees_every_token() -> None:
    responses.post(TOKEN_ENDPOINT, json={"access_token": "t1"})
    seen: list[str] = []

    class Store:
        @hookimpl
        def oauth2kit_token_obtained(self, call: EndpointCall, token: Any) -> None:
            seen.append(f"{call.grant}:{token}")

    OAuth2Client(TOKEN_ENDPOINT, client_id="c", plugins=host_with(Store())).client_credentials()
    assert ["client_credentials:t1"] == seen


def test_context_manager_does_not_swallow_exceptions() -> None:
    with pytest.raises(ZeroDivisionError), client():
        _ = 1 / 0


def test_uri_errors_do_not_repeat_credentials() -> None:
    with pytest.raises(InvalidEndpointUri) as caught:
        OAuth2Client("https://user:hunter2@as.example/token", client_id="c")
    assert "hunter2" not in str(caught.value)
    assert "hunter2" not in caught.value.uri
    assert "***@as.example" in str(caught.value)


def test_nothing_passed_is_silently_ignored() -> None:
    with pytest.raises(UnsupportedClientCredentials, match="token_endpoint_auth_method"):
        OAuth2Client(
            TOKEN_ENDPOINT,
            auth=ClientSecretPost("c", "s"),
            token_endpoint_auth_method="client_secret_basic",
        )
    with pytest.raises(InvalidParam, match="grant_type"):
        client().client_credentials(grant_type="password")


# --- bad arguments: each a clear oauth2kit error, never a stray TypeError or AttributeError ---


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"token_endpoint": 123}, InvalidEndpointUri, "must be a str, got int"),
        ({"foo_endpoint": 3}, InvalidEndpointUri, "'foo_endpoint'"),
        ({"token_endpoint": 123, "testing": True}, InvalidEndpointUri, "must be a str"),
        ({"client_id": 123}, UnsupportedClientCredentials, "client_id must be a non-empty str"),
        ({"timeout": "10"}, InvalidParam, "timeout must be None, positive seconds"),
        ({"timeout": 0}, InvalidParam, "timeout"),
        ({"timeout": float("nan")}, InvalidParam, "timeout"),
        ({"timeout": (1, "x")}, InvalidParam, "timeout"),
        ({"timeout": 10**400}, InvalidParam, "timeout must be None, positive seconds"),
        ({"timeout": (1, 10**400)}, InvalidParam, "timeout must be None, positive seconds"),
        ({"plugins": "default"}, InvalidParam, "plugins must be a PluginHost, got str"),
        ({"disable_plugins": [""]}, InvalidParam, "disable_plugins takes plugin names"),
    ],
)  # fmt: skip
def test_bad_client_arguments(kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    kwargs.setdefault("token_endpoint", TOKEN_ENDPOINT)
    kwargs.setdefault("client_id", "c")
    with pytest.raises(error, match=message):
        OAuth2Client(client_secret="s", **kwargs)


def test_good_timeouts_are_kept() -> None:
    for timeout in (None, 2, 0.5, (1, 5), (1, None)):
        assert timeout == client(timeout=timeout).transport.timeout


def test_a_single_disabled_plugin_name_is_one_name_not_letters() -> None:
    # A str is one name: "auth.none" must not become the globs "a", "u", ..., "." and so on.
    c = client(disable_plugins="grant.client_credentials")
    assert frozenset({"grant.client_credentials"}) == c.disabled_plugins
    with pytest.raises(PluginDisabled):
        c.client_credentials()


@pytest.mark.parametrize(
    ("requests_kwargs", "message"),
    [
        (["timeout"], "requests_kwargs must be a Mapping, got list"),
        ({"timeout": "1"}, "timeout"),
    ],
)  # fmt: skip
def test_bad_requests_kwargs(requests_kwargs: Any, message: str) -> None:
    with pytest.raises(InvalidParam, match=message):
        client().client_credentials(requests_kwargs=requests_kwargs)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"client_secret": b"bytes"}, UnsupportedClientCredentials, "client_secret must be a non-empty str, got bytes"),
        ({"client_secret": ""}, UnsupportedClientCredentials, "client_secret must be a non-empty str"),
        # A PEM string or a public key is not a client secret: it must not become
        # client_secret_post. The private_key_jwt plugin checks the key itself.
        ({"private_key": "-----BEGIN PRIVATE KEY-----"}, UnsupportedClientCredentials, "private signing key"),
        ({"private_key": {"kty": "EC", "x": "public only"}}, UnsupportedClientCredentials, "private signing key"),
    ],
)  # fmt: skip
def test_credentials_of_the_wrong_kind(
    kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        OAuth2Client(TOKEN_ENDPOINT, client_id="c", **kwargs)


def test_a_private_key_goes_to_the_key_method_which_checks_it() -> None:
    received: list[object] = []

    class KeyMethod(BaseClientAuthenticationMethod):
        def __init__(self, client_id: str, private_key: object) -> None:
            super().__init__(client_id)
            received.append(private_key)
            if not (isinstance(private_key, dict) and "d" in private_key):
                msg = "private_key_jwt needs a private key"
                raise UnsupportedClientCredentials(msg)

    class KeyPlugin:
        @hookimpl
        def oauth2kit_register_client_auth_methods(self, registry: Registry[Any]) -> None:
            registry.add("private_key_jwt", KeyMethod)

    host = host_with(KeyPlugin())
    public = {"kty": "EC", "x": "public only"}
    with pytest.raises(UnsupportedClientCredentials, match="needs a private key"):
        OAuth2Client(TOKEN_ENDPOINT, client_id="c", private_key=public, plugins=host)
    private = {"kty": "EC", "d": "x"}
    c = OAuth2Client(TOKEN_ENDPOINT, auth=("c", private), plugins=host)
    assert KeyMethod is type(c.auth)
    assert [public, private] == received


# --- found in review: secrets and redirects, validation at use, form values ------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
@responses.activate
def test_redirects_are_not_followed_with_the_credentials(status: int) -> None:
    responses.post(TOKEN_ENDPOINT, status=status, headers={"Location": "http://evil.example/x"})
    with pytest.raises(OAuth2Error) as caught:
        client().client_credentials()
    assert status == caught.value.response.status_code
    assert 1 == len(responses.calls)


@pytest.mark.parametrize(
    ("target", "name", "value"),
    [
        ("client", "token_endpoint", "http://as.example/token"),
        ("client", "issuer", "http://as.example"),
        ("client", "testing", True),
        ("client", "auth", None),
        ("client", "timeout", 1),  # no longer a field: still no way to add it
        ("transport", "timeout", 1),
        ("transport", "verify", False),
    ],
)
def test_a_client_cannot_be_changed_after_construction(target: str, name: str, value: Any) -> None:
    # What "an endpoint changed after construction is checked" protected: a client is
    # frozen, so nothing changes what was checked when it was built.
    c = client()
    obj = c if target == "client" else c.transport
    before = getattr(obj, name, None)
    with pytest.raises(attrs.exceptions.FrozenInstanceError) as caught:
        setattr(obj, name, value)
    assert isinstance(caught.value, AttributeError)
    assert before == getattr(obj, name, None)


@responses.activate
def test_metadata_that_does_not_say_it_is_an_endpoint_is_checked_when_used() -> None:
    c = client(x_uri="http://as.example/token")
    with pytest.raises(InvalidEndpointUri, match="'x_uri'"):
        c.request_endpoint("x_uri", {"a": "b"})
    assert 0 == len(responses.calls)


@responses.activate
def test_an_endpoint_setting_cannot_be_changed_after_construction_to_one_never_checked() -> None:
    responses.post("https://as.example/revoke", json={})
    c = client_with(
        Settings(revocation_endpoint=Setting(endpoint=True)),
        revocation_endpoint="https://as.example/revoke",
    )
    with pytest.raises(TypeError):
        c.settings["revocation_endpoint"] = "http://evil.example/revoke"  # type: ignore[index]
    assert {"revocation_endpoint": "https://as.example/revoke"} == dict(c.settings)
    with pytest.raises(OAuth2Error):  # nothing parses this endpoint: where it went counts
        c.request_endpoint("revocation_endpoint", {"token": "t"})
    assert ["https://as.example/revoke"] == [call.request.url for call in responses.calls]


@pytest.mark.parametrize(
    "uri",
    ["//user:hunter2@as.example/token", "user:hunter2@as.example/token", b"https://u:hunter2@h/t"],
)
def test_no_uri_form_shows_its_password(uri: object) -> None:
    with pytest.raises(InvalidEndpointUri) as caught:
        OAuth2Client(uri, client_id="c")  # type: ignore[arg-type]
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize("uri", ["https://a\x00b.example/token", "https://as.example/to ken"])
def test_control_characters_and_spaces_in_uris_are_refused(uri: str) -> None:
    with pytest.raises(InvalidEndpointUri, match="whitespace or control characters"):
        OAuth2Client(uri, client_id="c")


@pytest.mark.parametrize(
    "params",
    [
        {"authorization_details": [{"type": "payment"}]},
        {"claims": {"id_token": {}}},
        {"flag": True},
        {"resource": [b"urn:x"]},
        {"audience": "a\ud800"},  # a lone surrogate: UTF-8 cannot encode it
        {"resource": ["urn:\ud800"]},
    ],
)
@responses.activate
def test_form_values_that_would_be_sent_mangled_are_refused(params: dict[str, Any]) -> None:
    with pytest.raises(InvalidParam, match=f"form field '{next(iter(params))}'"):
        client().client_credentials(**params)
    assert 0 == len(responses.calls)


@pytest.mark.parametrize(
    ("requests_kwargs", "error", "message"),
    [
        ({"verify": "/nonexistent/ca.pem"}, TransportError, "OSError"),
        ({"headers": "x"}, InvalidParam, "headers and params must be mappings"),
        ({"headers": {5: "x"}}, InvalidParam, "header 5 cannot be sent"),
        ({"headers": {"X": "a\nb"}}, InvalidParam, "header 'X' cannot be sent"),
        ({"params": "abc"}, InvalidParam, "headers and params must be mappings"),
        ({"cookies": 5}, InvalidParam, "cookies must be a CookieJar or a mapping"),
        ({"cookies": {"a": 5}}, InvalidParam, "cookies must be a CookieJar or a mapping"),
        ({"proxies": {"http": 5}}, InvalidParam, "proxies map schemes"),
        ({"proxies": {"https://": "http://proxy.example"}}, InvalidParam, "proxies map schemes"),
        ({"cert": 5}, InvalidParam, "cert must be the path of a client certificate"),
        ({"cert": ("a",)}, InvalidParam, "cert must be the path of a client certificate"),
        ({"verify": 1}, InvalidParam, "verify must be a bool or the path of a CA bundle"),
        ({"timeout": 10**400}, InvalidParam, "timeout must be None, positive seconds"),
    ],
)  # fmt: skip
def test_bad_transport_settings(
    requests_kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        client().client_credentials(requests_kwargs=requests_kwargs)


def test_token_request_needs_form_fields_not_a_string() -> None:
    with pytest.raises(InvalidParam, match="forms take a Mapping, got str"):
        client().token_request("grant_type=client_credentials")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"token_endpoint_auth_method": "client_secret_basic"}, "cannot be used with no credential"),
        ({"client_secret": "s", "token_endpoint_auth_method": "none"}, "cannot be used with a client secret"),
        ({"private_key": {"kty": "EC", "d": "x"}, "token_endpoint_auth_method": "client_secret_basic"}, "client_secret must be a non-empty str"),
        ({"client_secret": "s", "token_endpoint_auth_method": ["x"]}, "token_endpoint_auth_method must be a str"),
    ],
)  # fmt: skip
def test_method_and_credential_must_fit(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises((UnsupportedClientCredentials, InvalidParam), match=message):
        OAuth2Client(TOKEN_ENDPOINT, client_id="c", **kwargs)


@pytest.mark.parametrize("auth_class", [ClientSecretBasic, ClientSecretPost])
def test_secret_methods_need_a_secret(auth_class: type) -> None:
    with pytest.raises(UnsupportedClientCredentials, match="client_secret must be a non-empty str"):
        auth_class("c", None)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"session": "x"}, "session must be a Session, got str"),
        ({"token_class": str}, "token_class must be a BearerToken subclass"),
        ({"disable_plugins": 5}, "disable_plugins takes plugin names"),
        ({"testing": "no"}, "testing must be a bool"),
    ],
)
def test_more_bad_client_arguments(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidParam, match=message):
        client(**kwargs)


def test_a_grant_name_that_is_not_a_str_is_unknown() -> None:
    with pytest.raises(UnknownGrantType):
        client().grant(["client_credentials"])  # type: ignore[arg-type]


@responses.activate
def test_a_form_field_may_share_a_name_with_a_parameter_of_grant() -> None:
    responses.post(TOKEN_ENDPOINT, json={"access_token": "t"})
    client().client_credentials(name="x")
    assert "name=x" in sent_form()


@responses.activate
def test_a_client_id_parameter_that_contradicts_client_authentication_is_refused() -> None:
    responses.post(TOKEN_ENDPOINT, json={"access_token": "t"})
    client().client_credentials(client_id="client")  # the same value: sent once
    assert 1 == sent_form().count("client_id=")
    with pytest.raises(InvalidParam, match="already has client_id with another value"):
        client().client_credentials(client_id="someone-else")


@responses.activate
def test_a_stray_exception_from_a_plugin_hook_becomes_a_plugin_error() -> None:
    responses.post(TOKEN_ENDPOINT, json={"access_token": "t"})

    class Buggy:
        @hookimpl
        def oauth2kit_prepare_request(self, call: EndpointCall) -> None:
            empty: dict[str, str] = {}
            _ = empty["missing"]

    c = client_with(Buggy())
    with pytest.raises(
        PluginError, match="oauth2kit_prepare_request hook raised KeyError"
    ) as caught:
        c.client_credentials()
    assert isinstance(caught.value.__cause__, KeyError)


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((["x"],), {}, "endpoint must be a str"),
        (("token_endpoint",), {"method": 5}, "method must be one of"),
        (("token_endpoint",), {"auth": "x"}, "auth must be a bool or AuthBase, got str"),
        (("token_endpoint",), {"options": "x"}, "options must be a Mapping"),
    ],
)  # fmt: skip
def test_bad_request_endpoint_arguments(
    args: tuple[Any, ...], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidParam, match=message):
        client().request_endpoint(*args, **kwargs)


def test_a_per_call_option_no_plugin_provides_is_refused() -> None:
    # Options are per-call settings: token_class among them, until a plugin registers it.
    with pytest.raises(PluginNotAvailable, match="settings entry 'token_class'"):
        client().request_endpoint("token_endpoint", options={"token_class": BearerToken})


def test_a_token_endpoint_is_required() -> None:
    with pytest.raises(InvalidParam, match="for 'token_endpoint': Invalid URI: is empty"):
        OAuth2Client(None, client_id="c")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "uri", ["https://user:pa?ss@as.example/token", "https://user:pa/ss@as.example/token"]
)
def test_odd_passwords_in_uris_do_not_show(uri: str) -> None:
    with pytest.raises(InvalidEndpointUri) as caught:
        OAuth2Client(uri, client_id="c")
    assert "pa" not in str(caught.value).replace("parsable", "")
    assert "ss@" not in caught.value.uri


def test_with_testing_uri_credentials_stay_out_of_logs_messages_and_repr(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    c = OAuth2Client(f"http://u:hunter2@127.0.0.1:{port}/token", auth=("c", "s"), testing=True)
    assert "hunter2" not in repr(c)
    with caplog.at_level("DEBUG"), pytest.raises(TransportError) as caught:
        c.client_credentials()
    assert "hunter2" not in str(caught.value)
    assert "hunter2" not in caplog.text


@responses.activate
def test_an_empty_error_code_is_not_an_oauth_error() -> None:
    responses.post(TOKEN_ENDPOINT, status=400, json={"error": ""})
    with pytest.raises(InvalidTokenResponse, match=r"not an OAuth 2\.0 error"):
        client().client_credentials()


def test_a_form_field_name_must_be_a_str() -> None:
    with pytest.raises(InvalidParam, match="form field names are strs"):
        client().token_request({1: "x"})  # type: ignore[dict-item]


# --- fourth review: chains, hook URLs, proxies, header values, upstream compatibility --------


def test_a_uri_error_does_not_chain_the_parser_message_with_the_password() -> None:
    password = "S3CRET" + "PW"  # not in one literal: tracebacks quote this source line
    uri = f"https://user:{password}\uff03x@as.example/token"
    with pytest.raises(InvalidEndpointUri) as caught:
        OAuth2Client(uri, client_id="c")
    text = "".join(traceback.format_exception(caught.value))
    assert password not in text


@responses.activate
def test_a_url_changed_by_a_hook_is_checked_again() -> None:
    class Redirector:
        @hookimpl
        def oauth2kit_prepare_request(self, call: EndpointCall) -> None:
            call.url = "http://evil.example/token"

    c = client_with(Redirector())
    with pytest.raises(InvalidEndpointUri, match="must use https"):
        c.client_credentials()
    assert 0 == len(responses.calls)


@pytest.mark.parametrize("key", ["http", "all", "http://127.0.0.1", "all://127.0.0.1"])
def test_plain_http_to_loopback_refuses_an_explicit_proxy(key: str) -> None:
    c = OAuth2Client("http://127.0.0.1:9/token", client_id="c", client_secret="s")
    with pytest.raises(InvalidParam, match="cannot be reached through a proxy"):
        c.client_credentials(requests_kwargs={"proxies": {key: "http://proxy.example:3128"}})


@pytest.mark.parametrize("access_token", ["a\r\nX-Evil: 1", "a b", "a\x00"])
def test_an_access_token_that_would_break_a_header_is_refused(access_token: str) -> None:
    with pytest.raises(
        InvalidParam, match="must not contain whitespace, control or non-ASCII characters"
    ) as caught:
        BearerToken(access_token)
    assert access_token not in str(caught.value)


def test_streaming_is_not_a_transport_option() -> None:
    with pytest.raises(InvalidParam, match="'stream' cannot be passed"):
        client().client_credentials(requests_kwargs={"stream": True})


def test_a_tuple_with_no_credential_is_not_taken_for_a_public_client() -> None:
    with pytest.raises(UnsupportedClientCredentials, match="no credential"):
        OAuth2Client(TOKEN_ENDPOINT, auth=("c", None))


def test_an_empty_token_endpoint_is_an_invalid_endpoint_uri_as_upstream() -> None:
    with pytest.raises(InvalidEndpointUri):
        OAuth2Client("", client_id="c")


def test_invalid_uri_errors_is_a_method_as_upstream() -> None:
    with pytest.raises(InvalidUri) as caught:
        validate_endpoint_uri("http://as.example/t#f")
    assert ["must use https", "must not contain a uri fragment"] == list(caught.value.errors())


@responses.activate
def test_a_refresh_answer_without_refresh_token_keeps_the_one_used_before_hooks_see_it() -> None:
    # RFC 6749 section 6: a server that does not rotate may leave it out. Stubbed here:
    # the test server always rotates or resends it.
    responses.post(TOKEN_ENDPOINT, json={"access_token": "at2", "expires_in": 60})
    seen: list[str | None] = []

    class Store:
        @hookimpl
        def oauth2kit_token_obtained(self, call: EndpointCall, token: BearerToken) -> None:
            seen.append(token.refresh_token)

    c = client_with(Store())
    token = c.refresh_token("rt-1")
    assert "rt-1" == token.refresh_token
    assert ["rt-1"] == seen


def test_verify_must_be_a_bool_or_a_ca_bundle_path() -> None:
    with pytest.raises(InvalidParam, match="verify must be a bool or the path of a CA bundle"):
        client().client_credentials(requests_kwargs={"verify": ""})


# --- fifth review ----------------------------------------------------------------------------


def test_redirects_cannot_be_turned_on() -> None:
    with pytest.raises(InvalidParam, match="'allow_redirects' cannot be passed"):
        client().client_credentials(requests_kwargs={"allow_redirects": True})


@responses.activate
def test_no_auth_means_none_not_the_session_auth_or_netrc() -> None:
    responses.post(f"{TOKEN_ENDPOINT}/x", json={"ok": True})
    session = requests.Session()
    session.auth = ("gateway-user", "gateway-password")
    c = client(session=session, x_endpoint=f"{TOKEN_ENDPOINT}/x")
    with pytest.raises(OAuth2Error):  # nothing parses this endpoint: the request is what counts
        c.request_endpoint("x_endpoint", auth=False)
    assert "Authorization" not in responses.calls[0].request.headers


@pytest.mark.parametrize("scope", [[], ["read", ""], ["read write"]])
def test_malformed_scope_lists_are_refused(scope: list[str]) -> None:
    with pytest.raises(InvalidScopeParam):
        client().client_credentials(scope=scope)


def test_form_content_type_with_a_charset_is_a_form() -> None:
    request = requests.Request(
        "POST",
        TOKEN_ENDPOINT,
        data={"a": "b"},
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"},
    ).prepare()
    assert "client_secret=s" in str(ClientSecretPost("c", "s")(request).body)


def test_outside_a_client_a_method_keeps_repeated_form_fields() -> None:
    data = [("resource", "https://a.example"), ("resource", "https://b.example"), ("x", "1")]
    request = requests.Request("POST", TOKEN_ENDPOINT, data=data).prepare()
    body = parse_qs(str(ClientSecretPost("c", "s")(request).body))
    expected = {"resource": ["https://a.example", "https://b.example"], "x": ["1"]}
    assert {**expected, "client_id": ["c"], "client_secret": ["s"]} == body


class Meddler:
    """A prepare hook that changes the call with `action`."""

    def __init__(self, action: Callable[[EndpointCall], None]) -> None:
        self.action = action

    @hookimpl
    def oauth2kit_prepare_request(self, call: EndpointCall) -> None:
        self.action(call)


def _set_json(call: EndpointCall) -> None:
    call.json = {"a": 1}  # type: ignore[attr-defined]


def _set_transport_dict(call: EndpointCall) -> None:
    call.transport = {"auth": ("u", "p")}  # type: ignore[assignment]


def _set_bad_timeout(call: EndpointCall) -> None:
    call.transport = attrs.evolve(call.transport, timeout="soon")


def _set_form_dict(call: EndpointCall) -> None:
    call.form["claims"] = {"id_token": {}}


def _set_form_surrogate(call: EndpointCall) -> None:
    call.form["audience"] = "a\ud800"


def _set_header_crlf(call: EndpointCall) -> None:
    call.headers["X-Trace"] = "1\r\nX-Evil: 1"


def _set_header_name_crlf(call: EndpointCall) -> None:
    call.headers["X-Trace\r\nX-Evil"] = "1"


@pytest.mark.parametrize(
    ("action", "error", "message"),
    [
        # Not oauth2kit errors, from what the hook did: PluginErrors naming the hook.
        (_set_json, PluginError, "oauth2kit_prepare_request hook raised AttributeError"),
        (_set_transport_dict, PluginError, "oauth2kit_prepare_request hook raised TypeError"),
        # Checked as set: the InvalidParam raised inside the hook stays an InvalidParam.
        (_set_bad_timeout, InvalidParam, "timeout must be None, positive seconds"),
        (_set_form_dict, InvalidParam, "form field 'claims'"),
        (_set_form_surrogate, InvalidParam, "form field 'audience'"),
        (_set_header_crlf, InvalidParam, "header 'X-Trace' cannot be sent"),
        (_set_header_name_crlf, InvalidParam, "cannot be sent"),
    ],
)  # fmt: skip
@responses.activate
def test_hooks_that_leave_what_requests_cannot_send_are_refused(
    action: Callable[[EndpointCall], None], error: type[Exception], message: str
) -> None:
    responses.post(TOKEN_ENDPOINT, status=200, json={"access_token": "t"})
    with pytest.raises(error, match=message) as caught:
        client_with(Meddler(action)).client_credentials()
    assert error is type(caught.value)
    assert 0 == len(responses.calls)


def _replace_form(call: EndpointCall) -> None:
    call.form = {"claims": {"id_token": {}}}  # type: ignore[assignment]


def _replace_headers(call: EndpointCall) -> None:
    call.headers = {"X-Trace": "1\r\nX-Evil: 1"}  # type: ignore[assignment]


@pytest.mark.parametrize("action", [_replace_form, _replace_headers])
@responses.activate
def test_a_form_or_headers_a_hook_replaces_are_checked_too(
    action: Callable[[EndpointCall], None],
) -> None:
    responses.post(TOKEN_ENDPOINT, status=200, json={"access_token": "t"})
    # Converted and checked (InvalidParam), or refused as not a Form/Headers (PluginError).
    with pytest.raises((InvalidParam, PluginError)):
        client_with(Meddler(action)).client_credentials()
    assert 0 == len(responses.calls)


@responses.activate
def test_a_status_code_set_to_garbage_by_a_hook_is_a_plugin_error() -> None:
    responses.post(TOKEN_ENDPOINT, status=200, json={"access_token": "t"})

    class Fixer:
        @hookimpl
        def oauth2kit_fixup_response(self, call: EndpointCall, response: EndpointResponse) -> None:
            response.status_code = "200"  # type: ignore[assignment]

    c = client_with(Fixer())
    with pytest.raises(PluginError, match="set status_code to '200'"):
        c.client_credentials()


@responses.activate
def test_cookies_set_by_a_hook_are_sent() -> None:
    responses.post(TOKEN_ENDPOINT, json={"access_token": "t"})

    class Cookies:
        @hookimpl
        def oauth2kit_prepare_request(self, call: EndpointCall) -> None:
            call.transport = attrs.evolve(call.transport, cookies={"affinity": "node-2"})

    client_with(Cookies()).client_credentials()
    assert "affinity=node-2" == responses.calls[0].request.headers["Cookie"]


@pytest.mark.parametrize(
    ("requests_kwargs", "message"),
    [
        ({"headers": {"X\r\nY": "1"}}, "cannot be sent"),
        ({"cookies": {"a": "v; admin=1"}}, "cookies must be a CookieJar or a mapping"),
    ],
)
def test_header_and_cookie_names_and_values_that_break_the_request_are_refused(
    requests_kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidParam, match=message):
        client().client_credentials(requests_kwargs=requests_kwargs)


def test_a_non_ascii_access_token_is_refused() -> None:
    with pytest.raises(InvalidParam, match="must not contain whitespace, control or non-ASCII"):
        BearerToken("tok\u20acen")


def test_empty_refresh_and_id_tokens_are_none() -> None:
    token = BearerToken.from_response({"access_token": "a", "refresh_token": "", "id_token": ""})
    assert (None, None) == (token.refresh_token, token.id_token)


def test_is_expired_checks_its_leeway() -> None:
    with pytest.raises(InvalidParam, match="leeway must be a number"):
        BearerToken("a", expires_in=10).is_expired("5")  # type: ignore[arg-type]


def test_a_password_split_by_slashes_does_not_show() -> None:
    with pytest.raises(InvalidEndpointUri) as caught:
        OAuth2Client("https:/user:pa//ss@as.example/token", client_id="c")
    assert "pa" not in caught.value.uri


@responses.activate
def test_a_non_standard_expires_at_member_is_read_or_ignored_never_fatal() -> None:
    # Some servers send epoch seconds beside (or instead of) expires_in; the test server
    # does not, hence the stub.
    answers = [
        {"access_token": "a", "expires_in": 60, "expires_at": 1},
        {"access_token": "a", "expires_at": time.time() + 120},
        {"access_token": "a", "expires_at": "tomorrow"},
        {"access_token": "a", "expires_at": 10**400},
    ]
    for answer in answers:
        responses.post(TOKEN_ENDPOINT, json=answer)
    both, alone, junk, huge = (client().client_credentials() for _ in answers)
    assert both.expires_in is not None
    assert 55 <= both.expires_in <= 60
    assert alone.expires_in is not None
    assert 115 <= alone.expires_in <= 120
    assert junk.expires_at is None
    assert huge.expires_at is None

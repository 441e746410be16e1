"""Mutual-TLS client authentication and certificate-bound tokens (RFC 8705).

The integration tests run against the test server's mTLS listener (tests/as/): the clients
``mtls-client`` (tls_client_auth), ``mtls-self-signed`` (self_signed_tls_client_auth) and
``mtls-bound`` (a client secret, but certificate-bound tokens). The unit tests check the
certificate and the ``mtls_endpoint_aliases`` setting where they enter, and build real calls
without sending them.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

import attrs
import pytest
import requests
from as_server import AuthServer
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from oauth2kit import (
    BearerToken,
    EndpointCall,
    EndpointResponse,
    Form,
    Headers,
    InvalidClient,
    InvalidClientCertificate,
    InvalidEndpointUri,
    InvalidMtlsEndpointAliases,
    OAuth2Client,
    OAuth2ClientCredentialsAuth,
    PluginDisabled,
    PluginHost,
    PluginNotAvailable,
    SelfSignedTlsClientAuth,
    TlsClientAuth,
    TransportError,
    UnsupportedClientCredentials,
    hookimpl,
)

TLS = Path(__file__).resolve().parent / "as" / "keys" / "tls"
MTLS_CLIENT = (str(TLS / "mtls-client.pem"), str(TLS / "mtls-client.key"))
OTHER_CLIENT = (str(TLS / "other-client.pem"), str(TLS / "other-client.key"))
SELF_SIGNED = (str(TLS / "self-signed-client.pem"), str(TLS / "self-signed-client.key"))
AS = "https://as.example"
ALIASES = {"token_endpoint": "https://mtls.as.example/token"}


def one_pem(tmp_path: Path, cert: tuple[str, str], name: str = "client.pem") -> str:
    """The certificate and its key in one PEM file, the other form `requests` takes."""
    path = tmp_path / name
    path.write_bytes(Path(cert[0]).read_bytes() + Path(cert[1]).read_bytes())
    return str(path)


def thumbprint(cert_path: str) -> str:
    """The certificate's ``x5t#S256`` (RFC 8705 section 3.1): what a bound token carries."""
    der = x509.load_pem_x509_certificate(Path(cert_path).read_bytes()).public_bytes(
        serialization.Encoding.DER
    )
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()


def loaded_host() -> PluginHost:
    """A host of the test's own, with both mutual-TLS plugins imported."""
    host = PluginHost()
    host.client_auth_methods.get("tls_client_auth")
    host.client_auth_methods.get("self_signed_tls_client_auth")
    return host


def prepared(client: OAuth2Client, endpoint: str, url: str | None = None) -> EndpointCall:
    """A real call as the pipeline builds it, after the request hooks; nothing is sent."""
    call = EndpointCall(
        client, endpoint, url or client.endpoint_uri(endpoint), Form(), Headers(), client.transport
    )
    client.hook("oauth2kit_prepare_request", call=call)
    return call


# --- the certificate, checked where it enters ----------------------------------------------


@pytest.mark.parametrize("method", [TlsClientAuth, SelfSignedTlsClientAuth])
def test_a_pair_or_one_pem_is_kept_with_absolute_paths(
    method: type[TlsClientAuth], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert method("c", MTLS_CLIENT).cert == MTLS_CLIENT
    assert method("c", [Path(MTLS_CLIENT[0]), Path(MTLS_CLIENT[1])]).cert == MTLS_CLIENT  # type: ignore[arg-type] # a list, accepted too
    bundle = one_pem(tmp_path, MTLS_CLIENT)
    monkeypatch.chdir(tmp_path)
    # A relative path is resolved now: later requests do not depend on the cwd.
    assert method("c", "client.pem").cert == bundle


@pytest.mark.parametrize(
    ("cert", "message"),
    [
        ((str(TLS / "missing.pem"), MTLS_CLIENT[1]), "cannot read the client certificate file"),
        (str(TLS), "cannot read the client certificate file"),  # a directory
        (MTLS_CLIENT[0], "holds no usable PEM private key"),  # one file, but no key in it
        ((MTLS_CLIENT[1], MTLS_CLIENT[0]), "holds no PEM certificate"),  # swapped
        ((MTLS_CLIENT[0], OTHER_CLIENT[1]), "does not belong to the client certificate"),
        (42, "got int"),
        ((MTLS_CLIENT[0],), "got tuple"),
        ((MTLS_CLIENT[0], b"key.pem"), "non-empty strs, got bytes"),
        (("", MTLS_CLIENT[1]), "non-empty strs, got str"),
    ],
)
def test_a_bad_certificate_is_refused_when_the_method_is_built(cert: Any, message: str) -> None:
    with pytest.raises(InvalidClientCertificate, match=re.escape(message)) as caught:
        TlsClientAuth("mtls-client", cert)
    # The kernel's family for credentials that do not fit: a TypeError and a ValueError.
    assert isinstance(caught.value, UnsupportedClientCredentials)


def test_an_encrypted_key_is_refused_as_requests_cannot_use_it(tmp_path: Path) -> None:
    key = serialization.load_pem_private_key(Path(MTLS_CLIENT[1]).read_bytes(), password=None)
    encrypted = tmp_path / "encrypted.key"
    encrypted.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"passphrase"),
        )
    )
    with pytest.raises(InvalidClientCertificate, match="is encrypted"):
        TlsClientAuth("mtls-client", (MTLS_CLIENT[0], str(encrypted)))


def test_a_generated_key_is_not_a_certificate(tmp_path: Path) -> None:
    """A key alone, in one file, is refused: `requests` needs the certificate too."""
    key = ec.generate_private_key(ec.SECP256R1())
    path = tmp_path / "key-only.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(InvalidClientCertificate, match="holds no PEM certificate"):
        SelfSignedTlsClientAuth("mtls-self-signed", str(path))


def test_a_file_too_large_for_a_certificate_is_not_read_whole(tmp_path: Path) -> None:
    big = tmp_path / "big.pem"
    big.write_bytes(b"x" * (2 * 1024 * 1024))
    with pytest.raises(InvalidClientCertificate, match="larger than"):
        TlsClientAuth("mtls-client", str(big))


def test_the_constructor_builds_the_method_from_the_credential(tmp_path: Path) -> None:
    bundle = one_pem(tmp_path, SELF_SIGNED)
    client = OAuth2Client(
        f"{AS}/token",
        auth=("mtls-self-signed", bundle),
        token_endpoint_auth_method="self_signed_tls_client_auth",
        plugins=PluginHost(),
    )
    assert client.auth == SelfSignedTlsClientAuth("mtls-self-signed", bundle)
    with pytest.raises(InvalidClientCertificate, match="holds no usable PEM private key"):
        OAuth2Client(
            f"{AS}/token",
            auth=("mtls-client", MTLS_CLIENT[0]),
            token_endpoint_auth_method="tls_client_auth",
            plugins=PluginHost(),
        )
    with pytest.raises(UnsupportedClientCredentials, match="cannot be used with no credential"):
        OAuth2Client(
            f"{AS}/token",
            client_id="mtls-client",
            token_endpoint_auth_method="tls_client_auth",
            plugins=PluginHost(),
        )


def test_repr_names_the_files_and_never_holds_key_material(tmp_path: Path) -> None:
    bundle = one_pem(tmp_path, MTLS_CLIENT)
    method = TlsClientAuth("mtls-client", bundle)
    client = OAuth2Client(f"{AS}/token", auth=method, plugins=loaded_host())
    key_body = Path(MTLS_CLIENT[1]).read_text().splitlines()[1]
    for text in (repr(method), str(method), repr(client)):
        assert "BEGIN" not in text
        assert key_body not in text
    assert repr(method) == f"TlsClientAuth(client_id='mtls-client', cert={bundle!r})"


def test_a_blocked_plugin_is_named() -> None:
    with pytest.raises(PluginDisabled, match=r"auth\.tls_client_auth"):
        OAuth2Client(
            f"{AS}/token",
            auth=("mtls-client", MTLS_CLIENT[0]),
            token_endpoint_auth_method="tls_client_auth",
            disable_plugins=["auth.tls_client_auth"],
            plugins=PluginHost(),
        )


# --- mtls_endpoint_aliases, checked where it enters -------------------------------------------


def test_aliases_are_checked_once_and_kept_read_only() -> None:
    given = {**ALIASES, "registration_endpoint": "https://mtls.as.example/reg"}
    client = OAuth2Client(
        f"{AS}/token", auth="app", mtls_endpoint_aliases=given, plugins=PluginHost()
    )
    given["token_endpoint"] = "https://evil.example/token"  # the client kept what it checked
    assert client.mtls_endpoint_aliases["token_endpoint"] == ALIASES["token_endpoint"]
    # An alias of an endpoint the client does not use is kept: discovery lists them all.
    assert client.mtls_endpoint_aliases["registration_endpoint"] == "https://mtls.as.example/reg"
    with pytest.raises(TypeError):
        client.mtls_endpoint_aliases["token_endpoint"] = "https://evil.example/token"


@pytest.mark.parametrize(
    ("aliases", "error", "message"),
    [
        (["https://mtls.as.example/token"], InvalidMtlsEndpointAliases, "got list"),
        ({1: "https://mtls.as.example/token"}, InvalidMtlsEndpointAliases, "got 1"),
        ({"token_endpoint": "http://127.0.0.1:8443/token"}, InvalidMtlsEndpointAliases, "https"),
        ({"token_endpoint": "http://mtls.as.example/token"}, InvalidEndpointUri, "must use https"),
        ({"token_endpoint": "https://mtls.as.example/"}, InvalidEndpointUri, "must include a path"),
        ({"token_endpoint": None}, InvalidEndpointUri, "mtls_endpoint_aliases['token_endpoint']"),
    ],
)
def test_bad_aliases_fail_the_constructor(
    aliases: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=re.escape(message)):
        OAuth2Client(f"{AS}/token", auth="app", mtls_endpoint_aliases=aliases, plugins=PluginHost())


# --- which requests carry the certificate, and where they go ----------------------------------


def test_every_request_of_a_certificate_client_carries_it_to_the_aliases() -> None:
    client = OAuth2Client(
        f"{AS}/token",
        auth=TlsClientAuth("mtls-client", MTLS_CLIENT),
        revocation_endpoint=f"{AS}/revoke",
        mtls_endpoint_aliases=ALIASES,
        plugins=loaded_host(),
    )
    token = prepared(client, "token_endpoint")
    assert (token.url, token.transport.cert) == (ALIASES["token_endpoint"], MTLS_CLIENT)
    # No alias for revocation: the plain endpoint, still with the certificate.
    revocation = prepared(client, "revocation_endpoint")
    assert (revocation.url, revocation.transport.cert) == (f"{AS}/revoke", MTLS_CLIENT)
    # One derived transport per certificate, not one per request.
    assert token.transport is revocation.transport
    assert client.transport.cert is None  # the client's own transport is untouched


def test_the_alias_keeps_the_query_and_leaves_other_plugins_urls_alone() -> None:
    client = OAuth2Client(
        f"{AS}/token",
        auth=TlsClientAuth("mtls-client", MTLS_CLIENT),
        mtls_endpoint_aliases={"token_endpoint": "https://mtls.as.example/token?tenant=a"},
        plugins=loaded_host(),
    )
    call = prepared(client, "token_endpoint", f"{AS}/token?probe=1")
    assert call.url == "https://mtls.as.example/token?tenant=a&probe=1"
    client.hook("oauth2kit_prepare_request", call=call)  # a retry runs the hooks again
    assert call.url == "https://mtls.as.example/token?tenant=a&probe=1"
    elsewhere = prepared(client, "token_endpoint", "https://vendor.example/token")
    assert elsewhere.url == "https://vendor.example/token"


def test_a_client_authenticating_otherwise_uses_the_aliases_only_with_a_certificate() -> None:
    session = requests.Session()
    plain = OAuth2Client(
        f"{AS}/token", auth=("c", "s"), mtls_endpoint_aliases=ALIASES, plugins=loaded_host()
    )
    assert prepared(plain, "token_endpoint").url == f"{AS}/token"
    session.cert = MTLS_CLIENT
    bound = OAuth2Client(
        f"{AS}/token",
        auth=("c", "s"),
        session=session,
        mtls_endpoint_aliases=ALIASES,
        plugins=loaded_host(),
    )
    call = prepared(bound, "token_endpoint")
    # The session presents its certificate itself; the call goes where it is asked for.
    assert (call.url, call.transport.cert) == (ALIASES["token_endpoint"], None)


def test_another_certificate_for_one_call_is_refused_before_sending() -> None:
    client = OAuth2Client(
        f"{AS}/token", auth=TlsClientAuth("mtls-client", MTLS_CLIENT), plugins=loaded_host()
    )
    with pytest.raises(InvalidClientCertificate, match="another certificate"):
        client.client_credentials(requests_kwargs={"cert": OTHER_CLIENT})


def test_a_method_given_as_an_instance_brings_its_plugin() -> None:
    # The plugin presents the certificate: a client given the method itself loads it (the
    # family is lazy), and refuses it when the plugin is blocked for that client.
    host = PluginHost()
    assert host.status("auth.tls_client_auth") is None  # not imported yet
    OAuth2Client(f"{AS}/token", auth=TlsClientAuth("mtls-client", MTLS_CLIENT), plugins=host)
    assert host.is_loaded("auth.tls_client_auth")
    with pytest.raises(PluginDisabled, match=r"'auth\.tls_client_auth'"):
        OAuth2Client(
            f"{AS}/token", auth=TlsClientAuth("mtls-client", MTLS_CLIENT), plugins=host,
            disable_plugins=["auth.tls_client_auth"],
        )  # fmt: skip


def test_a_call_without_the_certificate_is_refused_before_it_is_sent() -> None:
    # The plugin that presents it is unregistered after the client was built: the call
    # would go out unauthenticated, with an answer that would not say why.
    host = loaded_host()
    client = OAuth2Client(
        f"{AS}/token", auth=TlsClientAuth("mtls-client", MTLS_CLIENT), plugins=host
    )
    call = prepared(client, "token_endpoint")
    assert isinstance(client.auth, TlsClientAuth)
    client.auth.authenticate_call(call)  # presented by the hook: the form gets the client_id
    assert "mtls-client" == call.form["client_id"]
    host.unregister("auth.tls_client_auth")
    with pytest.raises(PluginNotAvailable, match="certificate was not presented"):
        client.auth.authenticate_call(prepared(client, "token_endpoint"))
    other = prepared(client, "token_endpoint")
    other.transport = attrs.evolve(other.transport, cert=OTHER_CLIENT)
    with pytest.raises(PluginNotAvailable, match="certificate was not presented"):
        client.auth.authenticate_call(other)  # another certificate is not this one


# --- end to end, on the test server's mTLS listener -------------------------------------------


@pytest.fixture
def server_ca(auth_server: AuthServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust the test server's CA, for the client's requests and the tests' own.

    Through the environment, as a deployment with a private CA may do; a client's session can
    carry it instead (``session.verify``), as the test after this fixture shows.
    """
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", auth_server.tls_file("ca.pem"))


def cert_session(cert: tuple[str, str]) -> requests.Session:
    """The two-line recipe: a session that presents a client certificate."""
    session = requests.Session()
    session.cert = cert
    return session


def protected(server: AuthServer, token: Any, cert: tuple[str, str] | None) -> requests.Response:
    """GET the protected resource on the mTLS listener, with or without a certificate."""
    session = cert_session(cert) if cert else requests.Session()
    return session.get(server.mtls_url("/test/protected"), auth=token, timeout=10)


def aliases_of(server: AuthServer) -> dict[str, str]:
    aliases: dict[str, str] = server.discovery["mtls_endpoint_aliases"]
    return aliases


@pytest.mark.integration
@pytest.mark.usefixtures("server_ca")
@pytest.mark.parametrize("form", ["method name, one PEM file", "auth instance, a pair"])
def test_tls_client_auth_gets_a_token_bound_to_the_certificate(
    auth_server: AuthServer, tmp_path: Path, form: str
) -> None:
    host = PluginHost()
    if form.startswith("method name"):
        auth: dict[str, Any] = {
            "auth": ("mtls-client", one_pem(tmp_path, MTLS_CLIENT)),
            "token_endpoint_auth_method": "tls_client_auth",
        }
    else:
        host.client_auth_methods.get("tls_client_auth")  # see test_a_method_whose_plugin...
        auth = {"auth": TlsClientAuth("mtls-client", MTLS_CLIENT)}
    client = OAuth2Client(
        auth_server.token_endpoint,
        mtls_endpoint_aliases=aliases_of(auth_server),
        plugins=host,
        **auth,
    )

    token = client.client_credentials(scope="api:read")

    answer = protected(auth_server, token, MTLS_CLIENT)
    assert answer.status_code == 200, answer.text
    assert answer.json()["client_id"] == "mtls-client"
    assert answer.json()["x5t"] == thumbprint(MTLS_CLIENT[0])
    # Bound: the same token without the certificate, or with another one, is refused.
    assert protected(auth_server, token, None).status_code == 401
    assert protected(auth_server, token, OTHER_CLIENT).status_code == 401


@pytest.mark.integration
@pytest.mark.usefixtures("server_ca")
def test_an_auth_handler_of_the_mtls_client_works_with_a_certificate_session(
    auth_server: AuthServer, tmp_path: Path
) -> None:
    client = OAuth2Client(
        auth_server.token_endpoint,
        auth=("mtls-client", one_pem(tmp_path, MTLS_CLIENT)),
        token_endpoint_auth_method="tls_client_auth",
        mtls_endpoint_aliases=aliases_of(auth_server),
        plugins=PluginHost(),
    )
    handler = OAuth2ClientCredentialsAuth(client, scope="api:read")
    session = cert_session(MTLS_CLIENT)

    answers = [session.get(auth_server.mtls_url("/test/protected"), auth=handler, timeout=10)]
    answers.append(session.get(auth_server.mtls_url("/test/protected"), auth=handler, timeout=10))

    assert [answer.status_code for answer in answers] == [200, 200]
    assert isinstance(handler.token, BearerToken)
    assert answers[0].json()["x5t"] == thumbprint(MTLS_CLIENT[0])


@pytest.mark.integration
@pytest.mark.usefixtures("server_ca")
def test_tls_client_auth_with_a_certificate_of_another_subject_is_refused(
    auth_server: AuthServer,
) -> None:
    # other-client.pem comes from the same CA; mtls-client registered another subject DN.
    client = OAuth2Client(
        auth_server.token_endpoint,
        auth=TlsClientAuth("mtls-client", OTHER_CLIENT),
        mtls_endpoint_aliases=aliases_of(auth_server),
        plugins=loaded_host(),
    )
    with pytest.raises(InvalidClient):
        client.client_credentials(scope="api:read")


@pytest.mark.integration
@pytest.mark.usefixtures("server_ca")
def test_without_the_aliases_the_certificate_cannot_reach_the_plain_endpoint(
    auth_server: AuthServer,
) -> None:
    # The issuer's own endpoints are plain http: no TLS, so no certificate to present.
    client = OAuth2Client(
        auth_server.token_endpoint,
        auth=TlsClientAuth("mtls-client", MTLS_CLIENT),
        plugins=loaded_host(),
    )
    with pytest.raises(InvalidClient):
        client.client_credentials(scope="api:read")


@pytest.mark.integration
@pytest.mark.usefixtures("server_ca")
def test_self_signed_tls_client_auth_gets_a_token_bound_to_its_certificate(
    auth_server: AuthServer, tmp_path: Path
) -> None:
    client = OAuth2Client(
        auth_server.token_endpoint,
        auth=("mtls-self-signed", one_pem(tmp_path, SELF_SIGNED)),
        token_endpoint_auth_method="self_signed_tls_client_auth",
        mtls_endpoint_aliases=aliases_of(auth_server),
        plugins=PluginHost(),
    )
    assert isinstance(client.auth, SelfSignedTlsClientAuth)

    token = client.client_credentials(scope="api:read")

    answer = protected(auth_server, token, SELF_SIGNED)
    assert answer.status_code == 200, answer.text
    assert answer.json()["client_id"] == "mtls-self-signed"
    assert answer.json()["x5t"] == thumbprint(SELF_SIGNED[0])
    assert protected(auth_server, token, MTLS_CLIENT).status_code == 401


@pytest.mark.integration
@pytest.mark.usefixtures("server_ca")
def test_self_signed_tls_client_auth_with_an_unregistered_certificate_is_refused(
    auth_server: AuthServer,
) -> None:
    # A CA-issued certificate is not the self-signed one the client registered.
    client = OAuth2Client(
        auth_server.token_endpoint,
        auth=SelfSignedTlsClientAuth("mtls-self-signed", MTLS_CLIENT),
        mtls_endpoint_aliases=aliases_of(auth_server),
        plugins=loaded_host(),
    )
    with pytest.raises(InvalidClient):
        client.client_credentials(scope="api:read")


class SentUrls:
    """Records where each request of a client went, as the server answered it."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    @hookimpl
    def oauth2kit_fixup_response(self, call: EndpointCall, response: EndpointResponse) -> None:
        self.urls.append(str(response.response.request.url))


@pytest.mark.integration
@pytest.mark.usefixtures("server_ca")
def test_revocation_goes_to_its_alias_authenticated_by_the_certificate(
    auth_server: AuthServer,
) -> None:
    sent = SentUrls()
    host = loaded_host()
    host.register(sent, name="test.sent_urls")
    client = OAuth2Client(
        auth_server.token_endpoint,
        auth=TlsClientAuth("mtls-client", MTLS_CLIENT),
        revocation_endpoint=auth_server.discovery["revocation_endpoint"],
        mtls_endpoint_aliases=aliases_of(auth_server),
        plugins=host,
    )
    token = client.client_credentials(scope="api:read")
    assert protected(auth_server, token, MTLS_CLIENT).status_code == 200

    assert client.revoke_access_token(token) is True

    assert protected(auth_server, token, MTLS_CLIENT).status_code == 401
    aliases = aliases_of(auth_server)
    assert sent.urls == [aliases["token_endpoint"], aliases["revocation_endpoint"]]


@pytest.mark.integration
@pytest.mark.usefixtures("server_ca")
def test_a_secret_client_with_a_certificate_session_gets_bound_tokens(
    auth_server: AuthServer,
) -> None:
    # mtls-bound authenticates with its secret; its tokens are bound to the certificate
    # its session presents at the aliases.
    client = OAuth2Client(
        auth_server.token_endpoint,
        auth=("mtls-bound", "mtls-bound-secret"),
        token_endpoint_auth_method="client_secret_basic",
        session=cert_session(MTLS_CLIENT),
        mtls_endpoint_aliases=aliases_of(auth_server),
        plugins=PluginHost(),
    )

    token = client.client_credentials(scope="api:read")

    answer = protected(auth_server, token, MTLS_CLIENT)
    assert answer.status_code == 200, answer.text
    assert answer.json()["client_id"] == "mtls-bound"
    assert answer.json()["x5t"] == thumbprint(MTLS_CLIENT[0])
    assert protected(auth_server, token, None).status_code == 401


DOC = Path(__file__).resolve().parent.parent / "docs" / "flows" / "mtls.md"


@pytest.mark.integration
@pytest.mark.usefixtures("server_ca", "fresh_default_host")
def test_the_example_of_the_docs_runs(auth_server: AuthServer) -> None:
    example = re.search(r"```python\n(.*?)```", DOC.read_text(), re.DOTALL)
    assert example is not None
    # The same code, pointed at this run's server instead of the fixed ports it shows.
    code, count = re.subn(
        r"^(ISSUER|RESOURCE|TLS) = .*$",
        lambda line: {
            "ISSUER": f"ISSUER = {auth_server.issuer!r}",
            "RESOURCE": f"RESOURCE = {auth_server.mtls_url('/test/protected')!r}",
            "TLS": f"TLS = Path({str(TLS)!r})",
        }[line.group(1)],
        example.group(1),
        flags=re.MULTILINE,
    )
    assert count == 3
    exec(compile(code, str(DOC), "exec"), {})  # noqa: S102 - the documentation's own code


class ReplacesTheForm:
    """A plugin whose request hook, running after the others, sets a new form."""

    @hookimpl(trylast=True)
    def oauth2kit_prepare_request(self, call: EndpointCall) -> None:
        call.form = Form({**call.form, "audience": "urn:oauth2kit:test"})


@pytest.mark.integration
@pytest.mark.usefixtures("server_ca")
def test_a_later_hook_that_replaces_the_form_does_not_lose_the_certificate(
    auth_server: AuthServer,
) -> None:
    host = loaded_host()
    assert host.register(ReplacesTheForm(), name="test.new_form").status == "loaded"
    client = OAuth2Client(
        auth_server.token_endpoint,
        auth=TlsClientAuth("mtls-client", MTLS_CLIENT),
        mtls_endpoint_aliases=aliases_of(auth_server),
        plugins=host,
    )
    token = client.client_credentials(scope="api:read")
    assert protected(auth_server, token, MTLS_CLIENT).status_code == 200


@pytest.mark.integration
def test_the_sessions_ca_bundle_is_honoured(
    auth_server: AuthServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``session.verify`` trusts the private CA: the client leaves verification to the session."""
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    session = requests.Session()
    session.verify = auth_server.tls_file("ca.pem")
    client = OAuth2Client(
        auth_server.token_endpoint,
        auth=("mtls-client", one_pem(tmp_path, MTLS_CLIENT)),
        token_endpoint_auth_method="tls_client_auth",
        mtls_endpoint_aliases=aliases_of(auth_server),
        session=session,
        plugins=PluginHost(),
    )
    assert client.client_credentials(scope="api:read").access_token
    session.verify = True  # the system's CAs do not know the test server's
    with pytest.raises(TransportError, match=r"TLS failed|certificate"):
        client.client_credentials(scope="api:read")

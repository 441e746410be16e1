"""Every oauth2kit exception can be copied and pickled, with its attributes intact.

A pickled error may be stored (a task queue's result backend), so it leaves the client, any
token, the request's form body and its Authorization, DPoP and Cookie headers behind.
"""

from __future__ import annotations

import copy
import inspect
import json
import pickle
from collections.abc import Callable
from typing import Any

import pytest
import requests
from as_server import AuthServer

import oauth2kit
from oauth2kit import (
    BearerToken,
    InvalidClient,
    InvalidUri,
    MissingRefreshToken,
    OAuth2Client,
    OAuth2KitError,
    default_host,
)

TOKEN_ENDPOINT = "https://as.example/token"
# What a pickle must never hold.
SECRETS = (
    b"client-secret-value",
    b"form-secret-value",
    b"header-secret-value",
    b"dpop-proof-value",
    b"cookie-value",
    b"access-token-value",
    b"refresh-token-value",
)


def secret_request() -> requests.PreparedRequest:
    return requests.Request(
        "POST",
        TOKEN_ENDPOINT,
        data={"grant_type": "client_credentials", "client_secret": "form-secret-value"},
        headers={
            "Authorization": "Bearer header-secret-value",
            "DPoP": "dpop-proof-value",
            "Cookie": "session=cookie-value",
            "Accept": "application/json",
        },
    ).prepare()


def response(status: int = 400, body: object = None) -> requests.Response:
    answer = requests.Response()
    answer.status_code = status
    answer.url = TOKEN_ENDPOINT
    answer.request = secret_request()
    answer.headers["Content-Type"] = "application/json"
    answer._content = json.dumps(
        {"error": "invalid_client", "error_description": "bad secret"} if body is None else body
    ).encode()
    return answer


def token() -> BearerToken:
    return BearerToken("access-token-value", refresh_token="refresh-token-value")


Factory = Callable[[OAuth2Client], OAuth2KitError]


def endpoint_error(name: str) -> Factory:
    return lambda client: getattr(oauth2kit, name)(
        response(), client, "invalid_client", "bad secret", "https://as.example/errors"
    )


def oauth2_error(name: str) -> Factory:
    return lambda client: getattr(oauth2kit, name)(response(), client, "an odd answer")


def plain(name: str, *args: Any) -> Factory:
    return lambda _client: getattr(oauth2kit, name)(*args)


def invalid_endpoint_uri(name: str) -> Factory:
    return lambda _client: getattr(oauth2kit, name)(
        "token_endpoint", "http://u:p@as.example/t", InvalidUri("http://u:p@as.example/t", ["bad"])
    )


# Every exception oauth2kit exports, kernel-owned and plugin-owned, by its public name.
FACTORIES: dict[str, Factory] = {
    "OAuth2KitError": plain("OAuth2KitError", "something went wrong"),
    "PluginError": plain("PluginError", "a plugin misbehaved"),
    "RegistryConflict": plain("RegistryConflict", "grant_types", "magic", "vendor.a", "vendor.b"),
    "PluginNotAvailable": plain("PluginNotAvailable", "settings", "revocation_endpoint"),
    "PluginDisabled": plain("PluginDisabled", "grant_types", "magic", ("vendor.a",)),
    "ExportNotAvailable": plain("ExportNotAvailable", "extensions", "Magic", "no Magic here"),
    "UnknownGrantType": plain("UnknownGrantType", "grant_types", "magic"),
    "InvalidParam": plain("InvalidParam", "bad value"),
    "InvalidScopeParam": plain("InvalidScopeParam", 5),
    "InvalidUri": plain("InvalidUri", "http://u:p@as.example/t", ["must use https"]),
    "InvalidEndpointUri": invalid_endpoint_uri("InvalidEndpointUri"),
    "InvalidIssuer": invalid_endpoint_uri("InvalidIssuer"),
    "MissingEndpointUri": plain("MissingEndpointUri", "revocation_endpoint"),
    "UnsupportedClientCredentials": plain("UnsupportedClientCredentials", "no credential"),
    "InvalidRequestForClientAuthentication": lambda _client: (
        oauth2kit.InvalidRequestForClientAuthentication(secret_request())
    ),
    "MissingClientId": plain("MissingClientId", "no client_id"),
    "TransportError": lambda _client: oauth2kit.TransportError(
        "POST https://as.example/token failed: ConnectionError", request=secret_request()
    ),
    "ResponseTooLarge": lambda _client: oauth2kit.ResponseTooLarge(
        "https://as.example/token answered more than 1048576 bytes", request=secret_request()
    ),
    "ExpiredAccessToken": plain("ExpiredAccessToken", "the token expired"),
    "OAuth2Error": oauth2_error("OAuth2Error"),
    "InvalidTokenResponse": oauth2_error("InvalidTokenResponse"),
    "EndpointError": endpoint_error("EndpointError"),
    "TokenEndpointError": endpoint_error("TokenEndpointError"),
    "UnknownTokenEndpointError": endpoint_error("UnknownTokenEndpointError"),
    "InvalidRequest": endpoint_error("InvalidRequest"),
    "InvalidClient": endpoint_error("InvalidClient"),
    "InvalidGrant": endpoint_error("InvalidGrant"),
    "UnauthorizedClient": endpoint_error("UnauthorizedClient"),
    "UnsupportedGrantType": endpoint_error("UnsupportedGrantType"),
    "InvalidScope": endpoint_error("InvalidScope"),
    # Owned by plugins, reached as oauth2kit.<Name>.
    "ServerError": endpoint_error("ServerError"),
    "AccessDenied": endpoint_error("AccessDenied"),
    "InvalidTarget": endpoint_error("InvalidTarget"),
    "MissingRefreshToken": lambda _client: oauth2kit.MissingRefreshToken(token()),
    "NonRenewableTokenError": plain("NonRenewableTokenError", "no way to get a token"),
}


def sample_of(name: str) -> Factory:
    """A sample of exception `name`, built from its constructor's parameters by their names.

    For the many exceptions plugins bring: an endpoint error takes a response, the client
    and an error code; the others get a sample value per parameter name (a message for any
    name not known here). A constructor this cannot satisfy fails the test that uses it,
    which then needs an entry in `FACTORIES`.
    """
    cls = getattr(oauth2kit, name)
    if issubclass(cls, oauth2kit.EndpointError):
        return endpoint_error(name)
    if issubclass(cls, oauth2kit.OAuth2Error):
        return oauth2_error(name)

    def build(client: OAuth2Client) -> OAuth2KitError:
        samples = {
            "client": client,
            "token": token(),
            "response": response(),
            "request": secret_request(),
        }
        try:
            parameters = list(inspect.signature(cls).parameters.values())
        except ValueError:  # Exception's own constructor: a message
            parameters = [inspect.Parameter("message", inspect.Parameter.POSITIONAL_ONLY)]
        arguments = [
            samples.get(param.name, f"sample {param.name}")
            for param in parameters
            if param.default is inspect.Parameter.empty
            and param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD)
        ]
        error: OAuth2KitError = cls(*arguments)
        return error

    return build


def exported_exceptions() -> set[str]:
    """The exception classes of the package root and of the default host's plugins."""
    host = default_host()
    host.load_all()
    names = {*oauth2kit.__all__, *(entry.name for entry in host.extensions)}
    return {
        name
        for name in names
        if isinstance(value := getattr(oauth2kit, name), type) and issubclass(value, BaseException)
    }


# The hand-written samples, and one derived from its constructor for every other exception.
SAMPLES: dict[str, Factory] = {
    name: FACTORIES.get(name) or sample_of(name) for name in sorted(exported_exceptions())
}


@pytest.fixture(scope="module")
def client() -> OAuth2Client:
    return OAuth2Client(TOKEN_ENDPOINT, client_id="c", client_secret="client-secret-value")


def test_every_exported_exception_has_a_sample(fresh_default_host: None) -> None:
    exported = exported_exceptions()
    assert set(SAMPLES) == exported
    assert [] == sorted(set(FACTORIES) - exported)  # no stale hand-written sample
    for name in ("ServerError", "MissingRefreshToken", "NonRenewableTokenError"):
        assert name not in oauth2kit.__all__  # reached through its plugin


def _same(a: BaseException, b: BaseException) -> None:
    assert type(a) is type(b)
    assert a.args == b.args
    assert str(a) == str(b)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_copy_and_pickle_keep_type_message_and_attributes(name: str, client: OAuth2Client) -> None:
    error = SAMPLES[name](client)
    assert name == type(error).__name__
    for clone in (copy.copy(error), pickle.loads(pickle.dumps(error))):
        assert clone is not error
        _same(error, clone)
        assert sorted(vars(error)) == sorted(vars(clone))
    assert vars(error) == vars(copy.copy(error))


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_a_pickle_leaves_the_client_tokens_and_request_secrets_behind(
    name: str, client: OAuth2Client
) -> None:
    error = SAMPLES[name](client)
    pickled = pickle.dumps(error)
    assert [] == [secret for secret in SECRETS if secret in pickled]
    unpickled = pickle.loads(pickled)
    for attribute in ("client", "token"):
        if attribute in vars(error):
            assert None is getattr(unpickled, attribute)
    for request in (
        vars(unpickled).get("request"),
        getattr(vars(unpickled).get("response"), "request", None),
    ):
        if isinstance(request, requests.PreparedRequest):
            assert None is request.body
            assert [] == [h for h in ("Authorization", "DPoP", "Cookie") if h in request.headers]
            assert "application/json" == request.headers["Accept"]  # the rest is kept
            assert TOKEN_ENDPOINT == request.url


def test_a_copy_keeps_the_client_and_the_request() -> None:
    client = OAuth2Client(TOKEN_ENDPOINT, client_id="c", client_secret="client-secret-value")
    error = InvalidClient(response(), client, "invalid_client", "bad secret")
    copied = copy.copy(error)
    assert client is copied.client
    assert error.response is copied.response
    assert "grant_type=client_credentials&client_secret=form-secret-value" == copied.request.body


def test_a_pickled_success_that_could_not_be_used_leaves_its_body_behind() -> None:
    # An unusable token response (HTTP 200) may still hold tokens.
    answer = response(200, {"access_token": "access-token-value", "token_type": "Weird"})
    error = oauth2kit.InvalidTokenResponse(answer, None, "unsupported token_type 'Weird'")
    pickled = pickle.dumps(error)
    assert b"access-token-value" not in pickled
    unpickled = pickle.loads(pickled)
    assert (200, b"") == (unpickled.response.status_code, unpickled.response.content)
    assert answer.content == error.response.content  # the original keeps its body


def test_a_pickled_endpoint_error_keeps_its_error_response() -> None:
    error = InvalidClient(response(), None, "invalid_client", "bad secret", "https://e.example")
    unpickled = pickle.loads(pickle.dumps(error))
    assert ("invalid_client", "bad secret", "https://e.example") == (
        unpickled.error,
        unpickled.description,
        unpickled.uri,
    )
    assert (400, error.response.json()) == (
        unpickled.response.status_code,
        unpickled.response.json(),
    )


@pytest.mark.integration
def test_a_real_endpoint_error_crosses_a_process_boundary(auth_server: AuthServer) -> None:
    client = OAuth2Client(
        auth_server.token_endpoint, client_id="cc-basic", client_secret="wrong-secret-value"
    )
    with pytest.raises(InvalidClient) as caught:
        client.client_credentials()
    error = caught.value

    pickled = pickle.dumps(error)
    assert b"wrong-secret-value" not in pickled  # the request's form stays behind
    unpickled = pickle.loads(pickled)
    _same(error, unpickled)
    assert (error.error, error.description) == (unpickled.error, unpickled.description)
    assert 401 == unpickled.response.status_code
    assert error.response.json() == unpickled.response.json()
    assert None is unpickled.client  # a client (session, plugins) stays in its process

    copied = copy.copy(error)
    _same(error, copied)
    assert client is copied.client


def test_a_pickled_error_leaves_tokens_behind() -> None:
    error = MissingRefreshToken(BearerToken("access-token-value"))
    assert b"access-token-value" not in pickle.dumps(error)
    assert None is pickle.loads(pickle.dumps(error)).token

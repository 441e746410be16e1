"""The kernel's checks at their edges, second pass: replacers that import their originals,
block lists read once, errors that copy and pickle whole, huge values in messages, proxies,
and token subclasses that set attributes in their own ``__init__``.
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from typing import Any

import pytest
import requests.auth
from as_server import AuthServer
from runtime_plugins import EchoGrant, make_plugin

import oauth2kit
from oauth2kit import (
    BearerToken,
    EndpointCall,
    EndpointResponse,
    OAuth2Client,
    OAuth2KitError,
    PluginError,
    PluginHost,
    Transport,
    hookimpl,
)

TOKEN_ENDPOINT = "https://as.example/token"
DOCUMENT = {"issuer": "https://as.example", "token_endpoint": TOKEN_ENDPOINT}
HUGE = 10**5000  # more digits than int.__repr__ writes


def offline_client(**kwargs: Any) -> OAuth2Client:
    """A client for checks that end before anything is sent."""
    return OAuth2Client(TOKEN_ENDPOINT, client_id="c", client_secret="s", **kwargs)


# --- nested registrations -------------------------------------------------------------------


def test_an_original_imported_during_its_replacers_registration_is_not_a_conflict() -> None:
    """The lazy original of an entry its replacer staged (replace=True) goes underneath it."""

    def vendor_revoke(client: OAuth2Client, **params: Any) -> str:
        return "vendor"

    def oauth2kit_register_operations(registry: Any) -> None:
        registry.add("revoke_token", vendor_revoke, replace=True)
        registry.get("revoke_access_token")  # imports endpoint.revocation, the original

    host = PluginHost()
    plugin = make_plugin(
        "vendor_revoker", oauth2kit_register_operations=oauth2kit_register_operations
    )
    info = host.register(plugin, name="vendor.revoker")
    assert ("loaded", "loaded") == (info.status, host.status("endpoint.revocation"))
    blocked = frozenset({"vendor.*"})
    assert "endpoint.revocation" == host.operations.entry("revoke_token", blocked=blocked).plugin
    assert "vendor.revoker" == host.operations.entry("revoke_token").plugin


def test_an_unhashable_entry_name_is_refused_for_what_it_is() -> None:
    """A list as an entry name sets the plugin aside with the 'names are strs' PluginError."""

    def oauth2kit_register_grant_types(registry: Any) -> None:
        registry.add(["listed"], EchoGrant())

    host = PluginHost(load_entry_points=False)
    plugin = make_plugin("listed", oauth2kit_register_grant_types=oauth2kit_register_grant_types)
    info = host.register(plugin, name="listed")
    assert "failed" == info.status
    assert "names are non-empty strs" in (info.error or "")


# --- the client's class operations and attributes -------------------------------------------


def spy_host(seen: list[str]) -> PluginHost:
    """A host with every built-in and a vendor.spy plugin that records each client built."""

    def oauth2kit_configure_client(client: OAuth2Client) -> None:
        seen.append("vendor.spy")

    host = PluginHost()
    spy = make_plugin("vendor_spy", oauth2kit_configure_client=oauth2kit_configure_client)
    assert "loaded" == host.register(spy, name="vendor.spy").status
    return host


def test_from_discovery_document_blocks_a_list_of_plugins_for_the_client_it_builds() -> None:
    """disable_plugins=[...] given to from_discovery_document blocks them in the new client."""
    seen: list[str] = []
    client = OAuth2Client.from_discovery_document(
        DOCUMENT, client_id="c", client_secret="s", plugins=spy_host(seen),
        disable_plugins=["vendor.*"],
    )  # fmt: skip
    assert (frozenset({"vendor.*"}), []) == (client.disabled_plugins, seen)


def test_from_discovery_document_blocks_a_generator_of_plugins_for_the_client_it_builds() -> None:
    """disable_plugins=<generator> given to from_discovery_document blocks them in the new client."""
    seen: list[str] = []
    client = OAuth2Client.from_discovery_document(
        DOCUMENT, client_id="c", client_secret="s", plugins=spy_host(seen),
        disable_plugins=(name for name in ["vendor.*"]),
    )  # fmt: skip
    assert (frozenset({"vendor.*"}), []) == (client.disabled_plugins, seen)


def disabled_attribute() -> AttributeError:
    """The DisabledAttribute of reading a setting whose plugin the client blocks."""
    client = offline_client(disable_plugins=["endpoint.authorization"])
    with pytest.raises(oauth2kit.DisabledAttribute) as caught:
        _ = client.redirect_uri
    return caught.value


def export_not_available() -> AttributeError:
    """The ExportNotAvailable of a public name that no plugin provides."""
    with pytest.raises(oauth2kit.ExportNotAvailable) as caught:
        _ = oauth2kit.NoSuchExportAnywhere
    return caught.value


@pytest.mark.parametrize("make", [disabled_attribute, export_not_available])
def test_an_attribute_error_of_ours_keeps_its_name_through_copy_and_pickle(
    make: Callable[[], AttributeError],
) -> None:
    """DisabledAttribute and ExportNotAvailable keep their ``name`` when copied or pickled."""
    error = make()
    assert isinstance(error.name, str)
    clones = [copy.copy(error), pickle.loads(pickle.dumps(error))]
    assert [error.name, error.name] == [clone.name for clone in clones]


# --- huge ints in messages ------------------------------------------------------------------


class NotAMappingGrant(EchoGrant):
    """A grant whose options hook returns a 5000-digit int instead of a mapping."""

    def options(self, client: OAuth2Client, params: dict[str, Any]) -> object:
        return HUGE


def grant_with_huge_options() -> object:
    """Run a grant whose options are a 5000-digit int."""

    def oauth2kit_register_grant_types(registry: Any) -> None:
        registry.add("huge_options", NotAMappingGrant())

    host = PluginHost()
    plugin = make_plugin("huge", oauth2kit_register_grant_types=oauth2kit_register_grant_types)
    assert "loaded" == host.register(plugin, name="vendor.huge").status
    return offline_client(plugins=host).grant("huge_options")


@pytest.mark.parametrize(
    "action",
    [
        lambda: offline_client(disable_plugins=HUGE),
        lambda: PluginHost(disable=[HUGE], load_entry_points=False),  # type: ignore[list-item]
        lambda: BearerToken("at", token_type=HUGE),  # type: ignore[arg-type]
        lambda: BearerToken.from_response({"access_token": "at", "token_type": [HUGE]}),
        grant_with_huge_options,
    ],
    ids=["disable_plugins", "host-disable", "token_type", "from_response", "grant-options"],
)
def test_a_refused_huge_int_is_an_oauth2kit_error_wherever_it_is_refused(
    action: Callable[[], object],
) -> None:
    """Refusing a 5000-digit int raises an OAuth2KitError, not int.__repr__'s ValueError."""
    with pytest.raises(OAuth2KitError):
        action()


class HugeRetry:
    """A plugin whose retry hook answers a 5000-digit int of seconds."""

    @hookimpl
    def oauth2kit_retry_request(self, call: EndpointCall, response: EndpointResponse) -> object:
        return HUGE


@pytest.mark.integration
def test_a_retry_hook_answering_a_huge_int_is_a_plugin_error(auth_server: AuthServer) -> None:
    """A retry hook's 5000-digit delay is a PluginError, not int.__repr__'s ValueError."""
    host = PluginHost()
    assert "loaded" == host.register(HugeRetry(), name="vendor.huge_retry").status
    client = OAuth2Client(
        auth_server.token_endpoint, client_id="cc-post", client_secret="cc-post-secret",
        plugins=host,
    )  # fmt: skip
    with pytest.raises(PluginError):
        client.client_credentials(scope="api:read")


# --- transport ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "proxy",
    ["127.0.0.1:3128", "http://[::1]:3128", "[::1]:3128", "socks5h://user:pw@proxy:1080", None],
)
def test_proxies_requests_takes_are_still_accepted(proxy: str | None) -> None:
    """Scheme-less, IPv6, socks5h and None proxy values pass the new URL check."""
    assert {"https": proxy} == Transport(proxies={"https": proxy}).proxies


def test_an_empty_proxy_url_still_means_no_proxy() -> None:
    """``proxies={"https": ""}``, which requests reads as no proxy (as before), is accepted."""
    client = offline_client()
    transport, _, _ = client.transport.with_kwargs({"proxies": {"https": ""}})
    assert {"https": ""} == transport.proxies


# --- tokens ---------------------------------------------------------------------------------


class AudiencedToken(BearerToken):
    """A user's token class that sets an attribute of its own once the base is built."""

    def __init__(self, access_token: str, **kwargs: Any) -> None:
        super().__init__(access_token, **kwargs)
        self.audience = "api"


def test_a_token_subclass_may_set_its_own_attributes_in_its_init() -> None:
    """A subclass's __init__ can still set attributes after super().__init__ (as before)."""
    token = AudiencedToken("at", expires_in=60)
    assert "api" == token.audience
    with pytest.raises(AttributeError):
        token.audience = "other"


@pytest.mark.integration
def test_a_token_class_with_its_own_init_gets_tokens_from_the_server(
    auth_server: AuthServer,
) -> None:
    """client_credentials with token_class=<such a subclass> returns one, not a PluginError."""
    client = OAuth2Client(
        auth_server.token_endpoint, client_id="cc-post", client_secret="cc-post-secret",
        token_class=AudiencedToken,
    )  # fmt: skip
    token = client.client_credentials(scope="api:read")
    assert (AudiencedToken, "api") == (type(token), token.audience)


@pytest.mark.parametrize("clone", [copy.copy, copy.deepcopy])
def test_a_copied_token_is_equal_hashes_alike_and_stays_immutable(
    clone: Callable[[BearerToken], BearerToken],
) -> None:
    """copy and deepcopy keep equality, the dict-key hash, extras, and immutability."""
    token = BearerToken("at", expires_in=60, refresh_token="rt", issued_token_type="urn:x")
    copied = clone(token)
    assert (copied, "urn:x", 1) == (token, copied.issued_token_type, {token: 1}[copied])
    with pytest.raises(AttributeError):
        copied.scope = "other"
    with pytest.raises(AttributeError):
        del copied.issued_token_type
    with pytest.raises(TypeError):
        copied.kwargs["issued_token_type"] = "urn:y"  # type: ignore[index]
    assert isinstance(copied, requests.auth.AuthBase)

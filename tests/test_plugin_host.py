"""The plugin host: discovery, registries, blocking, validation, run-time registration."""

from __future__ import annotations

import dataclasses
import logging
import sys
import threading
import types
from typing import Any

import pytest
import responses

import oauth2kit
from oauth2kit import (
    BearerToken,
    ExportNotAvailable,
    InvalidParam,
    OAuth2Client,
    PluginDisabled,
    PluginError,
    PluginHost,
    PluginNotAvailable,
    RegistryConflict,
    UnknownGrantType,
    default_host,
    hookimpl,
    set_default_host,
)
from oauth2kit._builtins import BUILTIN_PLUGINS

TOKEN_ENDPOINT = "https://as.example/token"


def make_plugin(name: str, **hooks: Any) -> types.ModuleType:
    """Build a plugin module at run time from hook implementations."""
    module = types.ModuleType(name)
    for hook_name, function in hooks.items():
        setattr(module, hook_name, hookimpl(function))
    return module


class EchoGrant:
    grant_type = "urn:test:echo"

    def build(self, client: OAuth2Client, params: dict[str, Any]) -> dict[str, Any]:
        return dict(params)


def grant_plugin(grant_name: str, *, replace: bool = False) -> types.ModuleType:
    def oauth2kit_register_grant_types(registry: Any) -> None:
        registry.add(grant_name, EchoGrant(), replace=replace)

    return make_plugin(
        f"plugin_{grant_name}", oauth2kit_register_grant_types=oauth2kit_register_grant_types
    )


def test_every_builtin_is_discovered_and_loaded() -> None:
    host = PluginHost()
    statuses = {info.name: info.status for info in host.plugins()}
    for name in BUILTIN_PLUGINS:
        assert statuses[name] == "loaded", name
    assert "client_credentials" in host.grant_types
    assert {"client_secret_basic", "client_secret_post", "none"} <= {
        entry.name for entry in host.client_auth_methods
    }
    assert host.token_types.get("bearer") is BearerToken  # token types ignore case


def test_listing_says_where_each_plugin_comes_from() -> None:
    info = {info.name: info for info in PluginHost().plugins()}["grant.client_credentials"]
    assert info.module == "oauth2kit_grants.client_credentials"
    assert info.distribution is not None
    assert info.distribution.startswith("oauth2kit")
    assert info.hooks == ("oauth2kit_register_grant_types",)
    assert info.provides == {"grant_types": ["client_credentials"]}


def test_discovery_waits_for_the_first_client(fresh_default_host: None) -> None:
    import oauth2kit._host as host_module

    assert host_module._default_host is None
    OAuth2Client(TOKEN_ENDPOINT, client_id="c", client_secret="s")
    assert host_module._default_host is not None


def test_block_by_constructor_argument() -> None:
    host = PluginHost(disable=["grant.client_credentials"])
    info = {info.name: info for info in host.plugins()}["grant.client_credentials"]
    assert info.status == "blocked"
    client = OAuth2Client(TOKEN_ENDPOINT, client_id="c", client_secret="s", plugins=host)
    with pytest.raises(UnknownGrantType, match="client_credentials"):
        client.client_credentials()


def test_block_by_environment_variable_with_glob(
    monkeypatch: pytest.MonkeyPatch, fresh_default_host: None
) -> None:
    monkeypatch.setenv("OAUTH2KIT_DISABLE_PLUGINS", "auth.client_secret_*, handler.*")
    host = default_host()
    statuses = {info.name: info.status for info in host.plugins()}
    assert statuses["auth.client_secret_post"] == "blocked"
    assert statuses["auth.client_secret_basic"] == "blocked"
    assert statuses["handler.client_credentials"] == "blocked"
    assert statuses["auth.none"] == "loaded"
    with pytest.raises(PluginNotAvailable, match="client_secret_post"):
        OAuth2Client(TOKEN_ENDPOINT, client_id="c", client_secret="s")


def test_block_per_client_leaves_other_clients_alone() -> None:
    host = PluginHost()
    blocked = OAuth2Client(
        TOKEN_ENDPOINT, client_id="c", client_secret="s", plugins=host,
        disable_plugins=["grant.client_credentials"],
    )  # fmt: skip
    with pytest.raises(PluginDisabled, match=r"grant\.client_credentials") as caught:
        blocked.client_credentials()
    assert caught.value.plugins == ("grant.client_credentials",)
    other = OAuth2Client(TOKEN_ENDPOINT, client_id="c", client_secret="s", plugins=host)
    assert other.plugins.grant_types.get("client_credentials").grant_type == "client_credentials"


def test_name_clash_names_both_plugins(empty_host: PluginHost) -> None:
    empty_host.register(grant_plugin("echo"), name="first")
    info = empty_host.register(grant_plugin("echo"), name="second")
    assert info.status == "failed"
    assert info.error is not None
    assert "'first'" in info.error
    assert "'second'" in info.error
    assert empty_host.grant_types.entry("echo").plugin == "first"


def test_registry_conflict_error_carries_both_names(empty_host: PluginHost) -> None:
    registry = empty_host.grant_types.bind("first")
    registry.add("x", EchoGrant())
    with pytest.raises(RegistryConflict) as caught:
        empty_host.grant_types.bind("second").add("x", EchoGrant())
    assert (caught.value.existing, caught.value.newcomer) == ("first", "second")


def test_replace_overrides_and_blocking_the_newcomer_restores(empty_host: PluginHost) -> None:
    empty_host.register(grant_plugin("echo"), name="original")
    empty_host.register(grant_plugin("echo", replace=True), name="override")
    assert empty_host.grant_types.entry("echo").plugin == "override"
    restored = empty_host.grant_types.entry("echo", blocked=frozenset({"override"}))
    assert restored.plugin == "original"
    empty_host.unregister("override")
    assert empty_host.grant_types.entry("echo").plugin == "original"


def test_a_module_plugin_registers_its_marked_functions_only(empty_host: PluginHost) -> None:
    def register(registry: Any) -> None:
        registry.add("echo", EchoGrant())

    def oauth2kit_prepare_request(call: Any, request: Any) -> None:  # not marked: not a hook
        raise AssertionError

    module = types.ModuleType("imports_a_lot")
    module.oauth2kit = sys.modules["oauth2kit"]  # type: ignore[attr-defined]
    module.OAuth2Client = OAuth2Client  # type: ignore[attr-defined]
    module.oauth2kit_prepare_request = oauth2kit_prepare_request  # type: ignore[attr-defined]
    module.any_name = hookimpl(specname="oauth2kit_register_grant_types")(register)  # type: ignore[attr-defined]

    assert empty_host.register(module, name="imports_a_lot").status == "loaded"
    listed = {info.name: info for info in empty_host.plugins()}["imports_a_lot"]
    assert listed.hooks == ("oauth2kit_register_grant_types",)
    assert isinstance(empty_host.grant_types.get("echo"), EchoGrant)


def test_plugin_with_unknown_hook_is_set_aside(
    empty_host: PluginHost, caplog: pytest.LogCaptureFixture
) -> None:
    def oauth2kit_register_grant_typos(registry: Any) -> None:  # a typo
        raise AssertionError

    broken = make_plugin("broken", oauth2kit_register_grant_typos=oauth2kit_register_grant_typos)
    with caplog.at_level(logging.WARNING, logger="oauth2kit.plugins"):
        info = empty_host.register(broken, name="broken")
    assert info.status == "failed"
    assert "oauth2kit_register_grant_typos" in (info.error or "")
    assert "set aside" in caplog.text
    # The others keep working.
    assert empty_host.register(grant_plugin("echo"), name="good").status == "loaded"


def test_plugin_with_wrong_hook_arguments_is_set_aside(empty_host: PluginHost) -> None:
    def oauth2kit_register_grant_types(registry: Any, extra: Any) -> None:
        raise AssertionError

    info = empty_host.register(
        make_plugin("bad_args", oauth2kit_register_grant_types=oauth2kit_register_grant_types),
        name="bad_args",
    )
    assert info.status == "failed"
    assert "extra" in (info.error or "")


def test_plugin_whose_registration_raises_leaves_no_entries(empty_host: PluginHost) -> None:
    def oauth2kit_register_grant_types(registry: Any) -> None:
        registry.add("half", EchoGrant())
        raise RuntimeError("boom")

    info = empty_host.register(
        make_plugin("half", oauth2kit_register_grant_types=oauth2kit_register_grant_types),
        name="half",
    )
    assert info.status == "failed"
    assert "boom" in (info.error or "")
    assert "half" not in empty_host.grant_types


def test_registering_a_blocked_name_records_it_as_blocked() -> None:
    host = PluginHost(load_entry_points=False, disable=["mine.*"])
    assert host.register(grant_plugin("echo"), name="mine.grant").status == "blocked"
    assert "echo" not in host.grant_types


def test_concurrent_registrations_are_all_recorded(empty_host: PluginHost) -> None:
    barrier = threading.Barrier(16)

    def register(index: int) -> None:
        barrier.wait()
        empty_host.register(grant_plugin(f"g{index}"), name=f"p{index}")

    threads = [threading.Thread(target=register, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {info.name for info in empty_host.plugins()} == {f"p{i}" for i in range(16)}
    assert {entry.name for entry in empty_host.grant_types} == {f"g{i}" for i in range(16)}


@responses.activate
def test_custom_grant_registered_at_run_time_is_usable() -> None:
    # HTTP is stubbed here to see the exact form sent; the real-server version is in
    # tests/test_third_party_plugin.py.
    responses.post(TOKEN_ENDPOINT, json={"access_token": "t", "token_type": "Bearer"})
    host = PluginHost()
    host.register(grant_plugin("echo"), name="runtime.echo")
    client = OAuth2Client(TOKEN_ENDPOINT, client_id="c", client_secret="s", plugins=host)
    token = client.grant("echo", foo="bar")
    assert token.access_token == "t"
    body = str(responses.calls[0].request.body)
    assert "grant_type=urn%3Atest%3Aecho" in body
    assert "foo=bar" in body


def test_per_client_blocking_applies_to_hooks() -> None:
    seen: list[str] = []

    def oauth2kit_configure_client(client: OAuth2Client) -> None:
        seen.append(client.client_id)

    host = PluginHost()
    host.register(
        make_plugin("spy", oauth2kit_configure_client=oauth2kit_configure_client), name="spy"
    )
    OAuth2Client(TOKEN_ENDPOINT, client_id="seen", client_secret="s", plugins=host)
    OAuth2Client(
        TOKEN_ENDPOINT, client_id="hidden", client_secret="s", plugins=host, disable_plugins=["spy"]
    )
    assert seen == ["seen"]


def test_plugin_registered_after_a_client_takes_part_in_its_hooks() -> None:
    # Even for a client with a per-client block list (its hooks are a filtered view).
    seen: list[str] = []

    def oauth2kit_prepare_request(call: Any, request: Any) -> None:
        seen.append(call.client.client_id)

    host = PluginHost()
    filtered = OAuth2Client(
        TOKEN_ENDPOINT, client_id="filtered", plugins=host, disable_plugins=["x.*"]
    )
    plain = OAuth2Client(TOKEN_ENDPOINT, client_id="plain", plugins=host)
    for client in (filtered, plain):  # build and cache the hook callers first
        client.plugins.hooks(client.disabled_plugins).oauth2kit_prepare_request(
            call=types.SimpleNamespace(client=client), request=None
        )
    host.register(
        make_plugin("late", oauth2kit_prepare_request=oauth2kit_prepare_request), name="late"
    )
    host.register(
        make_plugin("x.blocked", oauth2kit_prepare_request=oauth2kit_prepare_request),
        name="x.blocked",
    )
    for client in (filtered, plain):
        client.plugins.hooks(client.disabled_plugins).oauth2kit_prepare_request(
            call=types.SimpleNamespace(client=client), request=None
        )
    assert seen == ["filtered", "plain", "plain"]


def test_disable_takes_one_name_as_a_str() -> None:
    host = PluginHost(disable="grant.client_credentials", load_entry_points=False)
    assert "grant.client_credentials" in host.disabled
    assert "g" not in host.disabled


def test_an_unhashable_plugin_is_set_aside_not_a_trap_for_blocking_clients() -> None:
    @dataclasses.dataclass  # eq=True without frozen: instances are unhashable
    class Unhashable:
        @hookimpl
        def oauth2kit_prepare_request(self, call: Any, request: Any) -> None:
            raise AssertionError

    host = PluginHost()
    info = host.register(Unhashable(), name="unhashable")
    assert info.status == "failed"
    assert "unhashable" in (info.error or "")
    OAuth2Client(TOKEN_ENDPOINT, client_id="c", plugins=host, disable_plugins=["x.*"])


@pytest.mark.parametrize(
    ("plugin", "name", "message"),
    [(None, "p", "not None"), (types.ModuleType("m"), "", "non-empty str")],
)
def test_register_refuses_what_it_cannot_record(plugin: Any, name: str, message: str) -> None:
    with pytest.raises(PluginError, match=message):
        PluginHost(load_entry_points=False).register(plugin, name=name)


def test_unregistering_an_unknown_plugin_says_so(empty_host: PluginHost) -> None:
    with pytest.raises(PluginError, match="no plugin named 'nope'"):
        empty_host.unregister("nope")


def test_registries_are_filled_from_registration_hooks_only(empty_host: PluginHost) -> None:
    with pytest.raises(PluginError, match="add\\(\\) is for plugins"):
        empty_host.grant_types.add("x", EchoGrant())


@pytest.mark.parametrize("disable", [None, 5, [["a"]], [""]])
def test_bad_disable_arguments(disable: Any) -> None:
    with pytest.raises(InvalidParam, match="disable takes plugin names"):
        PluginHost(disable=disable, load_entry_points=False)


def test_set_default_host_takes_a_host(fresh_default_host: None) -> None:
    with pytest.raises(InvalidParam, match="must be a PluginHost, got str"):
        set_default_host("x")  # type: ignore[arg-type]


def test_underscore_names_never_start_discovery(fresh_default_host: None) -> None:
    import oauth2kit._host

    assert not hasattr(oauth2kit, "__wrapped__")
    assert oauth2kit._host._default_host is None


def test_dir_lists_every_public_name() -> None:
    assert set(oauth2kit.__all__) <= set(dir(oauth2kit))


def test_a_blocked_built_in_name_says_which_plugin(fresh_default_host: None) -> None:
    set_default_host(PluginHost(disable=["auth.none"]))
    assert not hasattr(oauth2kit, "PublicApp")
    with pytest.raises(
        ExportNotAvailable, match=r"comes from plugin 'auth\.none', which is disabled"
    ):
        _ = oauth2kit.PublicApp


def test_an_extension_may_not_shadow_a_name_of_the_package(empty_host: PluginHost) -> None:
    def oauth2kit_register_extensions(registry: Any) -> None:
        registry.add("BearerToken", object())

    info = empty_host.register(
        make_plugin("shadow", oauth2kit_register_extensions=oauth2kit_register_extensions),
        name="shadow",
    )
    assert info.status == "failed"
    assert "oauth2kit defines that name itself" in (info.error or "")


@pytest.mark.parametrize("name", ["Any", "hookspecs", "_hidden", "PluginHost"])
def test_extensions_cannot_take_names_the_package_has(empty_host: PluginHost, name: str) -> None:
    def oauth2kit_register_extensions(registry: Any) -> None:
        registry.add(name, object())

    info = empty_host.register(
        make_plugin("shadow", oauth2kit_register_extensions=oauth2kit_register_extensions),
        name="shadow",
    )
    assert info.status == "failed"


def test_unregister_and_status_take_names(empty_host: PluginHost) -> None:
    assert empty_host.status(["x"]) is None  # type: ignore[arg-type]
    with pytest.raises(PluginError, match="no plugin named"):
        empty_host.unregister(["x"])  # type: ignore[arg-type]

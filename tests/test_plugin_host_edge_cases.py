"""The plugin host at its edges: odd block lists and names, broken plugins, nested and lazy
registrations, and lookups while other threads register."""

from __future__ import annotations

import json
import sys
import threading
import time
import types
from typing import TYPE_CHECKING, Any

import pytest
import requests.auth
from plugin_dists import run_child, write_distribution
from runtime_plugins import EchoGrant, grant_plugin, make_plugin

from oauth2kit import (
    BearerToken,
    OAuth2Client,
    OAuth2KitError,
    PluginError,
    PluginHost,
    PluginNotAvailable,
    UnknownGrantType,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from as_server import AuthServer

TOKEN_ENDPOINT = "https://as.example/token"


def spy_plugin(name: str, seen: list[str]) -> types.ModuleType:
    """A plugin whose configure_client hook records its own name."""

    def oauth2kit_configure_client(client: OAuth2Client) -> None:
        seen.append(name)

    return make_plugin(name, oauth2kit_configure_client=oauth2kit_configure_client)


def client_of(host: PluginHost, **kwargs: Any) -> OAuth2Client:
    """A client of `host` that needs no client authentication plugin."""
    return OAuth2Client(
        TOKEN_ENDPOINT, auth=requests.auth.HTTPBasicAuth("c", "s"), plugins=host, **kwargs
    )


@pytest.fixture
def fast_switching() -> Iterator[None]:
    """Switch threads often, for more interleavings."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


# --- blocking ---------------------------------------------------------------------------------


def test_a_generator_of_names_blocks_them_process_wide() -> None:
    """PluginHost(disable=<generator>) blocks the names the generator yields."""
    host = PluginHost(disable=(name for name in ["grant.*"]), load_entry_points=False)
    assert frozenset({"grant.*"}) == host.disabled


def test_a_generator_of_names_blocks_them_for_a_client() -> None:
    """OAuth2Client(disable_plugins=<generator>) keeps the blocked plugin's hooks from running."""
    seen: list[str] = []
    host = PluginHost(load_entry_points=False)
    host.register(spy_plugin("vendor.spy", seen), name="vendor.spy")
    client_of(host, disable_plugins=(name for name in ["vendor.*"]))
    assert [] == seen


def test_a_plugin_blocked_by_its_exact_name_never_runs() -> None:
    """A name with glob characters ('vendor[1]') given exactly blocks that plugin."""
    seen: list[str] = []
    host = PluginHost(load_entry_points=False)
    assert "loaded" == host.register(spy_plugin("vendor[1]", seen), name="vendor[1]").status
    client_of(host, disable_plugins=["vendor[1]"])
    assert [] == seen


def test_a_lazy_index_hook_blocked_for_a_client_never_runs_for_its_lookups() -> None:
    """A client's lookup of a missing name does not call the index hooks of plugins it blocks."""
    seen: list[str] = []

    def oauth2kit_lazy_provider(registry: str, name: str) -> None:
        seen.append(f"provider:{name}")

    def oauth2kit_lazy_indexed(registry: str) -> None:
        seen.append(f"indexed:{registry}")

    host = PluginHost(load_entry_points=False)
    index = make_plugin(
        "vendor.index",
        oauth2kit_lazy_provider=oauth2kit_lazy_provider,
        oauth2kit_lazy_indexed=oauth2kit_lazy_indexed,
    )
    host.register(index, name="vendor.index")
    client = client_of(host, disable_plugins=["vendor.*"])
    with pytest.raises(UnknownGrantType):
        client.grant("nothing")
    assert [] == seen


def test_the_environment_variable_splits_on_any_whitespace(monkeypatch: pytest.MonkeyPatch) -> None:
    """OAUTH2KIT_DISABLE_PLUGINS with tab- or newline-separated names blocks each of them."""
    monkeypatch.setenv("OAUTH2KIT_DISABLE_PLUGINS", "vendor.a\tvendor.b\nvendor.c")
    host = PluginHost(load_entry_points=False)
    statuses = [host.register(types.ModuleType(n), name=n).status for n in ("vendor.a", "vendor.c")]
    assert ["blocked", "blocked"] == statuses


class Churner:
    """Threads that register and unregister plugins made by `make`, for about two seconds.

    With `keep`, every other plugin stays registered. What the threads raise is collected.
    """

    def __init__(
        self, host: PluginHost, make: Callable[[str], object], *, keep: bool = False
    ) -> None:
        self.host = host
        self.make = make
        self.keep = keep
        self.errors: list[BaseException] = []
        self.deadline = time.monotonic() + 2

    def churn(self, prefix: str) -> None:
        try:
            for round_ in range(400):
                if time.monotonic() > self.deadline:
                    break
                name = f"{prefix}{round_}"
                self.host.register(self.make(name), name=name)
                if not self.keep or round_ % 2:
                    self.host.unregister(name)
        except Exception as exc:  # noqa: BLE001 - reported by the assertions
            self.errors.append(exc)

    def start(self, prefix: str, count: int = 2) -> list[threading.Thread]:
        threads = [
            threading.Thread(target=self.churn, args=(f"{prefix}{i}.",), daemon=True)
            for i in range(count)
        ]
        for thread in threads:
            thread.start()
        return threads


def test_registry_entries_of_blocked_plugins_are_never_used_while_they_come_and_go(
    fast_switching: None,
) -> None:
    """A client blocking race.* always gets the original entry while race.* replacers churn."""
    host = PluginHost(load_entry_points=False)
    host.register(grant_plugin("echo"), name="base")
    client = client_of(host, disable_plugins=["race.*"])
    churner = Churner(host, lambda _: grant_plugin("echo", replace=True))
    threads = churner.start("race.")
    used: set[str] = set()
    while any(thread.is_alive() for thread in threads):
        used.add(host.grant_types.entry("echo", blocked=client.disabled_plugins).plugin)
    assert ([], {"base"}) == (churner.errors, used)
    assert "base" == host.grant_types.entry("echo").plugin  # every replacer is gone


# --- plugins that fail --------------------------------------------------------------------------


class Unprintable(Exception):
    """An exception whose str() raises."""

    def __str__(self) -> str:
        raise ValueError("no str for you")


def test_a_plugin_raising_an_unprintable_exception_is_set_aside() -> None:
    """A registration hook raising an exception whose str() raises fails only its plugin."""

    def oauth2kit_register_grant_types(registry: Any) -> None:
        registry.add("doomed", EchoGrant())
        raise Unprintable

    host = PluginHost(load_entry_points=False)
    plugin = make_plugin(
        "unprintable", oauth2kit_register_grant_types=oauth2kit_register_grant_types
    )
    try:
        info = host.register(plugin, name="unprintable")
    except BaseException as exc:  # noqa: BLE001 - the assertion says what escaped
        pytest.fail(f"register() let {type(exc).__name__} escape")
    assert "failed" == info.status
    assert (info.error or "").startswith("Unprintable")
    assert "doomed" not in host.grant_types


class Stop(BaseException):
    """A BaseException subclass that is neither an Exception nor an interrupt."""


def test_a_registration_raising_a_base_exception_in_its_second_registry_rolls_back() -> None:
    """A plugin adding a grant, then raising a BaseException in another registry, leaves nothing."""
    seen: list[str] = []

    def oauth2kit_register_grant_types(registry: Any) -> None:
        registry.add("half", EchoGrant())

    def oauth2kit_register_token_types(registry: Any) -> None:
        raise Stop("stopped")

    def oauth2kit_configure_client(client: OAuth2Client) -> None:
        seen.append("half")

    host = PluginHost(load_entry_points=False)
    plugin = make_plugin(
        "half",
        oauth2kit_register_grant_types=oauth2kit_register_grant_types,
        oauth2kit_register_token_types=oauth2kit_register_token_types,
        oauth2kit_configure_client=oauth2kit_configure_client,
    )
    info = host.register(plugin, name="half")
    assert ("failed", "Stop: stopped") == (info.status, info.error)
    assert ("half" not in host.grant_types, None) == (True, host._pm.get_plugin("half"))
    client_of(host)
    assert [] == seen
    # The name is free again, for a plugin that works.
    assert "loaded" == host.register(grant_plugin("half"), name="half").status
    assert isinstance(host.grant_types.get("half"), EchoGrant)


def test_an_interrupt_during_registration_propagates_and_leaves_nothing() -> None:
    """KeyboardInterrupt in a registration hook reaches the caller; the plugin leaves no trace."""

    def oauth2kit_register_grant_types(registry: Any) -> None:
        registry.add("interrupted", EchoGrant())
        raise KeyboardInterrupt

    host = PluginHost(load_entry_points=False)
    plugin = make_plugin("ki", oauth2kit_register_grant_types=oauth2kit_register_grant_types)
    with pytest.raises(KeyboardInterrupt):
        host.register(plugin, name="ki")
    assert (None, False, None) == (
        host.status("ki"),
        "interrupted" in host.grant_types,
        host._pm.get_plugin("ki"),
    )


class KeyErrorOnAttributes:
    """A plugin object whose __getattr__ raises KeyError (a common slip)."""

    def __getattr__(self, name: str) -> Any:
        raise KeyError(name)


def test_register_without_a_name_of_an_object_whose_attributes_raise() -> None:
    """register(plugin) of an object whose attribute access raises KeyError is an oauth2kit error."""
    host = PluginHost(load_entry_points=False)
    try:
        host.register(KeyErrorOnAttributes())
    except OAuth2KitError:
        pass
    except BaseException as exc:  # noqa: BLE001 - the assertion says what escaped
        pytest.fail(f"register() let {type(exc).__name__} escape")


# --- registration-time checks -----------------------------------------------------------------


class FinishNotCallable(EchoGrant):
    finish = "not callable"


class OptionsNotCallable(EchoGrant):
    options = 5


@pytest.mark.parametrize("grant", [FinishNotCallable(), OptionsNotCallable()])
def test_a_grant_with_a_broken_optional_method_fails_at_registration(grant: object) -> None:
    """A grant whose `finish` or `options` is not callable is refused when registered."""
    host = PluginHost(load_entry_points=False)
    assert "failed" == host.register(grant_plugin("broken", grant=grant), name="broken").status


class FinishRaises:
    grant_type = "client_credentials"

    def build(self, client: OAuth2Client, params: dict[str, Any]) -> dict[str, Any]:
        return dict(params)

    def finish(
        self, client: OAuth2Client, token: BearerToken, params: dict[str, Any]
    ) -> BearerToken:
        raise KeyError("missing")  # a plugin's bug, on purpose


@pytest.mark.integration
def test_a_grant_whose_finish_raises_is_a_plugin_error(auth_server: AuthServer) -> None:
    """A KeyError from a grant's finish() reaches the caller as a PluginError, as build()'s does."""
    host = PluginHost()
    host.register(grant_plugin("cc_finish", grant=FinishRaises()), name="vendor.cc_finish")
    client = OAuth2Client(
        auth_server.token_endpoint,
        client_id="cc-basic",
        client_secret="cc-basic-secret",
        token_endpoint_auth_method="client_secret_basic",
        plugins=host,
    )
    with pytest.raises(PluginError):
        client.grant("cc_finish", scope="api:read")


def test_a_non_str_entry_name_is_refused_for_what_it_is() -> None:
    """Registering an entry under a non-str name says so, not that oauth2kit defines that name."""

    def oauth2kit_register_extensions(registry: Any) -> None:
        registry.add(5, object())

    host = PluginHost(load_entry_points=False)
    plugin = make_plugin("numbered", oauth2kit_register_extensions=oauth2kit_register_extensions)
    info = host.register(plugin, name="numbered")
    assert "failed" == info.status
    assert "oauth2kit defines that name itself" not in (info.error or "")


# --- registration hooks that look things up -----------------------------------------------------


def test_a_registration_hook_may_wrap_a_lazy_original() -> None:
    """A plugin that looks up the lazy built-in it replaces (to wrap it) registers fine."""
    wrapped: list[object] = []

    def oauth2kit_register_grant_types(registry: Any) -> None:
        original = registry.get("client_credentials")  # imports grant.client_credentials
        wrapped.append(original)
        registry.add("client_credentials", original, replace=True)

    host = PluginHost()
    plugin = make_plugin("wrapper", oauth2kit_register_grant_types=oauth2kit_register_grant_types)
    info = host.register(plugin, name="vendor.wrapper")
    assert ("loaded", None) == (info.status, info.error)
    assert "vendor.wrapper" == host.grant_types.entry("client_credentials").plugin


def test_a_failing_lazy_plugin_imported_from_a_registration_hook_drops_nothing_of_it(
    tmp_path: Path,
) -> None:
    """A plugin that probes a name, which imports a lazy plugin that fails, keeps its own entries."""
    broken = (
        "import oauth2kit\n"
        "@oauth2kit.hookimpl\n"
        "def oauth2kit_register_grant_types(registry):\n"
        "    raise RuntimeError('broken on purpose')\n"
    )
    write_distribution(tmp_path, {"grant.broken": broken})
    code = (
        "import json, types, oauth2kit\n"
        "class Echo:\n"
        "    grant_type = 'urn:test:echo'\n"
        "    def build(self, client, params): return dict(params)\n"
        "def register(registry):\n"
        "    registry.add('mine', Echo())\n"
        "    try:\n"
        "        registry.get('broken')\n"
        "    except oauth2kit.PluginNotAvailable:\n"
        "        pass\n"
        "plugin = types.ModuleType('prober')\n"
        "plugin.oauth2kit_register_grant_types = oauth2kit.hookimpl(register)\n"
        "host = oauth2kit.PluginHost()\n"
        "info = host.register(plugin, name='vendor.prober')\n"
        "print(json.dumps([info.status, 'mine' in host.grant_types,"
        " host.status('grant.broken')]))\n"
    )
    result = run_child(tmp_path, code)
    assert 0 == result.returncode, result.stderr
    assert ["loaded", True, "failed"] == json.loads(result.stdout)


# --- lazy loading -----------------------------------------------------------------------------------


def test_blocking_a_replacer_finds_a_lazy_original_of_another_name(tmp_path: Path) -> None:
    """A client blocking a replacer gets the original from a lazy plugin not named after the entry."""
    source = (
        "import oauth2kit\n"
        "@oauth2kit.hookimpl\n"
        "def oauth2kit_register_settings(registry):\n"
        "    registry.add('acme_flavour', oauth2kit.Setting(default='vanilla'))\n"
    )
    write_distribution(tmp_path, {"endpoint.acme": source})
    code = (
        "import json, types, oauth2kit\n"
        "def register(registry):\n"
        "    registry.add('acme_flavour', oauth2kit.Setting(default='vendor'), replace=True)\n"
        "plugin = types.ModuleType('vendor_acme')\n"
        "plugin.oauth2kit_register_settings = oauth2kit.hookimpl(register)\n"
        "host = oauth2kit.PluginHost()\n"
        "host.register(plugin, name='vendor.acme')\n"
        "client = oauth2kit.OAuth2Client('https://as.example/token', client_id='c',"
        " client_secret='s', plugins=host, disable_plugins=['vendor.*'])\n"
        "try:\n"
        "    flavour = client.setting('acme_flavour')\n"
        "except oauth2kit.PluginDisabled as exc:\n"
        "    flavour = str(exc)\n"
        "print(json.dumps([flavour, oauth2kit.OAuth2Client('https://as.example/token',"
        " client_id='c', client_secret='s', plugins=host).setting('acme_flavour')]))\n"
    )
    result = run_child(tmp_path, code)
    assert 0 == result.returncode, result.stderr
    assert ["vanilla", "vendor"] == json.loads(result.stdout)


def test_a_discovered_plugin_not_imported_yet_can_be_unregistered() -> None:
    """unregister() takes a lazy plugin that register() already refuses as registered."""
    host = PluginHost()
    with pytest.raises(PluginError, match="already registered"):
        host.register(types.ModuleType("mine"), name="grant.refresh_token")
    host.unregister("grant.refresh_token")
    with pytest.raises(UnknownGrantType):
        host.grant_types.get("refresh_token")


def test_threads_first_needing_the_same_lazy_names_all_get_them(fast_switching: None) -> None:
    """Eight threads first-needing the same lazy grant, token type and operation all get them."""
    host = PluginHost()
    barrier = threading.Barrier(8)
    found: list[object] = []
    errors: list[BaseException] = []

    def need() -> None:
        try:
            barrier.wait(timeout=10)
            grant = host.grant_types.get("refresh_token").grant_type
            token_type = host.token_types.get("BEARER")
            found.append((grant, token_type, host.operations.get("revoke_token").__name__))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertions
            errors.append(exc)

    threads = [threading.Thread(target=need, daemon=True) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert [] == errors
    assert [("refresh_token", BearerToken, "revoke_token")] * 8 == found
    assert ["loaded"] * 3 == [
        host.status(name) for name in ("grant.refresh_token", "token.bearer", "endpoint.revocation")
    ]


def test_an_index_answering_unhashable_names_is_a_plugin_error() -> None:
    """An oauth2kit_lazy_indexed hook answering [['x']] is a PluginError, not a TypeError."""

    def oauth2kit_lazy_indexed(registry: str) -> object:
        return [["x"]]

    host = PluginHost(load_entry_points=False)
    host.register(make_plugin("index", oauth2kit_lazy_indexed=oauth2kit_lazy_indexed), name="index")
    with pytest.raises(PluginError):
        host.grant_types.get("anything")


# --- replacing ----------------------------------------------------------------------------------------


def test_a_chain_of_three_replacements_with_the_middle_one_gone() -> None:
    """original <- middle <- top: with the middle unregistered, blocking the top finds the original."""
    host = PluginHost(load_entry_points=False)
    host.register(grant_plugin("echo"), name="original")
    host.register(grant_plugin("echo", replace=True), name="middle")
    host.register(grant_plugin("echo", replace=True), name="top")
    host.unregister("middle")
    assert "top" == host.grant_types.entry("echo").plugin
    assert "original" == host.grant_types.entry("echo", blocked=frozenset({"top"})).plugin
    host.unregister("top")
    assert "original" == host.grant_types.entry("echo").plugin
    # The original gone first: the replacer stands alone, and a newcomer goes underneath it.
    host.register(grant_plugin("echo", replace=True), name="top")
    host.unregister("original")
    host.register(grant_plugin("echo"), name="again")
    assert ["top", "again"] == [
        host.grant_types.entry("echo", blocked=frozenset(blocked)).plugin
        for blocked in ((), ("top",))
    ]


def test_token_types_replace_and_restore_across_case() -> None:
    """A token type replaced under another case ('BEARER' over 'Bearer') comes back when blocked."""

    class Mine(BearerToken):
        pass

    def original(registry: Any) -> None:
        registry.add("Bearer", BearerToken)

    def replacer(registry: Any) -> None:
        registry.add("BEARER", Mine, replace=True)

    def clash(registry: Any) -> None:
        registry.add("bEaReR", Mine)

    host = PluginHost(load_entry_points=False)
    host.register(make_plugin("a", oauth2kit_register_token_types=original), name="a")
    host.register(make_plugin("b", oauth2kit_register_token_types=replacer), name="b")
    assert Mine is host.token_types.get("bearer")
    assert BearerToken is host.token_types.get("bearer", blocked=frozenset({"b"}))
    assert "failed" == host.register(make_plugin("c", oauth2kit_register_token_types=clash)).status
    assert (["Bearer"], ["BEARER"]) == (
        host.token_types.provided_by("a"),
        host.token_types.provided_by("b"),
    )


# --- odd input and listing --------------------------------------------------------------------------


@pytest.mark.parametrize("hook_name", ["oauth2kit_prepare_requests", 5])
def test_calling_a_hook_that_does_not_exist_is_an_oauth2kit_error(hook_name: Any) -> None:
    """client.hook() with a misspelt or non-str hook name raises an OAuth2KitError."""
    client = client_of(PluginHost(load_entry_points=False))
    with pytest.raises(OAuth2KitError):
        client.hook(hook_name)


@pytest.mark.parametrize("name", [None, 5, ["x"], b"x", "", "*", "[", "\x00"])
def test_status_and_is_loaded_take_anything(name: Any) -> None:
    """status()/is_loaded() of odd names say unknown; lookups of them are oauth2kit errors."""
    host = PluginHost(load_entry_points=False, disable=["["])
    assert (None, False) == (host.status(name), host.is_loaded(name))
    with pytest.raises(PluginNotAvailable):
        host.grant_types.get(name)
    with pytest.raises(PluginNotAvailable):
        client_of(host, disable_plugins=["*"]).lookup(host.settings, name)


def test_a_missing_name_is_unknown_while_other_threads_register(fast_switching: None) -> None:
    """A lookup of a missing name raises UnknownGrantType, never RuntimeError, during registrations."""
    host = PluginHost(load_entry_points=False, disable=["blocked.*"])
    for index in range(3000):  # records that unavailable() lists
        host.register(types.ModuleType(f"blocked.{index}"), name=f"blocked.{index}")
    client = client_of(host)
    done = threading.Event()

    def churn() -> None:
        index = 0
        while not done.is_set():
            name = f"churn.{index}"
            host.register(types.ModuleType(name), name=name)
            host.unregister(name)
            index += 1

    thread = threading.Thread(target=churn, daemon=True)
    thread.start()
    deadline = time.monotonic() + 2
    try:
        while time.monotonic() < deadline:
            with pytest.raises(UnknownGrantType):
                client.grant("missing")
    finally:
        done.set()
        thread.join(timeout=10)


def test_listing_while_other_threads_register_is_consistent(fast_switching: None) -> None:
    """plugins() during registrations lists each plugin whole: loaded, with its entry."""
    host = PluginHost(load_entry_points=False)
    churner = Churner(host, grant_plugin, keep=True)
    threads = churner.start("p")
    bad: list[object] = []
    while any(thread.is_alive() for thread in threads):
        bad.extend(
            info
            for info in host.plugins()
            if (info.status, info.provides) != ("loaded", {"grant_types": [info.name]})
        )
    assert ([], []) == (churner.errors, bad)
    assert len(host.plugins()) > 2  # the kept ones: the listing had something to list

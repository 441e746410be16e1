"""The plugin host: discovery, registries, blocking, validation, run-time registration."""

from __future__ import annotations

import dataclasses
import importlib.metadata
import json
import logging
import os
import subprocess
import sys
import threading
import time
import tomllib
import types
from pathlib import Path
from typing import Any

import pytest
import requests.auth
import responses
from plugin_dists import run_child, write_distribution
from runtime_plugins import EchoGrant, grant_plugin, make_plugin

import oauth2kit
from oauth2kit import (
    BearerToken,
    EndpointError,
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

TOKEN_ENDPOINT = "https://as.example/token"
ROOT = Path(__file__).resolve().parent.parent
# The built-ins are exactly the entry points that pyproject.toml declares.
BUILTINS: dict[str, str] = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
    "entry-points"
]["oauth2kit.plugins"]


class OtherGrant:
    grant_type = "urn:test:other"

    def build(self, client: OAuth2Client, params: dict[str, Any]) -> dict[str, Any]:
        return dict(params)


def client_with_basic_auth(host: PluginHost, **kwargs: Any) -> OAuth2Client:
    """A client of `host` that needs no client authentication plugin (an AuthBase is used as is)."""
    return OAuth2Client(
        TOKEN_ENDPOINT, auth=requests.auth.HTTPBasicAuth("c", "s"), plugins=host, **kwargs
    )


# --- discovery and listing ----------------------------------------------------------------


def test_every_builtin_is_discovered_and_loaded() -> None:
    host = PluginHost()
    statuses = {info.name: info.status for info in host.plugins()}
    assert dict.fromkeys(BUILTINS, "loaded") == {name: statuses.get(name) for name in BUILTINS}
    assert "client_credentials" in host.grant_types
    assert {"client_secret_basic", "client_secret_post", "none"} <= {
        entry.name for entry in host.client_auth_methods
    }
    assert BearerToken is host.token_types.get("bearer")  # token types ignore case


def test_listing_says_where_each_plugin_comes_from() -> None:
    info = {info.name: info for info in PluginHost().plugins()}["grant.client_credentials"]
    assert "o2k_builtins.grants.client_credentials" == info.module
    name = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["name"]
    assert (name, importlib.metadata.version(name)) == (info.distribution, info.version)
    assert ("oauth2kit_register_grant_types",) == info.hooks
    assert {"grant_types": ["client_credentials"]} == info.provides
    assert info.error is None


def test_discovery_waits_for_the_first_client(fresh_default_host: None) -> None:
    import oauth2kit._host as host_module

    assert host_module._default_host is None
    OAuth2Client(TOKEN_ENDPOINT, client_id="c", client_secret="s")
    assert host_module._default_host is not None


def test_lazy_family_plugins_register_when_a_name_they_provide_is_first_looked_up() -> None:
    host = PluginHost()
    # parse.* and third-party names are imported at discovery; grant.* on first need.
    assert (True, False) == (host.is_loaded("parse.oauth2"), host.is_loaded("grant.refresh_token"))
    assert "refresh_token" not in host.grant_types
    assert "refresh_token" == host.grant_types.get("refresh_token").grant_type
    assert True is host.is_loaded("grant.refresh_token")


# --- blocking -----------------------------------------------------------------------------


@pytest.mark.parametrize("disable", ["grant.client_credentials", "grant.*", "grant.client_*"])
def test_block_by_constructor_argument(disable: str) -> None:
    host = PluginHost(disable=[disable])
    info = {info.name: info for info in host.plugins()}["grant.client_credentials"]
    assert "blocked" == info.status
    assert ({}, ()) == (info.provides, info.hooks)
    client = OAuth2Client(TOKEN_ENDPOINT, client_id="c", client_secret="s", plugins=host)
    with pytest.raises(UnknownGrantType, match="client_credentials"):
        client.client_credentials()


def test_block_by_environment_variable_with_glob(
    monkeypatch: pytest.MonkeyPatch, fresh_default_host: None
) -> None:
    monkeypatch.setenv("OAUTH2KIT_DISABLE_PLUGINS", "auth.client_secret_*, handler.*")
    host = default_host()
    statuses = {info.name: info.status for info in host.plugins()}
    assert "blocked" == statuses["auth.client_secret_post"]
    assert "blocked" == statuses["auth.client_secret_basic"]
    assert "blocked" == statuses["handler.client_credentials"]
    assert "blocked" == statuses["handler.access_token"]
    assert "loaded" == statuses["auth.none"]
    with pytest.raises(PluginNotAvailable) as caught:
        OAuth2Client(TOKEN_ENDPOINT, client_id="c", client_secret="s")
    blocked = sorted(name for name, status in statuses.items() if status == "blocked")
    assert {"auth.client_secret_jwt", "handler.password"} <= set(blocked)  # the globs, whole
    assert (
        "no plugin provides client_auth_methods entry 'client_secret_post' (blocked or failed"
        f" plugins: {', '.join(blocked)})"
    ) == str(caught.value)


def test_blocked_plugins_are_never_imported() -> None:
    code = (
        "import sys, json; from oauth2kit import PluginHost; "
        "statuses = {i.name: i.status for i in PluginHost().plugins()}; "
        "print(json.dumps([statuses['parse.oauth2'], statuses['grant.refresh_token'],"
        " sorted(m for m in sys.modules if m.startswith(('o2k_builtins.oauth2',"
        " 'o2k_builtins.grants.refresh_token')))]))"
    )
    env = {**os.environ, "OAUTH2KIT_DISABLE_PLUGINS": "parse.* grant.refresh_token"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert ["blocked", "blocked", []] == json.loads(result.stdout)


@pytest.mark.parametrize("disable", ["grant.client_credentials", "grant.*", "*.client_cred*"])
def test_block_per_client_leaves_other_clients_alone(disable: str) -> None:
    host = PluginHost()
    blocked = OAuth2Client(
        TOKEN_ENDPOINT, client_id="c", client_secret="s", plugins=host, disable_plugins=[disable]
    )
    with pytest.raises(PluginDisabled, match=r"grant\.client_credentials") as caught:
        blocked.client_credentials()
    assert ("grant.client_credentials",) == caught.value.plugins
    other = OAuth2Client(TOKEN_ENDPOINT, client_id="c", client_secret="s", plugins=host)
    assert "client_credentials" == other.lookup(host.grant_types, "client_credentials").grant_type


def test_registering_a_blocked_name_records_it_as_blocked() -> None:
    host = PluginHost(load_entry_points=False, disable=["mine.*"])
    assert "blocked" == host.register(grant_plugin("echo"), name="mine.grant").status
    assert "echo" not in host.grant_types


def test_disable_takes_one_name_as_a_str() -> None:
    host = PluginHost(disable="grant.client_credentials", load_entry_points=False)
    assert frozenset({"grant.client_credentials"}) == host.disabled


@pytest.mark.parametrize("disable", [None, 5, [["a"]], [""]])
def test_bad_disable_arguments(disable: Any) -> None:
    with pytest.raises(InvalidParam, match="disable takes plugin names"):
        PluginHost(disable=disable, load_entry_points=False)


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
        TOKEN_ENDPOINT, client_id="hidden", client_secret="s", plugins=host, disable_plugins=["sp*"]
    )
    assert ["seen"] == seen


def test_plugin_registered_after_a_client_takes_part_in_its_hooks() -> None:
    # Even for a client with a per-client block list (its hook calls are filtered).
    seen: list[str] = []

    def oauth2kit_prepare_request(call: Any) -> None:
        seen.append(call.client.client_id)

    host = PluginHost()
    filtered = OAuth2Client(
        TOKEN_ENDPOINT, client_id="filtered", plugins=host, disable_plugins=["x.*"]
    )
    plain = OAuth2Client(TOKEN_ENDPOINT, client_id="plain", plugins=host)
    for client in (filtered, plain):  # call the hooks once before the plugins arrive
        client.hook("oauth2kit_prepare_request", call=types.SimpleNamespace(client=client))
    host.register(
        make_plugin("late", oauth2kit_prepare_request=oauth2kit_prepare_request), name="late"
    )
    host.register(
        make_plugin("x.blocked", oauth2kit_prepare_request=oauth2kit_prepare_request),
        name="x.blocked",
    )
    for client in (filtered, plain):
        client.hook("oauth2kit_prepare_request", call=types.SimpleNamespace(client=client))
    assert ["filtered", "plain", "plain"] == seen


class Race:
    """Threads that call a hook while others register and unregister ``race.*`` plugins.

    Each plugin's `oauth2kit_configure_client` records (its name, the ``client`` argument it
    was called with), so that the test can tell for which kind of call it ran. Every loop
    stops after a number of rounds or at the deadline, whichever comes first.
    """

    BLOCKED = frozenset({"race.*"})
    ELSEWHERE = frozenset({"elsewhere.*"})

    def __init__(self, host: PluginHost, blocked_client: OAuth2Client) -> None:
        self.host = host
        self.blocked_client = blocked_client
        self.ran: list[tuple[str, object]] = []
        self.errors: list[BaseException] = []
        self.done = threading.Event()
        self.deadline = time.monotonic() + 20

    def plugin(self, name: str) -> types.ModuleType:
        def oauth2kit_configure_client(client: object) -> None:
            self.ran.append((name, client))

        return make_plugin(name, oauth2kit_configure_client=oauth2kit_configure_client)

    def running(self) -> bool:
        return not self.done.is_set() and time.monotonic() < self.deadline

    def call(self, barrier: threading.Barrier) -> None:
        try:
            barrier.wait(timeout=10)
            for _ in range(20_000):
                if not self.running():
                    break
                self.host.call("oauth2kit_configure_client", self.BLOCKED, client="blocked")
                self.blocked_client.hook("oauth2kit_configure_client", client=self.blocked_client)
                self.host.call("oauth2kit_configure_client", self.ELSEWHERE, client="filtered")
                self.host.call("oauth2kit_configure_client", frozenset(), client="plain")
        except Exception as exc:  # noqa: BLE001 - reported by the main thread
            self.errors.append(exc)

    def churn(self, barrier: threading.Barrier, index: int) -> None:
        try:
            barrier.wait(timeout=10)
            for round_ in range(150):
                if time.monotonic() > self.deadline:
                    break
                name = f"race.{index}.{round_}"
                if "loaded" != self.host.register(self.plugin(name), name=name).status:
                    self.errors.append(PluginError(f"{name} did not load"))
                self.host.unregister(name)
        except Exception as exc:  # noqa: BLE001 - reported by the main thread
            self.errors.append(exc)

    def run(self, callers: int, churners: int) -> list[threading.Thread]:
        """Run the threads; return those still alive at the end (none, unless stuck)."""
        barrier = threading.Barrier(callers + churners)
        churning = [
            threading.Thread(target=self.churn, args=(barrier, i), daemon=True)
            for i in range(churners)
        ]
        calling = [
            threading.Thread(target=self.call, args=(barrier,), daemon=True) for _ in range(callers)
        ]
        interval = sys.getswitchinterval()
        sys.setswitchinterval(1e-5)  # switch threads often: more interleavings
        try:
            for thread in [*churning, *calling]:
                thread.start()
            for thread in churning:
                thread.join(timeout=60)
            self.done.set()
            for thread in calling:
                thread.join(timeout=60)
        finally:
            sys.setswitchinterval(interval)
        return [thread for thread in [*churning, *calling] if thread.is_alive()]


def test_a_plugin_blocked_for_a_client_never_runs_for_it_while_plugins_come_and_go() -> None:
    # The race: while other threads register and unregister plugins whose names
    # match a client's block list, no hook call for that client may ever run one of them.
    host = PluginHost(load_entry_points=False)
    race = Race(host, client_with_basic_auth(host, disable_plugins=["race.*"]))
    host.register(race.plugin("race.pinned"), name="race.pinned")  # there for every call

    assert [] == race.run(callers=4, churners=4)
    assert [] == race.errors
    assert [] == [
        (name, client) for name, client in race.ran if client in ("blocked", race.blocked_client)
    ]
    # The same plugins did run for the calls that do not block them: the test can fail.
    assert {"filtered", "plain"} == {client for name, client in race.ran if name == "race.pinned"}
    assert ["race.pinned"] == [info.name for info in host.plugins()]


# --- name clashes and replacing -------------------------------------------------------------


def test_name_clash_names_both_plugins(empty_host: PluginHost) -> None:
    empty_host.register(grant_plugin("echo"), name="first")
    info = empty_host.register(grant_plugin("echo"), name="second")
    assert "failed" == info.status
    assert (
        "RegistryConflict: grant_types entry 'echo' is already provided by plugin 'first';"
        " plugin 'second' must register it with replace=True to override it"
    ) == info.error
    assert "first" == empty_host.grant_types.entry("echo").plugin


def test_registry_conflict_error_carries_both_names(empty_host: PluginHost) -> None:
    caught: list[RegistryConflict] = []

    def oauth2kit_register_grant_types(registry: Any) -> None:
        try:
            registry.add("x", EchoGrant())
        except RegistryConflict as exc:
            caught.append(exc)
            raise

    empty_host.register(grant_plugin("x"), name="first")
    info = empty_host.register(
        make_plugin("second", oauth2kit_register_grant_types=oauth2kit_register_grant_types),
        name="second",
    )
    assert "failed" == info.status
    assert [("grant_types", "x", "first", "second")] == [
        (exc.registry, exc.name, exc.existing, exc.newcomer) for exc in caught
    ]


def test_replace_overrides_and_blocking_the_newcomer_restores(empty_host: PluginHost) -> None:
    empty_host.register(grant_plugin("echo"), name="original")
    empty_host.register(grant_plugin("echo", replace=True), name="override")
    assert "override" == empty_host.grant_types.entry("echo").plugin
    restored = empty_host.grant_types.entry("echo", blocked=frozenset({"override"}))
    assert "original" == restored.plugin
    empty_host.unregister("override")
    assert "original" == empty_host.grant_types.entry("echo").plugin


@responses.activate
def test_blocking_the_newcomer_per_client_brings_the_replaced_entry_back() -> None:
    responses.post(TOKEN_ENDPOINT, json={"access_token": "t", "token_type": "Bearer"})
    host = PluginHost()  # the token response needs parse.oauth2
    host.register(grant_plugin("echo"), name="original")
    host.register(grant_plugin("echo", replace=True, grant=OtherGrant()), name="vendor.echo")
    for disable, expected in ((["vendor.*"], "urn%3Atest%3Aecho"), ([], "urn%3Atest%3Aother")):
        client_with_basic_auth(host, disable_plugins=disable).grant("echo")
        assert f"grant_type={expected}" == responses.calls[-1].request.body


def override_plugin() -> types.ModuleType:
    """Replaces the built-in ``client_credentials`` grant (with ``urn:test:other``)."""
    return grant_plugin("client_credentials", replace=True, grant=OtherGrant())


def test_a_lazily_imported_original_goes_underneath_its_replacement() -> None:
    host = PluginHost()
    assert False is host.is_loaded("grant.client_credentials")  # not imported yet
    assert "loaded" == host.register(override_plugin(), name="vendor.cc").status
    host.load_all()  # the original registers after the plugin that replaces it
    assert "loaded" == host.status("grant.client_credentials")
    assert "vendor.cc" == host.grant_types.entry("client_credentials").plugin
    underneath = host.grant_types.entry("client_credentials", blocked=frozenset({"vendor.*"}))
    assert "grant.client_credentials" == underneath.plugin
    assert {"grant_types": ["client_credentials"]} == {
        info.name: info.provides for info in host.plugins()
    }["grant.client_credentials"]


@responses.activate
def test_blocking_a_replacement_per_client_finds_a_lazy_original_not_imported_yet() -> None:
    responses.post(TOKEN_ENDPOINT, json={"access_token": "t", "token_type": "Bearer"})
    host = PluginHost()
    host.register(override_plugin(), name="vendor.cc")
    client = OAuth2Client(
        TOKEN_ENDPOINT, client_id="c", client_secret="s", plugins=host, disable_plugins=["vendor.*"]
    )
    assert "t" == client.client_credentials().access_token
    assert "grant_type=client_credentials&client_id=c&client_secret=s" == (
        responses.calls[0].request.body
    )


# --- validation ---------------------------------------------------------------------------


def test_a_module_plugin_registers_its_marked_functions_only(empty_host: PluginHost) -> None:
    def register(registry: Any) -> None:
        registry.add("echo", EchoGrant())

    def oauth2kit_prepare_request(call: Any) -> None:  # not marked: not a hook
        raise AssertionError

    module = types.ModuleType("imports_a_lot")
    module.oauth2kit = sys.modules["oauth2kit"]  # type: ignore[attr-defined]
    module.OAuth2Client = OAuth2Client  # type: ignore[attr-defined]
    module.oauth2kit_prepare_request = oauth2kit_prepare_request  # type: ignore[attr-defined]
    module.any_name = hookimpl(specname="oauth2kit_register_grant_types")(register)  # type: ignore[attr-defined]

    assert "loaded" == empty_host.register(module, name="imports_a_lot").status
    listed = {info.name: info for info in empty_host.plugins()}["imports_a_lot"]
    assert ("oauth2kit_register_grant_types",) == listed.hooks
    assert isinstance(empty_host.grant_types.get("echo"), EchoGrant)
    client_with_basic_auth(empty_host).hook(
        "oauth2kit_prepare_request", call=types.SimpleNamespace()
    )


@pytest.mark.parametrize(
    "typo", ["oauth2kit_register_grant_typos", "oauth2kit_parse_respons", "oauth2kit_prepare"]
)
def test_plugin_with_unknown_hook_is_set_aside(
    empty_host: PluginHost, caplog: pytest.LogCaptureFixture, typo: str
) -> None:
    def misspelt(**kwargs: Any) -> None:
        raise AssertionError

    with caplog.at_level(logging.WARNING, logger="oauth2kit.plugins"):
        info = empty_host.register(make_plugin("broken", **{typo: misspelt}), name="broken")
    assert "failed" == info.status
    assert f"PluginValidationError: unknown hook '{typo}' in plugin <module 'broken'>" == info.error
    assert f"oauth2kit plugin 'broken' was set aside: {info.error}" in caplog.messages
    # Nothing of it stays, and the others keep working.
    assert None is empty_host._pm.get_plugin("broken")
    assert "loaded" == empty_host.register(grant_plugin("echo"), name="good").status
    assert isinstance(empty_host.grant_types.get("echo"), EchoGrant)


def test_plugin_with_wrong_hook_arguments_is_set_aside(empty_host: PluginHost) -> None:
    def oauth2kit_register_grant_types(registry: Any, extra: Any) -> None:
        raise AssertionError

    info = empty_host.register(
        make_plugin("bad_args", oauth2kit_register_grant_types=oauth2kit_register_grant_types),
        name="bad_args",
    )
    assert "failed" == info.status
    assert "extra" in (info.error or "")


class NoBuild:
    grant_type = "urn:test:no-build"


class NumberGrantType:
    grant_type = 5

    def build(self, client: OAuth2Client, params: dict[str, Any]) -> dict[str, Any]:
        return params


class BuildNotCallable:
    grant_type = "urn:test:not-callable"
    build = "build"


@pytest.mark.parametrize("grant", [object(), NoBuild(), NumberGrantType(), BuildNotCallable()])
def test_a_grant_without_grant_type_or_build_fails_its_plugin_at_registration(
    grant: object,
) -> None:
    host = PluginHost()
    info = host.register(grant_plugin("bad", grant=grant), name="vendor.bad")
    assert "failed" == info.status
    prefix, _, reason = (info.error or "").partition(", which is not ")
    assert f"PluginError: plugin 'vendor.bad' registered grant_types entry 'bad' as {grant!r}" == (
        prefix
    )
    assert reason.startswith("a grant type (")  # the reason names what a grant needs:
    assert ("grant_type", "build") == tuple(
        word for word in ("grant_type", "build") if word in reason
    )
    client = OAuth2Client(TOKEN_ENDPOINT, client_id="c", client_secret="s", plugins=host)
    with pytest.raises(UnknownGrantType) as caught:
        client.grant("bad")
    assert str(caught.value).startswith("no plugin provides grant_types entry 'bad'")
    assert "vendor.bad" in str(caught.value)  # named among the failed plugins


@pytest.mark.parametrize(
    ("hook", "registry", "value", "wanted"),
    [
        ("oauth2kit_register_client_auth_methods", "client_auth_methods", "x", "callable"),
        ("oauth2kit_register_token_types", "token_types", dict, "a BearerToken subclass"),
        ("oauth2kit_register_settings", "settings", 5, "an oauth2kit.Setting"),
        ("oauth2kit_register_operations", "operations", None, "callable"),
        ("oauth2kit_register_error_codes", "error_codes", ValueError, "an EndpointError subclass"),
    ],
)
def test_every_registry_refuses_values_of_the_wrong_kind(
    empty_host: PluginHost, hook: str, registry: str, value: object, wanted: str
) -> None:
    def register(registry: Any) -> None:
        registry.add("thing", value)

    info = empty_host.register(make_plugin("wrong", **{hook: register}), name="wrong")
    assert (
        f"PluginError: plugin 'wrong' registered {registry} entry 'thing' as {value!r},"
        f" which is not {wanted}"
    ) == info.error
    assert "thing" not in getattr(empty_host, registry)


def test_plugin_whose_registration_raises_leaves_no_entries(empty_host: PluginHost) -> None:
    def oauth2kit_register_grant_types(registry: Any) -> None:
        registry.add("half", EchoGrant())
        raise RuntimeError("boom")

    info = empty_host.register(
        make_plugin("half", oauth2kit_register_grant_types=oauth2kit_register_grant_types),
        name="half",
    )
    assert ("failed", "RuntimeError: boom") == (info.status, info.error)
    assert "half" not in empty_host.grant_types


@pytest.mark.parametrize(
    "error",
    [
        AssertionError,
        ZeroDivisionError,
        SystemExit,
    ],
)
def test_a_plugin_whose_hooks_raise_is_set_aside_and_the_others_work(
    error: type[BaseException],
) -> None:
    configured: list[str] = []

    def oauth2kit_register_grant_types(registry: Any) -> None:
        registry.add("doomed", EchoGrant())
        raise error("broken on purpose")

    def oauth2kit_configure_client(client: OAuth2Client) -> None:
        configured.append("broken")

    host = PluginHost()
    broken = make_plugin(
        "broken",
        oauth2kit_register_grant_types=oauth2kit_register_grant_types,
        oauth2kit_configure_client=oauth2kit_configure_client,
    )
    try:
        info = host.register(broken, name="vendor.broken")
    except BaseException as exc:  # noqa: BLE001 - the assertion says what escaped
        pytest.fail(f"register() let {type(exc).__name__} escape")
    assert ("failed", f"{error.__name__}: broken on purpose") == (info.status, info.error)
    assert "doomed" not in host.grant_types
    with responses.RequestsMock() as stub:
        stub.post(TOKEN_ENDPOINT, json={"access_token": "t", "token_type": "Bearer"})
        client = OAuth2Client(TOKEN_ENDPOINT, client_id="c", client_secret="s", plugins=host)
        assert "t" == client.client_credentials().access_token
    assert [] == configured


# A child's token endpoint: a requests adapter that answers every request with a token.
STUB = """
import json, sys, requests
from requests.adapters import BaseAdapter
import oauth2kit

sent = []

class Stub(BaseAdapter):
    def send(self, request, **kwargs):
        sent.append(request.body)
        response = requests.Response()
        response.status_code, response.url, response.request = 200, request.url, request
        response.headers["Content-Type"] = "application/json"
        response._content = b'{"access_token": "t", "token_type": "Bearer"}'
        return response

    def close(self):
        pass

session = requests.Session()
session.mount("https://", Stub())
"""


def test_plugins_whose_import_raises_are_set_aside_and_the_others_work(tmp_path: Path) -> None:
    write_distribution(
        tmp_path,
        {
            "vendor.asserts": "assert False, 'broken on purpose'\n",
            "vendor.exits": "raise SystemExit('exit on purpose')\n",
            "grant.divides": "1 / 0\n",  # a lazy family: imported on first need
        },
    )
    code = STUB + (
        "client = oauth2kit.OAuth2Client('https://as.example/token', client_id='c',"
        " client_secret='s', session=session)\n"
        "token = client.client_credentials(scope='a b')\n"
        "try:\n"
        "    client.grant('divides')\n"
        "except oauth2kit.UnknownGrantType as exc:\n"
        "    unknown = str(exc)\n"
        "host = oauth2kit.default_host()\n"
        "print(json.dumps({'token': token.access_token, 'sent': sent, 'unknown': unknown,"
        " 'public': oauth2kit.OAuth2ClientCredentialsAuth.__name__,"
        " 'plugins': {i.name: [i.status, i.error] for i in host.plugins()}}))\n"
    )
    result = run_child(tmp_path, code)
    assert 0 == result.returncode, result.stderr
    report = json.loads(result.stdout)
    assert "t" == report["token"]
    assert ["grant_type=client_credentials&scope=a+b&client_id=c&client_secret=s"] == report["sent"]
    assert "OAuth2ClientCredentialsAuth" == report["public"]
    assert (
        "no plugin provides grant_types entry 'divides' (blocked or failed plugins:"
        " grant.divides, vendor.asserts, vendor.exits)"
    ) == report["unknown"]
    assert {
        **{name: ["loaded", None] for name in BUILTINS},
        "example.vendor": ["loaded", None],
        "vendor.asserts": ["failed", "AssertionError: broken on purpose"],
        "vendor.exits": ["failed", "SystemExit: exit on purpose"],
        "grant.divides": ["failed", "ZeroDivisionError: division by zero"],
    } == report["plugins"]
    for name in ("vendor.asserts", "vendor.exits", "grant.divides"):
        assert f"oauth2kit plugin '{name}' was set aside:" in result.stderr


def test_an_installed_plugin_whose_registration_hook_exits_is_set_aside(tmp_path: Path) -> None:
    source = (
        "from oauth2kit import hookimpl\n\n"
        "@hookimpl\n"
        "def oauth2kit_register_grant_types(registry):\n"
        "    raise SystemExit('exit in a hook')\n"
    )
    write_distribution(tmp_path, {"vendor.hook_exits": source})
    code = STUB + (
        "client = oauth2kit.OAuth2Client('https://as.example/token', client_id='c',"
        " client_secret='s', session=session)\n"
        "token = client.client_credentials()\n"
        "info = {i.name: [i.status, i.error] for i in oauth2kit.default_host().plugins()}\n"
        "print(json.dumps([token.access_token, info['vendor.hook_exits']]))\n"
    )
    result = run_child(tmp_path, code)
    assert 0 == result.returncode, result.stderr
    assert ["t", ["failed", "SystemExit: exit in a hook"]] == json.loads(result.stdout)


def test_a_lazy_plugin_no_index_covers_is_still_found_by_the_search(tmp_path: Path) -> None:
    # Third-party lazy plugins are in no index: a name only they provide is found by
    # importing the pending plugins, the built-ins that the index covers left aside.
    source = (
        "import oauth2kit\n"
        "@oauth2kit.hookimpl\n"
        "def oauth2kit_register_settings(registry):\n"
        "    registry.add('acme_flavour', oauth2kit.Setting(default='vanilla'))\n"
    )
    write_distribution(tmp_path, {"endpoint.acme": source})
    code = (
        "import json, sys, oauth2kit\n"
        "client = oauth2kit.OAuth2Client('https://as.example/token', client_id='c',"
        " client_secret='s', acme_flavour='mint')\n"
        "print(json.dumps([client.setting('acme_flavour'), sorted(m for m in sys.modules"
        " if m.startswith('o2k_builtins.endpoints.'))]))\n"
    )
    result = run_child(tmp_path, code)
    assert 0 == result.returncode, result.stderr
    assert ["mint", []] == json.loads(result.stdout)


def test_an_index_hook_that_answers_no_collection_is_a_plugin_error(
    empty_host: PluginHost,
) -> None:
    def oauth2kit_lazy_indexed(registry: str) -> object:
        return 42

    empty_host.register(make_plugin("bad_index", oauth2kit_lazy_indexed=oauth2kit_lazy_indexed))
    with pytest.raises(PluginError, match="oauth2kit_lazy_indexed"):
        empty_host.settings.get("anything")


# --- run-time registration ------------------------------------------------------------------


def test_register_replays_the_registration_hooks_for_a_late_plugin() -> None:
    received: list[object] = []

    def oauth2kit_register_grant_types(registry: Any) -> None:
        received.append(registry)
        registry.add("echo", EchoGrant())

    plugin = make_plugin("late", oauth2kit_register_grant_types=oauth2kit_register_grant_types)
    first, second = PluginHost(), PluginHost(load_entry_points=False)
    assert [] == received
    first.register(plugin, name="late")
    assert [first.grant_types] == received
    second.register(plugin, name="late")
    assert [first.grant_types, second.grant_types] == received  # each host its own registry
    assert isinstance(first.grant_types.get("echo"), EchoGrant)
    assert isinstance(second.grant_types.get("echo"), EchoGrant)


def test_unregister_removes_the_plugin_its_hooks_and_its_entries(empty_host: PluginHost) -> None:
    configured: list[str] = []

    def oauth2kit_register_grant_types(registry: Any) -> None:
        registry.add("echo", EchoGrant())

    def oauth2kit_configure_client(client: OAuth2Client) -> None:
        configured.append("gone")

    plugin = make_plugin(
        "gone",
        oauth2kit_register_grant_types=oauth2kit_register_grant_types,
        oauth2kit_configure_client=oauth2kit_configure_client,
    )
    empty_host.register(plugin, name="gone")
    empty_host.unregister("gone")
    assert (None, "echo" in empty_host.grant_types) == (empty_host.status("gone"), False)
    assert [] == empty_host.plugins()
    client = client_with_basic_auth(empty_host)
    assert [] == configured
    with pytest.raises(UnknownGrantType, match="'echo'"):
        client.grant("echo")
    # The name is free again.
    assert "loaded" == empty_host.register(plugin, name="gone").status
    assert isinstance(empty_host.grant_types.get("echo"), EchoGrant)


def test_unregistering_an_unknown_plugin_says_so(empty_host: PluginHost) -> None:
    with pytest.raises(PluginError, match="no plugin named 'nope'"):
        empty_host.unregister("nope")


def test_concurrent_registrations_are_all_recorded(empty_host: PluginHost) -> None:
    barrier = threading.Barrier(16)

    def register(index: int) -> None:
        barrier.wait(timeout=30)
        empty_host.register(grant_plugin(f"g{index}"), name=f"p{index}")

    threads = [threading.Thread(target=register, args=(i,), daemon=True) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert {f"p{i}" for i in range(16)} == {info.name for info in empty_host.plugins()}
    assert {f"g{i}" for i in range(16)} == {entry.name for entry in empty_host.grant_types}


@responses.activate
def test_custom_grant_registered_at_run_time_is_usable() -> None:
    # HTTP is stubbed here to see the exact form sent; the real-server version is in
    # tests/test_third_party_plugin.py.
    responses.post(TOKEN_ENDPOINT, json={"access_token": "t", "token_type": "Bearer"})
    host = PluginHost()
    host.register(grant_plugin("echo"), name="runtime.echo")
    client = OAuth2Client(TOKEN_ENDPOINT, client_id="c", client_secret="s", plugins=host)
    token = client.grant("echo", foo="bar")
    assert "t" == token.access_token
    assert "grant_type=urn%3Atest%3Aecho&foo=bar&client_id=c&client_secret=s" == (
        responses.calls[0].request.body
    )


def test_an_unhashable_plugin_is_set_aside_not_a_trap_for_blocking_clients() -> None:
    @dataclasses.dataclass  # eq=True without frozen: instances are unhashable
    class Unhashable:
        @hookimpl
        def oauth2kit_prepare_request(self, call: Any) -> None:
            raise AssertionError

    host = PluginHost()
    info = host.register(Unhashable(), name="unhashable")
    assert ("failed", "TypeError: unhashable type: 'Unhashable'") == (info.status, info.error)
    client = OAuth2Client(TOKEN_ENDPOINT, client_id="c", plugins=host, disable_plugins=["x.*"])
    client.hook("oauth2kit_prepare_request", call=types.SimpleNamespace(client=client))


@pytest.mark.parametrize(
    ("plugin", "name", "message"),
    [(None, "p", "not None"), (types.ModuleType("m"), "", "a non-empty name, got ''")],
)
def test_register_refuses_what_it_cannot_record(plugin: Any, name: str, message: str) -> None:
    with pytest.raises(PluginError, match=message):
        PluginHost(load_entry_points=False).register(plugin, name=name)


def test_a_name_is_registered_once(empty_host: PluginHost) -> None:
    empty_host.register(grant_plugin("echo"), name="mine")
    with pytest.raises(PluginError, match="a plugin named 'mine' is already registered"):
        empty_host.register(grant_plugin("other"), name="mine")
    assert "other" not in empty_host.grant_types


def test_registries_are_filled_from_registration_hooks_only(empty_host: PluginHost) -> None:
    with pytest.raises(PluginError, match=r"add\(\) is for plugins"):
        empty_host.grant_types.add("x", EchoGrant())
    assert "x" not in empty_host.grant_types


def test_a_registry_kept_from_a_registration_hook_is_closed_afterwards(
    empty_host: PluginHost,
) -> None:
    kept: list[Any] = []
    from_thread: list[BaseException] = []

    def oauth2kit_register_grant_types(registry: Any) -> None:
        kept.append(registry)

        def add_elsewhere() -> None:
            try:
                registry.add("from_thread", EchoGrant())
            except PluginError as exc:
                from_thread.append(exc)

        # Only the thread that runs the registration may add.
        thread = threading.Thread(target=add_elsewhere, daemon=True)
        thread.start()
        thread.join(timeout=30)

    plugin = make_plugin("keeper", oauth2kit_register_grant_types=oauth2kit_register_grant_types)
    assert "loaded" == empty_host.register(plugin, name="keeper").status
    assert 1 == len(from_thread)
    with pytest.raises(PluginError, match=r"add\(\) is for plugins"):
        kept[0].add("later", EchoGrant())
    assert set() == {entry.name for entry in empty_host.grant_types}


def test_unregister_and_status_take_names(empty_host: PluginHost) -> None:
    assert None is empty_host.status(["x"])  # type: ignore[arg-type]
    with pytest.raises(PluginError, match="no plugin named"):
        empty_host.unregister(["x"])  # type: ignore[arg-type]


# --- the default host and the package's names --------------------------------------------------


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
    with pytest.raises(ExportNotAvailable) as caught:
        _ = oauth2kit.PublicApp
    assert (
        "module 'oauth2kit' has no attribute 'PublicApp': no loaded plugin exports it"
        " (blocked or failed plugins: auth.none)"
    ) == str(caught.value)


def test_a_plugin_owned_name_comes_from_its_plugin(fresh_default_host: None) -> None:
    from o2k_builtins.oauth2.responses import ServerError

    assert ServerError is oauth2kit.ServerError
    assert issubclass(oauth2kit.ServerError, EndpointError)


def test_an_extension_may_not_shadow_a_name_of_the_package(empty_host: PluginHost) -> None:
    def oauth2kit_register_extensions(registry: Any) -> None:
        registry.add("BearerToken", object())

    info = empty_host.register(
        make_plugin("shadow", oauth2kit_register_extensions=oauth2kit_register_extensions),
        name="shadow",
    )
    assert "failed" == info.status
    assert "oauth2kit defines that name itself" in (info.error or "")


@pytest.mark.parametrize("name", ["Any", "hookspecs", "_hidden", "PluginHost"])
def test_extensions_cannot_take_names_the_package_has(empty_host: PluginHost, name: str) -> None:
    def oauth2kit_register_extensions(registry: Any) -> None:
        registry.add(name, object())

    info = empty_host.register(
        make_plugin("shadow", oauth2kit_register_extensions=oauth2kit_register_extensions),
        name="shadow",
    )
    assert "failed" == info.status
    assert (info.error or "").startswith(
        f"PluginError: plugin 'shadow' cannot register extensions entry {name!r}: "
    )
    assert name not in empty_host.extensions

"""A pip-installed third-party plugin (tests/plugins/oauth2kit-example), proven for real.

The distribution is installed into the test environment by the test command (see README);
it registers a custom grant by entry point and parses token responses for one issuer only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from as_server import AuthServer

from oauth2kit import (
    BearerToken,
    InvalidGrant,
    OAuth2Client,
    PluginDisabled,
    PluginHost,
    Registry,
    UnknownGrantType,
    default_host,
    hookimpl,
)
from oauth2kit.hookspecs import GrantType

pytestmark = pytest.mark.integration

PLUGIN = "example.vendor"


@pytest.fixture(autouse=True)
def _installed() -> None:
    if not default_host().is_loaded(PLUGIN):
        pytest.fail(
            "the example plugin is not installed: pip install ./tests/plugins/oauth2kit-example"
        )


def vendor_client(server: AuthServer, **kwargs: object) -> OAuth2Client:
    return OAuth2Client(
        server.token_endpoint, client_id="example-vendor", client_secret="example-vendor-secret",
        token_endpoint_auth_method="client_secret_basic", issuer=server.issuer, **kwargs,  # type: ignore[arg-type]
    )  # fmt: skip


def test_discovered_and_listed() -> None:
    info = {info.name: info for info in default_host().plugins()}[PLUGIN]
    assert info.status == "loaded"
    assert info.distribution == "oauth2kit-example"
    assert info.version == "1.0.0"
    assert info.provides == {"grant_types": ["magic_word"]}
    assert "oauth2kit_parse_response" in info.hooks


def test_custom_grant_works_against_the_real_server(auth_server: AuthServer) -> None:
    client = vendor_client(auth_server)
    token = client.grant("magic_word", magic_word="please", scope="api:read")
    assert token.scope == "api:read"
    with pytest.raises(InvalidGrant, match="invalid_grant"):
        client.grant("magic_word", magic_word="abracadabra")


def test_parsing_is_overridden_for_the_vendor_issuer_only(
    auth_server: AuthServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OAUTH2KIT_EXAMPLE_ISSUERS", auth_server.issuer)
    vendor_token = vendor_client(auth_server).client_credentials(scope="api:read")
    assert type(vendor_token).__name__ == "ExampleVendorToken"
    assert vendor_token.vendor_issuer == auth_server.issuer

    monkeypatch.setenv("OAUTH2KIT_EXAMPLE_ISSUERS", "https://login.example-vendor.invalid")
    other = vendor_client(auth_server).client_credentials(scope="api:read")
    assert type(other) is BearerToken


def test_switched_off_by_name_per_client_and_per_host(
    auth_server: AuthServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OAUTH2KIT_EXAMPLE_ISSUERS", auth_server.issuer)
    client = vendor_client(auth_server, disable_plugins=[PLUGIN])
    with pytest.raises(PluginDisabled, match=PLUGIN):
        client.grant("magic_word", magic_word="please")
    assert type(client.client_credentials(scope="api:read")) is BearerToken

    host = PluginHost(disable=[PLUGIN])
    with pytest.raises(UnknownGrantType):
        vendor_client(auth_server, plugins=host).grant("magic_word", magic_word="please")


def install(site: Path, distribution: str, entry_points: str, module: str, source: str) -> None:
    """Put a real (if tiny) installed distribution with one plugin module in `site`."""
    dist_info = site / f"{distribution.replace('-', '_')}-0.1.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 0.1\n"
    )
    (dist_info / "entry_points.txt").write_text(f"[oauth2kit.plugins]\n{entry_points}\n")
    (site / f"{module}.py").write_text(textwrap.dedent(source))


def run_with(sites: list[Path], *args: str) -> subprocess.CompletedProcess[str]:
    """Run a child Python with `sites` first on its path (a hang fails after 60 s)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*map(str, sites), *sys.path])}
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, check=True, env=env, timeout=60
    )


def test_a_broken_installed_plugin_is_set_aside(tmp_path: Path) -> None:
    # A plugin module that fails to import, in a child process: discovery must record it
    # and keep every other plugin.
    install(
        tmp_path, "oauth2kit-broken", "broken.import = oauth2kit_broken_plugin",
        "oauth2kit_broken_plugin",
        'raise ImportError("this plugin needs a library that is not installed")',
    )  # fmt: skip
    result = run_with([tmp_path], "-m", "oauth2kit", "plugins", "--json")
    listing = {entry["name"]: entry for entry in json.loads(result.stdout)}
    assert listing["broken.import"]["status"] == "failed"
    assert "needs a library" in listing["broken.import"]["error"]
    assert listing["broken.import"]["distribution"] == "oauth2kit-broken"
    assert listing[PLUGIN]["status"] == "loaded"
    assert listing["grant.client_credentials"]["status"] == "loaded"
    assert "set aside" in result.stderr


def test_a_plugin_may_subclass_a_built_in_handler_at_import_time(tmp_path: Path) -> None:
    # `from oauth2kit import OAuth2ClientCredentialsAuth` while discovery imports this very
    # plugin: the built-ins are registered by then, and the host is not asked for twice.
    install(
        tmp_path, "oauth2kit-acme", "vendor.acme = oauth2kit_acme_plugin", "oauth2kit_acme_plugin",
        """
        from oauth2kit import OAuth2ClientCredentialsAuth, hookimpl

        class AcmeAuth(OAuth2ClientCredentialsAuth):
            pass

        @hookimpl
        def oauth2kit_register_extensions(registry):
            registry.add("AcmeAuth", AcmeAuth)
        """,
    )  # fmt: skip
    code = (
        "import oauth2kit\n"
        "oauth2kit.OAuth2Client('https://as.example/token', auth=('c', 's'))\n"
        "print(oauth2kit.AcmeAuth.__mro__[1].__name__)"
    )
    assert run_with([tmp_path], "-c", code).stdout.strip() == "OAuth2ClientCredentialsAuth"
    # The same in a host of its own: the name comes from that host, and the default host
    # is not discovered on the side (with this plugin half imported).
    code = (
        "import oauth2kit, oauth2kit._host\n"
        "host = oauth2kit.PluginHost()\n"
        "print(host.is_loaded('vendor.acme'), oauth2kit._host._default_host is None)"
    )
    assert run_with([tmp_path], "-c", code).stdout.split() == ["True", "True"]


def test_two_distributions_with_one_plugin_name_are_reported(tmp_path: Path) -> None:
    for n in (1, 2):
        install(
            tmp_path / f"site{n}", f"oauth2kit-twin{n}", f"twin.plugin = oauth2kit_twin{n}",
            f"oauth2kit_twin{n}", "",
        )  # fmt: skip
    result = run_with([tmp_path / "site1", tmp_path / "site2"], "-m", "oauth2kit", "plugins")
    assert "two installed distributions provide oauth2kit plugin 'twin.plugin'" in result.stderr
    assert "oauth2kit_twin1 is used, oauth2kit_twin2 is not" in result.stderr
    assert "twin.plugin  [loaded]  oauth2kit_twin1" in result.stdout


def test_custom_grant_registered_at_run_time_works_against_the_real_server(
    auth_server: AuthServer,
) -> None:
    class RuntimeMagic:
        """The same wire grant as the example plugin's, registered under another name."""

        grant_type = "urn:oauth2kit:example:grant-type:magic-word"

        def build(self, client: OAuth2Client, params: dict[str, object]) -> dict[str, object]:
            return {"magic_word": "please", **params}

    class RuntimePlugin:
        @hookimpl
        def oauth2kit_register_grant_types(self, registry: Registry[GrantType]) -> None:
            registry.add("runtime_magic", RuntimeMagic())

    host = PluginHost()
    client = vendor_client(auth_server, plugins=host)
    with pytest.raises(UnknownGrantType):
        client.grant("runtime_magic")
    assert host.register(RuntimePlugin(), name="runtime.magic").status == "loaded"
    token = client.grant("runtime_magic", scope="api:write")  # the existing client sees it
    assert token.scope == "api:write"
    assert {info.name: info.provides for info in host.plugins()}["runtime.magic"] == {
        "grant_types": ["runtime_magic"]
    }

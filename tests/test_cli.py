"""The plugin listing: ``python -m oauth2kit plugins`` and the ``oauth2kit`` command."""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The built-ins are exactly the entry points that pyproject.toml declares.
BUILTINS: dict[str, str] = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
    "entry-points"
]["oauth2kit.plugins"]
VERSION = importlib.metadata.version("oauth2kit")
FIELDS = {"name", "module", "status", "distribution", "version", "error", "hooks", "provides"}


def clean_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "OAUTH2KIT_DISABLE_PLUGINS"}
    return {**env, **extra}


def run(*args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "oauth2kit", *args],
        capture_output=True, text=True, check=False, timeout=120, env=env or clean_env(),
    )  # fmt: skip
    assert 0 == result.returncode, result.stderr
    return result.stdout


def test_json_listing_has_every_field_for_every_builtin() -> None:
    listing = {entry["name"]: entry for entry in json.loads(run("plugins", "--json"))}
    for name, module in BUILTINS.items():
        entry = listing[name]
        assert FIELDS == set(entry)
        assert (name, module, "loaded") == (entry["name"], entry["module"], entry["status"])
        assert ("oauth2kit", VERSION, None) == (
            entry["distribution"],
            entry["version"],
            entry["error"],
        )
        assert entry["hooks"], name
        assert sorted(entry["hooks"]) == entry["hooks"]
    assert [
        "oauth2kit_parse_error",
        "oauth2kit_parse_response",
        "oauth2kit_register_error_codes",
        "oauth2kit_register_extensions",
    ] == listing["parse.oauth2"]["hooks"]
    assert {"token_types": ["Bearer"]} == listing["token.bearer"]["provides"]
    assert {
        "client_auth_methods": ["client_secret_basic"],
        "extensions": ["ClientSecretBasic"],
    } == listing["auth.client_secret_basic"]["provides"]


def test_table_listing_and_disable_flag() -> None:
    lines = run("plugins", "--disable", "grant.*").splitlines()
    origin = f"(oauth2kit {VERSION})"
    blocked = f"grant.client_credentials  [blocked]  {BUILTINS['grant.client_credentials']}"
    assert f"{blocked}  {origin}" in lines
    loaded = f"auth.client_secret_basic  [loaded]  {BUILTINS['auth.client_secret_basic']}"
    index = lines.index(f"{loaded}  {origin}")
    assert [
        "    hooks: oauth2kit_register_client_auth_methods, oauth2kit_register_extensions",
        "    client_auth_methods: client_secret_basic",
        "    extensions: ClientSecretBasic",
    ] == lines[index + 1 : index + 4]


def test_disable_takes_comma_separated_names_like_the_environment_variable() -> None:
    text = run("plugins", "--disable", "auth.none,grant.refresh_token")
    assert "auth.none  [blocked]" in text
    assert "grant.refresh_token  [blocked]" in text
    assert "grant.client_credentials  [loaded]" in text


def test_disable_flag_adds_to_the_environment_variable() -> None:
    text = run(
        "plugins", "--disable", "auth.none", env=clean_env(OAUTH2KIT_DISABLE_PLUGINS="token.*")
    )
    assert "auth.none  [blocked]" in text
    assert "token.bearer  [blocked]" in text
    assert "grant.client_credentials  [loaded]" in text


def write_distribution(directory: Path, plugins: dict[str, str]) -> None:
    """Install (on `directory`) a distribution of plugins: entry-point name -> module source."""
    dist_info = directory / "o2k_test_plugins-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: o2k-test-plugins\nVersion: 1.0\n"
    )
    lines = ["[oauth2kit.plugins]"]
    for name, source in plugins.items():
        module = "o2k_test_" + name.replace(".", "_")
        (directory / f"{module}.py").write_text(source)
        lines.append(f"{name} = {module}")
    (dist_info / "entry_points.txt").write_text("\n".join(lines) + "\n")


GOOD_PLUGIN = """
from oauth2kit import hookimpl

class Grant:
    grant_type = "urn:test:good"

    def build(self, client, params):
        return params

@hookimpl
def oauth2kit_register_grant_types(registry):
    registry.add("good", Grant())
"""


def broken_installation(directory: Path) -> dict[str, str]:
    """Plugins that fail to import, one blocked one, and a good one; the env that sees them."""
    write_distribution(
        directory,
        {
            "vendor.asserts": "assert False, 'broken on purpose'\n",
            "vendor.exits": "raise SystemExit('exit on purpose')\n",
            "grant.divides": "1 / 0\n",
            "vendor.lines": "raise ValueError('line one\\nline two')\n",
            "vendor.blocked": "raise AssertionError('a blocked plugin is never imported')\n",
            "vendor.good": GOOD_PLUGIN,
        },
    )
    return clean_env(
        PYTHONPATH=str(directory),
        XDG_CACHE_HOME=str(directory / "cache"),
        OAUTH2KIT_DISABLE_PLUGINS="vendor.block*",
    )


def test_table_lists_loaded_blocked_and_failed_plugins_without_crashing(tmp_path: Path) -> None:
    lines = run("plugins", env=broken_installation(tmp_path)).splitlines()
    origin = "(o2k-test-plugins 1.0)"
    for block in (
        [
            f"vendor.asserts  [failed]  o2k_test_vendor_asserts  {origin}",
            "    error: AssertionError: broken on purpose",
        ],
        [
            f"vendor.exits  [failed]  o2k_test_vendor_exits  {origin}",
            "    error: SystemExit: exit on purpose",
        ],
        [
            f"grant.divides  [failed]  o2k_test_grant_divides  {origin}",
            "    error: ZeroDivisionError: division by zero",
        ],
        [  # a multi-line error keeps the layout
            f"vendor.lines  [failed]  o2k_test_vendor_lines  {origin}",
            "    error: ValueError: line one",
            "           line two",
        ],
        [
            f"vendor.good  [loaded]  o2k_test_vendor_good  {origin}",
            "    hooks: oauth2kit_register_grant_types",
            "    grant_types: good",
        ],
    ):
        index = lines.index(block[0])
        assert block == lines[index : index + len(block)]
    index = lines.index(f"vendor.blocked  [blocked]  o2k_test_vendor_blocked  {origin}")
    assert not lines[index + 1].startswith(" ")  # nothing more to say about it
    for name, module in BUILTINS.items():
        assert f"{name}  [loaded]  {module}  (oauth2kit {VERSION})" in lines


def test_json_lists_loaded_blocked_and_failed_plugins_without_crashing(tmp_path: Path) -> None:
    listing = {
        entry["name"]: entry
        for entry in json.loads(run("plugins", "--json", env=broken_installation(tmp_path)))
    }
    origin = {"distribution": "o2k-test-plugins", "version": "1.0", "hooks": [], "provides": {}}
    assert {
        "name": "vendor.exits",
        "module": "o2k_test_vendor_exits",
        "status": "failed",
        "error": "SystemExit: exit on purpose",
        **origin,
    } == listing["vendor.exits"]
    assert {
        "name": "vendor.blocked",
        "module": "o2k_test_vendor_blocked",
        "status": "blocked",
        "error": None,
        **origin,
    } == listing["vendor.blocked"]
    assert {
        "name": "vendor.good",
        "module": "o2k_test_vendor_good",
        "status": "loaded",
        "error": None,
        **origin,
        "hooks": ["oauth2kit_register_grant_types"],
        "provides": {"grant_types": ["good"]},
    } == listing["vendor.good"]
    assert {
        "vendor.asserts": ("failed", "AssertionError: broken on purpose"),
        "grant.divides": ("failed", "ZeroDivisionError: division by zero"),
        "vendor.lines": ("failed", "ValueError: line one\nline two"),
    } == {
        name: (listing[name]["status"], listing[name]["error"])
        for name in ("vendor.asserts", "grant.divides", "vendor.lines")
    }
    assert dict.fromkeys(BUILTINS, "loaded") == {name: listing[name]["status"] for name in BUILTINS}


def test_console_script_is_installed() -> None:
    command = shutil.which("oauth2kit", path=str(Path(sys.executable).parent))
    assert command is not None, "pip install -e . installs the oauth2kit command"
    result = subprocess.run(
        [command, "plugins", "--json"],
        capture_output=True, text=True, check=True, timeout=120, env=clean_env(),
    )  # fmt: skip
    assert set(BUILTINS) <= {entry["name"] for entry in json.loads(result.stdout)}


def test_output_cut_short_by_the_reader_is_not_an_error() -> None:
    # Like `oauth2kit plugins | head`: the reader is gone before the command writes.
    process = subprocess.Popen(
        [sys.executable, "-m", "oauth2kit", "plugins", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env(),
    )  # fmt: skip
    assert process.stdout is not None
    process.stdout.close()
    _, stderr = process.communicate(timeout=60)
    assert b"BrokenPipeError" not in stderr
    assert 0 == process.returncode

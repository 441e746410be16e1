"""The plugin listing: ``python -m oauth2kit plugins`` and the ``oauth2kit`` command."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from oauth2kit._builtins import BUILTIN_PLUGINS


def run(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "oauth2kit", *args], capture_output=True, text=True, check=True
    )
    return result.stdout


def test_json_listing_has_every_field_for_every_builtin() -> None:
    listing = {entry["name"]: entry for entry in json.loads(run("plugins", "--json"))}
    for name, module in BUILTIN_PLUGINS.items():
        entry = listing[name]
        assert entry["module"] == module
        assert entry["status"] == "loaded"
        assert entry["distribution"].startswith("oauth2kit")
        assert entry["hooks"]
        assert set(entry) == {
            "name", "module", "status", "distribution", "version", "error", "hooks", "provides",
        }  # fmt: skip
    assert listing["parse.oauth2"]["hooks"] == ["oauth2kit_parse_error", "oauth2kit_parse_response"]
    assert listing["token.bearer"]["provides"] == {"token_types": ["Bearer"]}


def test_table_listing_and_disable_flag() -> None:
    text = run("plugins", "--disable", "grant.*")
    assert "grant.client_credentials  [blocked]" in text
    assert "auth.client_secret_basic  [loaded]" in text
    assert "client_auth_methods: client_secret_basic" in text


def test_disable_takes_comma_separated_names_like_the_environment_variable() -> None:
    text = run("plugins", "--disable", "auth.none,grant.refresh_token")
    assert "auth.none  [blocked]" in text
    assert "grant.refresh_token  [blocked]" in text
    assert "grant.client_credentials  [loaded]" in text


def test_console_script_is_installed() -> None:
    command = shutil.which("oauth2kit", path=str(__import__("pathlib").Path(sys.executable).parent))
    assert command is not None, "pip install -e . installs the oauth2kit command"
    result = subprocess.run(
        [command, "plugins", "--json"], capture_output=True, text=True, check=True
    )
    assert {entry["name"] for entry in json.loads(result.stdout)} >= set(BUILTIN_PLUGINS)


def test_output_cut_short_by_the_reader_is_not_an_error() -> None:
    # Like `oauth2kit plugins | head`: the reader is gone before the command writes.
    process = subprocess.Popen(
        [sys.executable, "-m", "oauth2kit", "plugins", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    process.stdout.close()
    _, stderr = process.communicate(timeout=60)
    assert b"BrokenPipeError" not in stderr
    assert process.returncode == 0

"""The command line: ``oauth2kit`` and ``python -m oauth2kit`` (help, version, plugin listing)."""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from o2k_builtins import cli
from plugin_dists import write_distribution

import oauth2kit

ROOT = Path(__file__).resolve().parent.parent
# The built-ins are exactly the entry points that pyproject.toml declares.
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
BUILTINS: dict[str, str] = PROJECT["entry-points"]["oauth2kit.plugins"]
# The installed distribution that ships the built-ins, whatever it is called (its name is not
# the import name, and a checkout's pyproject.toml may name another until it is reinstalled).
(_SHIPPED,) = importlib.metadata.entry_points(
    group="oauth2kit.plugins", name="grant.client_credentials"
)
assert _SHIPPED.dist is not None
DIST: str = _SHIPPED.dist.metadata["Name"]
VERSION = _SHIPPED.dist.version
CONSOLE_SCRIPT = Path(sys.executable).parent / "oauth2kit"
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
        assert (DIST, VERSION, None) == (
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
    origin = f"({DIST} {VERSION})"
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
        assert f"{name}  [loaded]  {module}  ({DIST} {VERSION})" in lines


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


# --- help and version, the same from `oauth2kit` and `python -m oauth2kit` -------------------


def run_both(*args: str, env: dict[str, str] | None = None) -> tuple[int, bytes, bytes]:
    """Run the console script and `python -m oauth2kit`; return what both did, the same."""
    results = [
        subprocess.run(
            [*command, *args], capture_output=True, check=False, timeout=120, env=env or clean_env()
        )
        for command in ([str(CONSOLE_SCRIPT)], [sys.executable, "-m", "oauth2kit"])
    ]
    console, module = ((r.returncode, r.stdout, r.stderr) for r in results)
    assert console == module
    return console


def test_bare_command_prints_the_help_and_succeeds() -> None:
    status, stdout, stderr = run_both()
    assert (0, b"") == (status, stderr)
    text = stdout.decode()
    assert text.startswith("usage: oauth2kit ")
    assert "--version" in text
    assert "plugins   list plugins: built-in, installed and failed" in text
    assert "required" not in text


def test_version_prints_the_installed_distributions_version() -> None:
    assert (0, f"oauth2kit {VERSION}\n".encode(), b"") == run_both("--version")


@pytest.mark.parametrize(
    "args",
    [("--help",), ("plugins", "--help"), ("plugins", "--json"), ("no-such-command",), ("--nope",)],
)
def test_module_and_console_script_behave_alike(args: tuple[str, ...]) -> None:
    status, stdout, stderr = run_both(*args)  # asserts that both did the same
    if args[-1].startswith("--h") or args == ("plugins", "--json"):
        assert (0, b"") == (status, stderr)
        assert stdout
    else:  # argparse's usage error, with the same program name in both
        assert (2, b"") == (status, stdout)
        assert stderr.startswith(b"usage: oauth2kit ")


def test_version_is_that_of_the_distribution_providing_the_package(tmp_path: Path) -> None:
    # The distribution's name is free to change: the one that claims the `oauth2kit` package
    # (top_level.txt) and records its very files is the one whose version is printed. Found
    # on PYTHONPATH first, so it is listed before the real one.
    dist_info = tmp_path / "o2k_renamed-7.7.7.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: o2k-renamed\nVersion: 7.7.7\n"
    )
    (dist_info / "top_level.txt").write_text("oauth2kit\n")
    (dist_info / "RECORD").write_text(f"{Path(oauth2kit.__file__).resolve()},,\n")
    env = clean_env(PYTHONPATH=str(tmp_path))
    assert (0, b"oauth2kit 7.7.7\n", b"") == run_both("--version", env=env)


def test_version_falls_back_to_the_package_version_without_metadata(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(importlib.metadata, "packages_distributions", dict)
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda **_: [])
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert 0 == exit_info.value.code
    assert f"oauth2kit {oauth2kit.__version__}\n" == capsys.readouterr().out


def test_main_without_arguments_returns_0_with_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert 0 == cli.main([])
    captured = capsys.readouterr()
    assert "" == captured.err
    assert captured.out.startswith("usage: oauth2kit ")


# --- plugin text reaches the terminal with control characters escaped ---------------------


HOSTILE_ERROR = "\x1b[31mred\x1b[0m\rback\nsecond\u202eline\ttab"


def hostile_installation(directory: Path) -> dict[str, str]:
    write_distribution(
        directory,
        {"vendor.ansi": f"raise ValueError({HOSTILE_ERROR!r})\n", "vendor.good": GOOD_PLUGIN},
    )
    return clean_env(PYTHONPATH=str(directory), XDG_CACHE_HOME=str(directory / "cache"))


def test_table_escapes_control_characters_of_a_plugins_error(tmp_path: Path) -> None:
    status, stdout, stderr = run_both("plugins", env=hostile_installation(tmp_path))
    assert 0 == status
    for raw in ("\x1b", "\r", "\u202e", "\t"):
        assert raw.encode() not in stdout
        assert raw.encode() not in stderr  # the warning logged about the failed plugin
    lines = stdout.decode().split("\n")
    index = lines.index("vendor.ansi  [failed]  o2k_test_vendor_ansi  (o2k-test-plugins 1.0)")
    assert (
        [  # escaped as repr escapes them; the newline keeps the multi-line layout
            r"    error: ValueError: \x1b[31mred\x1b[0m\rback",
            r"           second\u202eline\ttab",
        ]
        == lines[index + 1 : index + 3]
    )
    assert (
        rb"oauth2kit plugin 'vendor.ansi' was set aside: ValueError: \x1b[31mred\x1b[0m\rback"
        in stderr
    )


def test_json_keeps_the_error_text_whole_and_escaped(tmp_path: Path) -> None:
    status, stdout, _ = run_both("plugins", "--json", env=hostile_installation(tmp_path))
    assert 0 == status
    assert b"\x1b" not in stdout
    assert b"\r" not in stdout
    listing = {entry["name"]: entry for entry in json.loads(stdout)}
    assert f"ValueError: {HOSTILE_ERROR}" == listing["vendor.ansi"]["error"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain text, unchanged: é ü 日本", "plain text, unchanged: é ü 日本"),
        ("\x1b[2J\x07\x00", r"\x1b[2J\x07\x00"),
        ("a\r\nb", r"a\r\nb"),
        ("lone \udc80 surrogate", r"lone \udc80 surrogate"),
        (r"C:\path\x1b stays as typed", r"C:\path\x1b stays as typed"),
    ],
)
def test_printable_escapes_what_repr_escapes(text: str, expected: str) -> None:
    assert expected == cli.printable(text)


def test_printable_can_keep_newlines() -> None:
    assert "one\\r\ntwo\\x1b" == cli.printable("one\r\ntwo\x1b", keep_newlines=True)

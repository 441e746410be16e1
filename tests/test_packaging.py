"""Packaging and import hygiene: the built-ins, the public API, the cost of importing."""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import oauth2kit
from oauth2kit import OAuth2Client, PluginHost, PluginNotAvailable

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
GROUP = "oauth2kit.plugins"
# The built-ins are exactly the entry points that pyproject.toml declares.
BUILTINS: dict[str, str] = PYPROJECT["project"]["entry-points"][GROUP]
NAMESPACE = "o2k_builtins"
# Modules of the plugin families imported on first need, which a client may not import early.
LAZY_PACKAGES = (f"{NAMESPACE}.grants", f"{NAMESPACE}.handlers", f"{NAMESPACE}.tokens")


def run_python(code: str) -> str:
    env = {key: value for key, value in os.environ.items() if key != "OAUTH2KIT_DISABLE_PLUGINS"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert 0 == result.returncode, result.stderr
    return result.stdout


def test_installed_entry_points_are_those_of_pyproject() -> None:
    # An editable install made from an older pyproject.toml would list other built-ins.
    installed = importlib.metadata.distribution("oauth2kit").entry_points.select(group=GROUP)
    assert BUILTINS == {entry_point.name: entry_point.value for entry_point in installed}


def test_the_host_knows_exactly_the_pyproject_entry_points_as_built_ins() -> None:
    shipped = {
        info.name: info.module
        for info in PluginHost().plugins()
        if info.distribution == "oauth2kit"
    }
    assert BUILTINS == shipped


@pytest.mark.parametrize(("name", "target"), sorted(BUILTINS.items()))
def test_every_builtin_imports_from_its_namespace(name: str, target: str) -> None:
    assert ":" not in target, "a built-in is a module"
    assert NAMESPACE == target.partition(".")[0]
    module = importlib.import_module(target)
    assert module.__file__ is not None
    assert Path(module.__file__).resolve().is_relative_to(ROOT / "plugins" / NAMESPACE)


def test_the_wheel_ships_the_kernel_and_the_builtin_namespace() -> None:
    wheel = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert ["oauth2kit", f"plugins/{NAMESPACE}"] == wheel["packages"]
    assert (ROOT / "plugins" / NAMESPACE / "__init__.py").is_file()


def test_no_builtin_package_takes_a_third_party_style_name() -> None:
    # `oauth2kit_<name>` is how third parties name their plugin packages.
    top_level = {target.partition(".")[0] for target in BUILTINS.values()}
    directories = {path.name for path in (ROOT / "plugins").iterdir() if path.is_dir()}
    assert [] == sorted(n for n in top_level | directories if n.startswith("oauth2kit_"))
    assert {NAMESPACE} == top_level


def test_every_name_of_all_resolves() -> None:
    assert [] == [name for name in oauth2kit.__all__ if getattr(oauth2kit, name, None) is None]


def test_all_lists_each_name_once() -> None:
    assert [] == sorted(
        name for name in set(oauth2kit.__all__) if oauth2kit.__all__.count(name) > 1
    )


def test_all_is_sorted() -> None:
    assert sorted(oauth2kit.__all__, key=lambda n: (not n.isupper(), n)) == oauth2kit.__all__


def test_import_does_not_load_plugins_or_heavy_dependencies() -> None:
    plugin_packages = sorted(
        {
            entry_point.value.partition(":")[0].partition(".")[0]
            for entry_point in importlib.metadata.entry_points(group=GROUP)
        }
    )
    assert NAMESPACE in plugin_packages
    avoided = [
        "pluggy", "attrs", "attr", "stevedore", "jose", "cryptography", "oauth2kit._host",
        *plugin_packages,
    ]  # fmt: skip
    code = (
        "import sys, json, oauth2kit; "
        f"print(json.dumps([m for m in {avoided!r} if m in sys.modules]))"
    )
    assert [] == json.loads(run_python(code))


# In a child: a session whose every request gets a token, and the plugin modules imported.
CHILD = """
import json, sys, requests
from requests.adapters import BaseAdapter

class Stub(BaseAdapter):
    def send(self, request, **kwargs):
        response = requests.Response()
        response.status_code, response.url, response.request = 200, request.url, request
        response.headers["Content-Type"] = "application/json"
        response._content = b'{"access_token": "t", "token_type": "Bearer"}'
        return response

    def close(self):
        pass

session = requests.Session()
session.mount("https://", Stub())

def builtins():
    return sorted(m for m in sys.modules if m.startswith("o2k_builtins."))

import oauth2kit
client = oauth2kit.OAuth2Client(
    "https://as.example/token", client_id="c", client_secret="s", session=session
)
after_client = builtins()
token = client.client_credentials()
print(json.dumps([after_client, builtins(), token.access_token]))
"""


def test_a_client_imports_only_the_lazy_plugins_it_needs() -> None:
    after_client, after_token, access_token = json.loads(run_python(CHILD))
    assert [] == [module for module in after_client if module.startswith(LAZY_PACKAGES)]
    assert "t" == access_token
    # The first client_credentials() needs its grant and the token type, nothing else lazy.
    assert [
        f"{NAMESPACE}.grants",
        f"{NAMESPACE}.grants.client_credentials",
        f"{NAMESPACE}.tokens",
        f"{NAMESPACE}.tokens.bearer",
    ] == sorted(set(after_token) - set(after_client))
    assert [] == [module for module in after_token if module.startswith(f"{NAMESPACE}.handlers")]


def test_without_entry_points_there_are_no_builtins(monkeypatch: pytest.MonkeyPatch) -> None:
    # Replaces the bare-checkout test: the entry points are the only list of built-ins, so a
    # host that sees none has none (the kernel keeps no list of its own to fall back on).
    import stevedore

    monkeypatch.setattr(stevedore.NamedExtensionManager, "list_entry_points", lambda _self: [])
    host = PluginHost()
    assert [] == host.plugins()
    with pytest.raises(PluginNotAvailable, match="client_secret_post"):
        OAuth2Client("https://as.example/token", client_id="c", client_secret="s", plugins=host)


def test_plugins_import_only_the_public_api() -> None:
    # Rule 1 of the architecture: a built-in is written as a third-party plugin would be.
    paths = sorted((ROOT / "plugins").rglob("*.py"))
    assert paths
    for path in paths:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                assert not (parts[0] == "oauth2kit" and any(p.startswith("_") for p in parts)), (
                    f"{path}: imports {node.module}"
                )


def test_kernel_never_imports_a_plugin() -> None:
    plugin_packages = {target.partition(".")[0] for target in BUILTINS.values()} | {
        "oauth2kit_example"
    }
    for path in (ROOT / "oauth2kit").rglob("*.py"):
        tree = ast.parse(path.read_text())
        type_checking_lines = {
            n.lineno
            for block in ast.walk(tree)
            if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
            for n in ast.walk(block)
            if hasattr(n, "lineno")
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom | ast.Import)
                and node.lineno not in type_checking_lines
            ):
                names = (
                    [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else [a.name for a in node.names]
                )
                for name in names:
                    assert name.split(".")[0] not in plugin_packages, f"{path}: imports {name}"


def test_py_typed_is_shipped() -> None:
    assert (ROOT / "oauth2kit" / "py.typed").is_file()
    assert (ROOT / "plugins" / NAMESPACE / "py.typed").is_file()


def test_public_submodule_imports_in_a_fresh_process() -> None:
    code = "from oauth2kit import hookspecs; from oauth2kit.hookspecs import hookimpl; print('ok')"
    assert "ok" == run_python(code).strip()

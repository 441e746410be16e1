"""Packaging and import hygiene: the built-in table, the public API, the cost of importing."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import oauth2kit
from oauth2kit._builtins import BUILTIN_PLUGINS

ROOT = Path(__file__).resolve().parent.parent


def test_builtin_table_matches_pyproject_entry_points() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["entry-points"]["oauth2kit.plugins"] == BUILTIN_PLUGINS


def test_every_builtin_package_is_in_the_wheel() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wheel_packages = set(pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"])
    plugin_packages = {f"plugins/{module.split('.')[0]}" for module in BUILTIN_PLUGINS.values()}
    assert plugin_packages <= wheel_packages
    assert {p for p in wheel_packages if p.startswith("plugins/")} == plugin_packages


def test_all_is_sorted_and_every_name_resolves() -> None:
    assert oauth2kit.__all__ == sorted(oauth2kit.__all__, key=lambda n: (not n.isupper(), n))
    for name in oauth2kit.__all__:
        assert getattr(oauth2kit, name) is not None, name


def test_import_does_not_load_plugins_or_heavy_dependencies() -> None:
    code = (
        "import sys, oauth2kit; "
        "print(','.join(m for m in ('pluggy', 'stevedore', 'jose', 'cryptography', 'attrs',"
        " 'oauth2kit._host', 'oauth2kit_grants') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_plugins_import_only_the_public_api() -> None:
    # Rule 1 of the architecture: a built-in is written as a third-party plugin would be.
    for path in (ROOT / "plugins").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                assert not (parts[0] == "oauth2kit" and any(p.startswith("_") for p in parts)), (
                    f"{path}: imports {node.module}"
                )


def test_kernel_never_imports_a_plugin() -> None:
    plugin_packages = {module.split(".")[0] for module in BUILTIN_PLUGINS.values()}
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


def test_bare_checkout_finds_builtins_from_the_table() -> None:
    # No site processing: the editable install's path hook is gone, so plugins/ is not
    # importable, and stevedore is made to see no entry points at all (a bare checkout).
    site_packages = next(p for p in sys.path if p.endswith("site-packages"))
    code = (
        "import sys, json; "
        f"sys.path[:0] = [{str(ROOT)!r}, {site_packages!r}]; "
        "import stevedore; "
        "stevedore.NamedExtensionManager.list_entry_points = lambda self: []; "
        "from oauth2kit import PluginHost; "
        "print(json.dumps({i.name: i.status for i in PluginHost().plugins()}))"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-c", code], capture_output=True, text=True, check=True
    )
    statuses = json.loads(result.stdout)
    assert statuses == dict.fromkeys(BUILTIN_PLUGINS, "loaded")


def test_public_submodule_imports_in_a_fresh_process() -> None:
    code = "from oauth2kit import hookspecs; from oauth2kit.hookspecs import hookimpl; print('ok')"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "ok"

"""Packaging and import hygiene: the built-ins, the public API, the cost of importing."""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

import oauth2kit
from oauth2kit import OAuth2Client, PluginHost, PluginNotAvailable

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
GROUP = "oauth2kit.plugins"
# The distribution's name; the import package is `oauth2kit`.
DISTRIBUTION: str = PYPROJECT["project"]["name"]
VERSION = Version(PYPROJECT["project"]["version"])
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
    installed = importlib.metadata.distribution(DISTRIBUTION).entry_points.select(group=GROUP)
    assert BUILTINS == {entry_point.name: entry_point.value for entry_point in installed}


def test_the_host_knows_exactly_the_pyproject_entry_points_as_built_ins() -> None:
    shipped = {
        info.name: info.module
        for info in PluginHost().plugins()
        if info.distribution == DISTRIBUTION
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


def test_the_lazy_kernel_names_are_public_names_of_their_modules() -> None:
    # The package root lists its lazy names once, by module: each must be one that module
    # makes public, so that the root never re-exports a private helper by mistake.
    import importlib

    lazy: dict[str, str] = oauth2kit._LAZY_NAMES  # the table under test
    assert {"OAuth2Client", "BearerToken", "PluginHost", "hookimpl"} <= set(lazy)
    for name, module in lazy.items():
        assert name in importlib.import_module(module).__all__, (name, module)
    assert set(lazy) <= set(oauth2kit.__all__)


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
    # The credential shortcuts are a plugin's to read, and so is every method.
    with pytest.raises(PluginNotAvailable, match="client_authentication"):
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


# The distribution's name (issue 7, item 8): on PyPI, `oauth2kit` is another owner's placeholder.
PLACEHOLDER = "oauth2kit"


def test_the_distribution_is_not_the_pypi_placeholder() -> None:
    assert PLACEHOLDER != canonicalize_name(DISTRIBUTION)
    assert str(VERSION) == importlib.metadata.version(DISTRIBUTION)
    # An editable install of the old name would register every built-in a second time.
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.distribution(PLACEHOLDER)


def project_requirements() -> list[tuple[Path, Requirement]]:
    """Every requirement on this project that a pyproject.toml of the repository declares."""
    found = []
    ours = {PLACEHOLDER, canonicalize_name(DISTRIBUTION)}
    for path in sorted(ROOT.rglob("pyproject.toml")):
        if {".venv", "node_modules", ".git"} & set(path.relative_to(ROOT).parts):
            continue
        data = tomllib.loads(path.read_text())
        project = data.get("project", {})
        declared = [
            *data.get("build-system", {}).get("requires", []),
            *project.get("dependencies", []),
            *(r for extra in project.get("optional-dependencies", {}).values() for r in extra),
        ]
        found += [
            (path, requirement)
            for requirement in map(Requirement, declared)
            if canonicalize_name(requirement.name) in ours
        ]
    return found


def test_every_dependency_on_the_project_names_the_distribution_with_an_upper_bound() -> None:
    requirements = project_requirements()
    example = ROOT / "tests" / "plugins" / "oauth2kit-example" / "pyproject.toml"
    assert example in {path for path, _ in requirements}
    for path, requirement in requirements:
        assert DISTRIBUTION == requirement.name, f"{path}: {requirement}"
        if path == ROOT / "pyproject.toml":
            continue  # the project's own extras (`dev` = test + docs) name itself, unversioned
        assert VERSION in requirement.specifier, f"{path}: {requirement}"
        assert any(spec.operator in {"<", "<=", "==", "~="} for spec in requirement.specifier), (
            f"{path}: {requirement} has no upper bound"
        )


@pytest.mark.parametrize(
    "path",
    sorted(
        str(path.relative_to(ROOT))
        for path in [
            ROOT / "README.md",
            ROOT / "CONTRIBUTING.md",
            *(ROOT / "docs").glob("*.md"),
            *(ROOT / "scripts").iterdir(),
        ]
    ),
)
def test_no_instructions_install_the_placeholder(path: str) -> None:
    # `pip install oauth2kit` (or `oauth2kit[extra]`) installs the other owner's package.
    placeholder = re.compile(r"pip install\s+(?:-\S+\s+)*['\"]?oauth2kit(?![\w-])")
    assert [] == placeholder.findall((ROOT / path).read_text())


def test_the_readme_installs_from_a_checkout_or_a_wheel() -> None:
    readme = (ROOT / "README.md").read_text()
    installation = readme.partition("## Installation")[2].partition("\n## ")[0]
    assert "pip install ." in installation
    assert "pip install dist/" in installation


# License and metadata (item 9).


def test_the_license_is_the_apache_license_and_pyproject_names_it() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert ["Apache License", "Version 2.0, January 2004"] == [
        line.strip() for line in text.splitlines()[1:3]
    ]
    assert "END OF TERMS AND CONDITIONS" in text
    assert ("Apache-2.0", ["LICENSE"]) == (
        PYPROJECT["project"]["license"],
        PYPROJECT["project"]["license-files"],
    )


def test_the_sdist_and_the_wheel_built_from_it_ship_the_license(tmp_path: Path) -> None:
    # `python -m build` makes the sdist, then the wheel from the unpacked sdist: a file the
    # sdist lacks cannot reach the wheel. No isolation, so no network: the `test` extra
    # installs the build backend.
    result = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert 0 == result.returncode, result.stdout + result.stderr
    stem = f"{canonicalize_name(DISTRIBUTION).replace('-', '_')}-{VERSION}"
    license_text = (ROOT / "LICENSE").read_bytes()
    with tarfile.open(tmp_path / f"{stem}.tar.gz") as sdist:
        member = sdist.extractfile(f"{stem}/LICENSE")
        assert member is not None
        assert license_text == member.read()
    with zipfile.ZipFile(tmp_path / f"{stem}-py3-none-any.whl") as wheel:
        assert license_text == wheel.read(f"{stem}.dist-info/licenses/LICENSE")
        metadata = wheel.read(f"{stem}.dist-info/METADATA").decode().splitlines()
    assert {
        f"Name: {DISTRIBUTION}",
        "License-Expression: Apache-2.0",
        "License-File: LICENSE",
    } <= set(metadata)


# The set-up script (item 11), run from a copy of scripts/ in a scratch tree with stand-ins for
# Python, node and npm: the real .venv is never touched.

FAKE_PYTHON = """#!/usr/bin/env bash
# A stand-in interpreter: says it is Python $VERSION, makes virtual environments whose
# interpreter is a stand-in for Python 3.12, and logs how pip was called.
VERSION=%s
case "$1" in
  -c) case "$2" in
        *version_info*) echo "$VERSION" ;;
        *) [ -n "${FAKE_OLD_DISTRIBUTION:-}" ] ;;  # is the old distribution installed?
      esac ;;
  -m) case "$2" in
        venv) mkdir -p "$3/bin"
              sed 's/^VERSION=.*/VERSION=3.12/' "$0" > "$3/bin/python"
              chmod +x "$3/bin/python" ;;
        pip) echo "$*" >> "$SETUP_LOG" ;;
      esac ;;
esac
"""

FAKE_NPM = """#!/usr/bin/env bash
echo "npm $*" >> "$SETUP_LOG"
[ "$1 $2" = "ci --prefix" ] && mkdir -p "$3/node_modules"
echo "added 40 packages in 2s"
"""


def executable(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


class SetupTree:
    """A scratch tree with the project's scripts/ and the files that setup.sh reads."""

    def __init__(self, root: Path) -> None:
        self.root = root / "repo"
        self.venv = self.root / ".venv"
        self.bin = root / "bin"
        self.log = root / "setup.log"
        shutil.copytree(ROOT / "scripts", self.root / "scripts")
        for name in ("pyproject.toml", "tests/plugins/oauth2kit-example/pyproject.toml"):
            (self.root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / name, self.root / name)
        (self.root / "tests" / "as").mkdir()
        (self.root / "tests" / "as" / "package-lock.json").write_text("{}\n")
        executable(self.bin / "node", "#!/bin/sh\n")
        executable(self.bin / "npm", FAKE_NPM)

    def python(self, version: str) -> Path:
        return executable(self.bin / f"python{version}", FAKE_PYTHON % version)

    def venv_python(self, version: str) -> Path:
        python = executable(self.venv / "bin" / "python", FAKE_PYTHON % version)
        (self.venv / "made-by-an-old-python").touch()
        return python

    def run(self, python: Path | str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", str(self.root / "scripts" / "setup.sh")],  # noqa: S607 - the user's bash, as scripts/test runs it
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
            env={
                **os.environ,
                "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}",
                "PYTHON": str(python),
                "SETUP_LOG": str(self.log),
                **env,
            },
        )

    def calls(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []


@pytest.fixture
def tree(tmp_path: Path) -> SetupTree:
    return SetupTree(tmp_path)


@pytest.mark.parametrize(
    ("python", "reported"),
    [
        ("3.10", "is 3.10"),
        ("/bin/false", "is not a working Python"),
        ("/nonexistent/python3", "is not a working Python"),
    ],
)
def test_setup_refuses_a_python_older_than_3_11(
    tree: SetupTree, python: str, reported: str
) -> None:
    interpreter = tree.python(python) if python[0].isdigit() else python
    result = tree.run(interpreter)
    assert (1, "") == (result.returncode, result.stdout)
    assert "Python >= 3.11 is needed to create .venv" in result.stderr
    assert f"'{interpreter}' {reported}" in result.stderr
    assert not tree.venv.exists()
    assert [] == tree.calls()


@pytest.mark.parametrize("old", ["3.10", "3.9"])
def test_setup_rebuilds_a_venv_made_by_an_older_python(tree: SetupTree, old: str) -> None:
    tree.venv_python(old)
    result = tree.run(tree.python("3.12"))
    assert 0 == result.returncode, result.stderr
    assert f".venv was made with {old}, not Python >= 3.11; rebuilding it" in result.stderr
    assert not (tree.venv / "made-by-an-old-python").exists()
    rebuilt = subprocess.run(
        [tree.venv / "bin" / "python", "-c", "import sys; print(sys.version_info)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "3.12" == rebuilt.stdout.strip()


def test_setup_rebuilds_a_venv_whose_python_is_gone(tree: SetupTree) -> None:
    # What a removed pyenv or Homebrew Python leaves behind: a dangling symlink.
    (tree.venv / "bin").mkdir(parents=True)
    (tree.venv / "bin" / "python").symlink_to(tree.root / "no-such-python3.9")
    result = tree.run(tree.python("3.12"))
    assert 0 == result.returncode, result.stderr
    assert "rebuilding it" in result.stderr
    assert (tree.venv / "bin" / "python").is_file()


def test_setup_reuses_a_good_venv_without_asking_for_python(tree: SetupTree) -> None:
    tree.venv_python("3.12")
    result = tree.run("/bin/false")
    assert 0 == result.returncode, result.stderr
    assert (tree.venv / "made-by-an-old-python").exists()
    assert "rebuilding" not in result.stderr


def test_setup_prints_nothing_on_stdout_and_runs_pip_quietly(tree: SetupTree) -> None:
    result = tree.run(tree.python("3.13"))
    assert (0, "") == (result.returncode, result.stdout)
    assert "added 40 packages" in result.stderr  # npm's report, moved to stderr
    calls = tree.calls()
    pip_calls = [call for call in calls if call.startswith("-m pip ")]
    assert 3 == len(pip_calls), calls
    assert [] == [call for call in pip_calls if "--quiet" not in call.split()]
    assert 1 == sum(call.startswith("npm ci ") for call in calls)
    # Set up once, a second run installs nothing.
    again = tree.run("/bin/false")
    assert (0, "", "") == (again.returncode, again.stdout, again.stderr)
    assert calls == tree.calls()


def test_setup_removes_an_install_of_the_old_distribution_name_first(tree: SetupTree) -> None:
    result = tree.run(tree.python("3.12"), FAKE_OLD_DISTRIBUTION="1")
    assert 0 == result.returncode, result.stderr
    pip_calls = [call.split() for call in tree.calls() if call.startswith("-m pip ")]
    uninstalls = [i for i, call in enumerate(pip_calls) if "uninstall" == call[2]]
    editables = [i for i, call in enumerate(pip_calls) if "-e" in call]
    assert (1, 1) == (len(uninstalls), len(editables)), pip_calls
    assert uninstalls[0] < editables[0]  # both own bin/oauth2kit: the old one goes first
    assert PLACEHOLDER == pip_calls[uninstalls[0]][-1]


# The README (item 14): what works in this release, at the top.


def test_the_readme_says_first_what_works_and_what_comes_next() -> None:
    readme = (ROOT / "README.md").read_text()
    paragraphs = readme.split("\n\n")
    assert paragraphs[0].startswith("# ")
    assert paragraphs[2].startswith("**What works in this release")
    works, _, rest = readme.partition("**What works in this release")[2].partition(
        "**What comes next**"
    )
    assert rest, "no 'What comes next' after the list"
    assert "\n## " not in works, "the list is not at the top"
    # Each built-in plugin is a feature of the release: a new one is listed when it lands.
    assert [] == sorted(name for name in BUILTINS if f"`{name}`" not in works)
    assert (1, 1) == (readme.count("What works in this release"), readme.count("comes next"))

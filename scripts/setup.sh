# Sourced by scripts/demo and scripts/test: make the development environment ready.
#
# Idempotent and quick once done: it reinstalls only when pyproject.toml, the example
# plugin or the test server's package-lock.json changed since the last run. It prints its
# progress on stderr only, so that stdout belongs to the command that sourced it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv"

# Prints "MAJOR.MINOR" of interpreter $1; fails if it does not run.
python_version() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null; }

# Succeeds if "MAJOR.MINOR" $1 is at least 3.11.
supported_version() {
  local major="${1%%.*}" minor="${1#*.}"
  [[ "$major" =~ ^[0-9]+$ && "$minor" =~ ^[0-9]+$ ]] || return 1
  ((major > 3 || (major == 3 && minor >= 11)))
}

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "oauth2kit: the test authorization server needs Node.js >= 20 and npm; install them first." >&2
  exit 1
fi

# A .venv is reused only if its interpreter runs and is recent enough: one made by an older
# Python, or whose interpreter is gone or broken, is rebuilt.
venv_version="$(python_version "$VENV/bin/python" || true)"
if ! supported_version "$venv_version"; then
  python_found="$(python_version "$PYTHON" || true)"
  if ! supported_version "$python_found"; then
    echo "oauth2kit: Python >= 3.11 is needed to create .venv, but '$PYTHON' is" \
      "${python_found:-not a working Python}." \
      "Install Python 3.11 or later, or name one in PYTHON (PYTHON=python3.12 scripts/test)." >&2
    exit 1
  fi
  if [ -e "$VENV" ]; then
    echo "oauth2kit: .venv was made with ${venv_version:-a Python that no longer runs}," \
      "not Python >= 3.11; rebuilding it with $PYTHON ($python_found)" >&2
    rm -rf "$VENV"
  fi
  echo "oauth2kit: creating the virtual environment in .venv with $PYTHON ($python_found)" >&2
  "$PYTHON" -m venv "$VENV"
fi

stamp() { cat pyproject.toml tests/plugins/oauth2kit-example/pyproject.toml tests/as/package-lock.json | sha256sum | cut -d' ' -f1; }
STAMP_FILE="$VENV/.oauth2kit-setup"
if [ ! -f "$STAMP_FILE" ] || [ "$(cat "$STAMP_FILE")" != "$(stamp)" ] || [ ! -d tests/as/node_modules ]; then
  echo "oauth2kit: installing Python packages (editable) and the test server's npm packages" >&2
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  # The distribution was called oauth2kit before it became oauth2kit-client; an old editable
  # install would register every built-in twice. (Removed first: both own bin/oauth2kit.)
  if "$VENV/bin/python" -c 'import importlib.metadata as m; m.distribution("oauth2kit")' 2>/dev/null; then
    "$VENV/bin/python" -m pip uninstall --quiet --disable-pip-version-check --yes oauth2kit
  fi
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[dev]"
  # The third-party example plugin is installed like any plugin a user would pip-install.
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check ./tests/plugins/oauth2kit-example
  # npm reports what it did on stdout; that belongs with the rest of the progress, on stderr.
  npm ci --prefix tests/as --no-audit --no-fund --loglevel=error 1>&2
  stamp > "$STAMP_FILE"
fi

# Sourced by scripts/demo and scripts/test: make the development environment ready.
#
# Idempotent and quick once done: it reinstalls only when pyproject.toml, the example
# plugin or the test server's package-lock.json changed since the last run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "oauth2kit: the test authorization server needs Node.js >= 20 and npm; install them first." >&2
  exit 1
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "oauth2kit: creating the virtual environment in .venv" >&2
  "$PYTHON" -m venv "$VENV"
fi

stamp() { cat pyproject.toml tests/plugins/oauth2kit-example/pyproject.toml tests/as/package-lock.json | sha256sum | cut -d' ' -f1; }
STAMP_FILE="$VENV/.oauth2kit-setup"
if [ ! -f "$STAMP_FILE" ] || [ "$(cat "$STAMP_FILE")" != "$(stamp)" ] || [ ! -d tests/as/node_modules ]; then
  echo "oauth2kit: installing Python packages (editable) and the test server's npm packages" >&2
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -e ".[dev]"
  # The third-party example plugin is installed like any plugin a user would pip-install.
  "$VENV/bin/python" -m pip install --quiet ./tests/plugins/oauth2kit-example
  npm ci --prefix tests/as --no-audit --no-fund --loglevel=error
  stamp > "$STAMP_FILE"
fi

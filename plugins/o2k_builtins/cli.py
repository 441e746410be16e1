"""The ``oauth2kit`` command line: ``oauth2kit plugins [--json] [--disable NAMES]`` for now.

A console script built on the public API, like any tool a third party could write.
``oauth2kit --version`` prints the installed version; a bare ``oauth2kit`` prints the help.
``python -m oauth2kit`` runs this same entry point.

Text that comes from plugins (a failed plugin's error, names read from its metadata) reaches
the terminal with its control characters escaped, on stdout and in the warnings on stderr.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import logging
import os
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from oauth2kit import PluginInfo

__all__ = ["main"]

PACKAGE = "oauth2kit"
CONSOLE_SCRIPT = f"{__name__}:main"
ERROR_INDENT = "\n           "  # continuation lines of an error, under its first line


def printable(text: str, *, keep_newlines: bool = False) -> str:
    r"""Return `text` with its non-printable characters escaped as `repr` escapes them.

    Terminal control sequences (``\x1b[31m``), carriage returns, bidirectional overrides and
    lone surrogates come out as ``\x1b``, ``\r``, ``\u202e``, ``\udc80``. Backslashes are
    left alone, so text that was escaped before is not escaped twice.

    Args:
        text: the text to show.
        keep_newlines: keep ``\n`` as a line break (for multi-line text) instead of escaping it.
    """
    return "".join(
        char if char.isprintable() or (keep_newlines and char == "\n") else repr(char)[1:-1]
        for char in text
    )


def _version() -> str:
    """The version of the installed distribution that provides the ``oauth2kit`` package.

    Found by package, since the distribution's name may change: the distribution that
    records the imported package's own files, or else the (first) one that claims the
    package. Then the distribution that declares this command (an editable install records
    no package files), and last the package's own ``__version__``.
    """
    import oauth2kit  # noqa: PLC0415 - only for this option

    claimed = []
    for name in dict.fromkeys(importlib.metadata.packages_distributions().get(PACKAGE, [])):
        try:
            claimed.append(importlib.metadata.distribution(name))
        except importlib.metadata.PackageNotFoundError:  # listed, but its metadata is gone
            continue
    imported = Path(oauth2kit.__file__).resolve()
    for dist in claimed:
        files = (Path(str(dist.locate_file(file))).resolve() for file in dist.files or ())
        if imported in files:
            return dist.version
    if claimed:
        return claimed[0].version
    for script in importlib.metadata.entry_points(group="console_scripts"):
        if script.value == CONSOLE_SCRIPT and script.dist is not None:
            return script.dist.version
    return oauth2kit.__version__


class _VersionAction(argparse.Action):
    """``--version``: like argparse's own, but the version is looked up only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        kwargs.update(nargs=0, default=argparse.SUPPRESS)
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        sys.stdout.write(f"{parser.prog} {_version()}\n")
        parser.exit(0)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="oauth2kit", description="oauth2kit command line")
    parser.add_argument(
        "--version", action=_VersionAction, help="print the installed version and exit"
    )
    commands = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND")
    plugins = commands.add_parser("plugins", help="list plugins: built-in, installed and failed")
    plugins.add_argument("--json", action="store_true", help="print JSON instead of a table")
    plugins.add_argument(
        "--disable", action="append", default=[], metavar="NAME",
        help="block plugins (names or globs, comma-separated) for this listing, like"
        " OAUTH2KIT_DISABLE_PLUGINS",
    )  # fmt: skip
    return parser


def _format_table(plugins: list[PluginInfo]) -> str:
    lines = []
    for info in plugins:
        origin = info.distribution or "?"
        if info.version:
            origin += f" {info.version}"
        lines.append(printable(f"{info.name}  [{info.status}]  {info.module}  ({origin})"))
        if info.error:
            error = printable(info.error, keep_newlines=True)
            lines.append(f"    error: {error.replace(chr(10), ERROR_INDENT)}")
        if info.hooks:
            lines.append(printable(f"    hooks: {', '.join(info.hooks)}"))
        lines.extend(
            printable(f"    {registry}: {', '.join(names)}")
            for registry, names in (info.provides or {}).items()
        )
    return "\n".join(lines)


class _PrintableFormatter(logging.Formatter):
    """Log records as the interpreter's last-resort handler shows them, control chars escaped."""

    def format(self, record: logging.LogRecord) -> str:
        return printable(super().format(record), keep_newlines=True)


def _plugins(args: argparse.Namespace) -> str:
    from oauth2kit import PluginHost  # noqa: PLC0415 - only when the command runs

    disabled = [name for value in args.disable for name in value.replace(" ", ",").split(",")]
    disabled = [name for name in disabled if name]
    # A failed plugin is also logged as a warning (stderr, unless the program configured
    # logging): with the plugin's text escaped there too.
    logger = logging.getLogger(PACKAGE)
    handler: logging.Handler | None = None
    if not logger.hasHandlers():
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_PrintableFormatter())
        logger.addHandler(handler)
    try:
        # A plugin's warnings at import time are plugin text too: shown escaped, after.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            plugins = PluginHost(disable=disabled).plugins()
    finally:
        if handler is not None:
            logger.removeHandler(handler)
    for warning in caught:
        shown = warnings.formatwarning(
            warning.message, warning.category, warning.filename, warning.lineno, warning.line
        )
        sys.stderr.write(printable(shown, keep_newlines=True))
    if args.json:  # JSON escapes control characters by itself
        return json.dumps([info._asdict() for info in plugins], indent=2)
    return _format_table(plugins)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Args:
        argv: the arguments, without the program name; ``sys.argv[1:]`` by default.

    Returns:
        0 on success. Bad arguments exit (`SystemExit`) with status 2, as argparse does.
    """
    try:
        try:
            return _run(argv)
        finally:  # inside the try: --help and --version end in SystemExit
            sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`oauth2kit plugins | head`): not an error. Point stdout at
        # devnull so that the interpreter's final flush does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _run(argv: Sequence[str] | None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:  # a bare `oauth2kit`: say what it can do
        parser.print_help(sys.stdout)
    else:
        sys.stdout.write(_plugins(args) + "\n")
    return 0

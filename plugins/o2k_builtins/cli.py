"""The ``oauth2kit`` command line: ``oauth2kit plugins [--json] [--disable NAMES]`` for now.

A console script built on the public API, like any tool a third party could write.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from oauth2kit import PluginInfo

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="oauth2kit", description="oauth2kit command line")
    commands = parser.add_subparsers(dest="command", required=True)
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
        lines.append(f"{info.name}  [{info.status}]  {info.module}  ({origin})")
        if info.error:
            error = info.error.replace("\n", "\n           ")  # keep the layout of long errors
            lines.append(f"    error: {error}")
        if info.hooks:
            lines.append(f"    hooks: {', '.join(info.hooks)}")
        lines.extend(
            f"    {registry}: {', '.join(names)}"
            for registry, names in (info.provides or {}).items()
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    from oauth2kit import PluginHost  # noqa: PLC0415 - only when the command runs

    args = _parser().parse_args(argv)
    disabled = [name for value in args.disable for name in value.replace(" ", ",").split(",")]
    disabled = [name for name in disabled if name]
    plugins = PluginHost(disable=disabled).plugins()
    if args.json:
        text = json.dumps([info.as_dict() for info in plugins], indent=2)
    else:
        text = _format_table(plugins)
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`oauth2kit plugins | head`): not an error. Point stdout at
        # devnull so that the interpreter's final flush does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0

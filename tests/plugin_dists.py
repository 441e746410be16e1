"""Helpers for tests that need plugins installed as a real distribution would be."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


def write_distribution(directory: Path, plugins: dict[str, str]) -> None:
    """Install (on `directory`) a distribution of plugins: entry-point name -> module source.

    Put `directory` on a child interpreter's PYTHONPATH: importlib.metadata then finds the
    distribution, and its plugins, as if pip had installed them.
    """
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


def run_child(directory: Path, code: str) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh interpreter that also sees the distribution on `directory`."""
    env = {**os.environ, "PYTHONPATH": str(directory), "XDG_CACHE_HOME": str(directory / "cache")}
    env.pop("OAUTH2KIT_DISABLE_PLUGINS", None)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120,
        check=False,
    )  # fmt: skip

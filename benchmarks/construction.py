"""Client construction in a fresh interpreter: the first one (plugin discovery) and the next."""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from _common import Job, Row, Stats, Target, fmt_ratio, measured_rows, ratio

if TYPE_CHECKING:
    from collections.abc import Iterator

#: The first construction may cost at most this many times the floor (medians).
TARGET_RATIO = 1.5
GROUP = "oauth2kit.plugins"
#: Extra plugins of the growth check: loading must not grow with their number.
SYNTHETIC_PLUGINS = 40
SYNTHETIC_DIST = "oauth2kit_bench_synthetic"
SYNTHETIC_PREFIX = "grant.synthetic_"

# Nothing here should touch the network; after the import (which already loaded socket
# through requests, so this costs no import time) any attempt fails loudly instead.
_NO_NETWORK = """\
import socket
def _deny(*args, **kwargs):
    raise OSError("benchmark: network access is disabled")
socket.socket.connect = _deny
socket.create_connection = _deny
socket.getaddrinfo = _deny
"""

_CHILD = """\
import time
t0 = time.perf_counter()
{imp}
t1 = time.perf_counter()
{guard}
t2 = time.perf_counter()
first = {build}
t3 = time.perf_counter()
second = {build}
t4 = time.perf_counter()
import json
try:
    info = {info}
except Exception as exc:  # a changed kernel API must not cost the measurement
    info = f"unavailable: {{type(exc).__name__}}: {{exc}}"
import importlib.metadata
listed = sum(
    ep.name.startswith({prefix!r})
    for ep in importlib.metadata.entry_points(group={group!r})
)
print(json.dumps({{
    "import": t1 - t0, "first": t3 - t2, "second": t4 - t3, "info": info,
    "synthetic_listed": listed,
}}))
"""

_TOKEN_DICT = '{"access_token": "tok", "token_type": "Bearer", "expires_in": 3600}'


@dataclass(frozen=True)
class Case:
    key: str
    label: str
    needs: str
    imp: str
    build: str
    #: An expression evaluated after timing, saved with the results (e.g. plugins loaded).
    info: str = "None"
    env: tuple[tuple[str, str], ...] = ()


BUILTIN_NAMESPACE = "o2k_builtins."


def third_party_plugins() -> list[str]:
    """Installed ``oauth2kit.plugins`` entry points that are not built-ins.

    The built-ins all live in one import namespace of their own, so the entry point's
    target says which is which.
    """
    return sorted(
        {
            ep.name
            for ep in importlib.metadata.entry_points(group=GROUP)
            if not ep.value.startswith(BUILTIN_NAMESPACE)
        }
    )


@contextlib.contextmanager
def synthetic_plugins(count: int) -> Iterator[str]:
    """A fake installed distribution of `count` tiny plugins, in a temporary directory.

    Yields the directory, to put on a child's PYTHONPATH. Each plugin only registers a
    grant type, through a marker of its own (not oauth2kit's, which may change), and
    swallows any error of the registry API, so that only loading is measured.
    """
    with tempfile.TemporaryDirectory(prefix="oauth2kit-bench-plugins-") as tmp:
        root = Path(tmp)
        info = root / f"{SYNTHETIC_DIST}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {SYNTHETIC_DIST.replace('_', '-')}\nVersion: 1.0\n"
        )
        lines = [f"{SYNTHETIC_PREFIX}{i} = {SYNTHETIC_DIST}.p{i}" for i in range(count)]
        (info / "entry_points.txt").write_text(f"[{GROUP}]\n" + "\n".join(lines) + "\n")
        package = root / SYNTHETIC_DIST
        package.mkdir()
        (package / "__init__.py").write_text("")
        for i in range(count):
            (package / f"p{i}.py").write_text(_SYNTHETIC_MODULE.format(i=i))
        yield tmp


_SYNTHETIC_MODULE = """\
import pluggy

hookimpl = pluggy.HookimplMarker("oauth2kit")


@hookimpl
def oauth2kit_register_grant_types(registry):
    try:
        registry.add("synthetic_{i}", object())
    except Exception:
        pass
"""


_FLOOR = (
    '__import__("pluggy"), __import__("stevedore").NamedExtensionManager('
    f'"{GROUP}", names=[], on_missing_entrypoints_callback=None).list_entry_points()'
)


def _cases(third_party: list[str], synthetic_dir: str) -> list[Case]:
    kit_build = (
        'oauth2kit.OAuth2Client("https://as.example/token", client_id="c", client_secret="s")'
    )
    # The plugins the first client made the host import (a listing would import them all).
    kit_info = (
        '[name for name in __import__("sys").modules if name.count(".") > 1'
        f' and name.startswith("o2k_builtins.") or name.startswith("{SYNTHETIC_DIST}.")]'
    )
    path = os.pathsep.join(p for p in (synthetic_dir, os.environ.get("PYTHONPATH")) if p)
    cases = [
        Case(
            "oauth2kit",
            "oauth2kit.OAuth2Client",
            "oauth2kit",
            "import oauth2kit",
            kit_build,
            kit_info,
        ),
        # The same child, with a distribution of synthetic plugins installed on top.
        Case(
            "oauth2kit_synthetic",
            f"oauth2kit.OAuth2Client + {SYNTHETIC_PLUGINS} synthetic plugins",
            "oauth2kit",
            "import oauth2kit",
            kit_build,
            kit_info,
            env=(("PYTHONPATH", path),),
        ),
    ]
    if third_party:
        # Same, with the installed third-party plugins blocked: the cost of the built-ins alone.
        cases.append(
            Case(
                "oauth2kit_builtins",
                "oauth2kit.OAuth2Client (built-ins only)",
                "oauth2kit",
                "import oauth2kit",
                kit_build,
                kit_info,
                env=(("OAUTH2KIT_DISABLE_PLUGINS", ",".join(third_party)),),
            )
        )
    cases += [
        # What the design mandates before oauth2kit does anything: importing pluggy and
        # stevedore, and stevedore listing the entry-point group. Not a contender: the floor
        # under the first construction, the reference of the target.
        Case(
            "floor",
            "floor: import pluggy, stevedore; list the group",
            "oauth2kit",
            "import oauth2kit",
            f"({_FLOOR})",
        ),
        # Context: attrs is a mandated dependency too, and its import alone is costly.
        Case(
            "floor_attrs",
            "floor + attrs: the same, then import attrs",
            "oauth2kit",
            "import oauth2kit",
            f'({_FLOOR}, __import__("attrs"))',
        ),
        Case(
            "requests_oauth2client",
            "requests_oauth2client.OAuth2Client",
            "requests_oauth2client",
            "import requests_oauth2client",
            "requests_oauth2client.OAuth2Client(token_endpoint="
            '"https://as.example/token", client_id="c", client_secret="s")',
        ),
        Case(
            "authlib",
            "authlib OAuth2Session (token dict)",
            "authlib",
            "from authlib.integrations.requests_client import OAuth2Session",
            'OAuth2Session(client_id="c", client_secret="s", '
            f'token_endpoint="https://as.example/token", token={_TOKEN_DICT})',
        ),
    ]
    return cases


#: Rows behind a target get the main number of runs; the others are context.
_MAIN_KEYS = frozenset({"oauth2kit", "oauth2kit_synthetic", "floor"})


def run(main_reps: int, context_reps: int) -> tuple[list[Row], list[Target], list[str]]:
    third_party = third_party_plugins()
    with synthetic_plugins(SYNTHETIC_PLUGINS) as synthetic_dir:
        all_cases = _cases(third_party or [], synthetic_dir)
        rows = {c.key: Row(c.key, c.label) for c in all_cases}
        jobs = []
        for case in all_cases:
            if importlib.util.find_spec(case.needs) is None:
                rows[case.key].missing = f"{case.needs} is not installed"
                continue
            code = _CHILD.format(
                imp=case.imp,
                guard=_NO_NETWORK,
                build=case.build,
                info=case.info,
                group=GROUP,
                prefix=SYNTHETIC_PREFIX,
            )
            reps = main_reps if case.key in _MAIN_KEYS else context_reps
            jobs.append(Job(case.key, code, reps, dict(case.env)))

        for row, outputs in measured_rows(rows, jobs):
            row.stats = Stats.of([out["first"] for out in outputs])
            second = Stats.of([out["second"] for out in outputs])
            imported = Stats.of([out["import"] for out in outputs])
            row.extra = {
                "2nd (median)": f"{second.median * 1e3:.2f} ms",
                "import (median)": f"{imported.median * 1e3:.1f} ms",
                "second": second,
                "import": imported,
                "info": outputs[-1]["info"],
                "synthetic_listed": outputs[-1]["synthetic_listed"],
            }
    for row in rows.values():
        if row.stats is not None:
            row.extra["vs floor+attrs"] = fmt_ratio(ratio(row, rows["floor_attrs"]))
    return list(rows.values()), _targets(rows), _notes(rows, third_party)


def _notes(rows: dict[str, Row], third_party: list[str] | None) -> list[str]:
    notes: list[str] = []
    kit, synthetic = rows["oauth2kit"], rows["oauth2kit_synthetic"]
    floor, floor_attrs = rows["floor"].stats, rows["floor_attrs"].stats
    loaded = kit.extra.get("info")
    if isinstance(loaded, list):
        notes.append("plugin modules the first oauth2kit client imported: " + ", ".join(loaded))
    elif loaded is not None:
        notes.append(f"plugin modules the first oauth2kit client imported: {loaded}")
    if third_party is None:
        notes.append(
            "could not tell built-in plugins from third-party ones: no installed distribution"
            " is known to provide the oauth2kit package (so no 'built-ins only' row)"
        )
    elif third_party:
        notes.append(
            "installed third-party plugins (blocked in the 'built-ins only' row): "
            + ", ".join(third_party)
        )
    if kit.stats and floor:
        notes.append(
            f"of the first construction, {floor.median * 1e3:.1f} ms is the floor (pluggy and"
            " stevedore imported, the group listed) and"
            f" {(kit.stats.median - floor.median) * 1e3:.1f} ms is oauth2kit's own work"
            " (importing and registering the plugins)"
        )
    if kit.stats and floor and floor_attrs:
        notes.append(
            f"first construction / floor = {kit.stats.median / floor.median:.2f} (the target);"
            f" / floor + attrs = {kit.stats.median / floor_attrs.median:.2f} (context:"
            f" importing attrs alone adds {(floor_attrs.median - floor.median) * 1e3:.1f} ms)"
        )
    if synthetic.stats:
        seen = synthetic.extra.get("info")
        synthetic_loaded = (
            sum(name.startswith(f"{SYNTHETIC_DIST}.") for name in seen)
            if isinstance(seen, list)
            else seen
        )
        notes.append(
            f"with {SYNTHETIC_PLUGINS} synthetic plugins: {synthetic.extra['synthetic_listed']}"
            f" of their entry points visible in the child, {synthetic_loaded} loaded by the"
            f" first client; first construction {synthetic.stats.median * 1e3:.2f} ms"
            + (f" vs {kit.stats.median * 1e3:.2f} ms without them" if kit.stats else "")
        )
    return notes


def _ratio_target(name: str, row: Row, floor: Row) -> Target:
    expected = f"<= {TARGET_RATIO:.2f}"
    if row.stats is None or floor.stats is None:
        return Target(name, expected, "not measured", passed=False)
    value = row.stats.median / floor.stats.median
    measured = (
        f"{value:.2f} ({row.stats.median * 1e3:.2f} ms vs {floor.stats.median * 1e3:.2f} ms;"
        f" min {row.stats.min * 1e3:.2f} ms)"
    )
    return Target(name, expected, measured, passed=value <= TARGET_RATIO)


def _targets(rows: dict[str, Row]) -> list[Target]:
    floor, synthetic = rows["floor"], rows["oauth2kit_synthetic"]
    targets = [
        _ratio_target(
            "first OAuth2Client() after import / floor (medians)", rows["oauth2kit"], floor
        )
    ]
    name = f"first OAuth2Client() with {SYNTHETIC_PLUGINS} extra plugins / floor (medians)"
    listed = synthetic.extra.get("synthetic_listed")
    if synthetic.stats is not None and listed != SYNTHETIC_PLUGINS:
        # Without the plugins in sight of the child, the row would prove nothing.
        measured = f"not measured: {listed} of {SYNTHETIC_PLUGINS} synthetic entry points seen"
        targets.append(Target(name, f"<= {TARGET_RATIO:.2f}", measured, passed=False))
    else:
        targets.append(_ratio_target(name, synthetic, floor))
    return targets

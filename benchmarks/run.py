"""Benchmarks of oauth2kit against requests and its peers: ``python benchmarks/run.py``.

Four measurements, each run for every contender under the same conditions in one run:

1. import cost, timed inside fresh interpreters;
2. per-request cost of auth handlers holding a cached, valid token;
3. client construction in a fresh interpreter (the first one discovers the plugins);
4. whole round trips (token, introspection, revocation) against a local keep-alive server.

Targets are printed as PASS/FAIL. The exit status is 0 whatever they say (benchmarks
inform, they do not gate) unless ``--check`` is given. Nothing here contacts any host but
127.0.0.1, where the round-trip benchmark runs its own server.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

# `python benchmarks/run.py` puts this directory first on sys.path, so the sibling modules
# import as top-level modules; this keeps `python -m` and other launchers working too.
sys.path.insert(0, str(Path(__file__).resolve().parent))

import assertions
import auth_cost
import construction
import id_token
import import_cost
import roundtrip
from _common import Row, Target, print_table, to_jsonable


def _machine() -> dict[str, Any]:
    try:
        affinity: int | None = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        affinity = None
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "usable_cpus": affinity,
        "loadavg": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "date": dt.datetime.now(tz=dt.UTC).isoformat(timespec="seconds"),
    }


def _versions() -> dict[str, str | None]:
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

    found: dict[str, str | None] = {}
    dists = (
        "oauth2kit-client",
        "requests",
        "requests_oauth2client",
        "authlib",
        "pluggy",
        "stevedore",
    )
    for dist in dists:
        try:
            found[dist] = version(dist)
        except PackageNotFoundError:
            found[dist] = None
    return found


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", metavar="FILE", type=Path, help="also save the results here")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument(
        "--quick", action="store_true", help="fewer repetitions (a smoke test, not a result)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    # Repetitions sized so that a full run stays under a minute on the 2-core machine.
    import_main, import_ctx = (5, 2) if args.quick else (21, 7)
    build_main, build_ctx = (4, 2) if args.quick else (15, 5)
    auth_repeats, auth_repeat_s = (3, 0.02) if args.quick else (11, 0.06)
    trip_repeats, trip_calls = (3, 30) if args.quick else (21, 100)

    started = time.perf_counter()
    machine = _machine()
    versions = _versions()
    print("oauth2kit benchmarks")
    print(
        f"  Python {machine['python']} ({machine['implementation']}) on {machine['platform']}\n"
        f"  cpu_count={machine['cpu_count']} usable={machine['usable_cpus']} "
        f"loadavg={machine['loadavg']}\n"
        "  note: this machine has 2 shared cores; expect a few percent of noise between runs.\n"
        "  versions: " + ", ".join(f"{k} {v or 'MISSING'}" for k, v in versions.items())
    )

    targets: list[Target] = []
    results: dict[str, Any] = {"machine": machine, "versions": versions}

    rows, found = import_cost.run(import_main, import_ctx)
    print_table(
        "Import cost (fresh interpreter per run; ratio vs `import requests`)",
        rows,
        _ref(rows, "requests"),
        extra_cols=("modules", "heavy deps"),
    )
    targets += found
    results["import"] = rows

    rows, found = auth_cost.run(auth_repeats, auth_repeat_s)
    print_table(
        "Per-request auth cost, cached valid token (handler(prepared_request))",
        rows,
        _ref(rows, "baseline"),
        extra_cols=("loops",),
    )
    targets += found
    results["auth"] = rows

    rows, found, notes = construction.run(build_main, build_ctx)
    print_table(
        "Client construction in a fresh interpreter (median = first construction)",
        rows,
        _ref(rows, "floor"),
        extra_cols=("vs floor+attrs", "2nd (median)", "import (median)"),
    )
    for note in notes:
        print(f"  {note}")
    targets += found
    results["construction"] = rows

    rows, found = assertions.run(auth_repeats)
    for alg in assertions.ALGS:
        group = [row for row in rows if row.extra.get("alg") == alg]
        print_table(
            f"Client assertion (private_key_jwt), {alg}: one signed assertion",
            group,
            _ref(group, f"floor_{alg.lower()}"),
            extra_cols=("paired ratio",),
        )
    targets += found
    results["assertions"] = rows

    rows, found = id_token.run(auth_repeats)
    print_table(
        "ID token validation, RS256, from the compact string (keys cached)",
        rows,
        _ref(rows, "floor"),
        extra_cols=("paired ratio",),
    )
    targets += found
    results["id_token"] = rows

    tables, found, notes = roundtrip.run(trip_repeats, trip_calls)
    for table in tables:
        print_table(
            table.title, table.rows, table.ref, extra_cols=("req/call", "new conns", "paired ratio")
        )
    for note in notes:
        print(f"  {note}")
    targets += found
    results["roundtrip"] = [row for table in tables for row in table.rows]

    print("\n== Targets")
    for target in targets:
        verdict = "PASS" if target.passed else "FAIL"
        print(f"  [{verdict}] {target.name}: {target.measured} (target {target.expected})")
    elapsed = time.perf_counter() - started
    print(f"\nfinished in {elapsed:.1f} s")

    results["targets"] = targets
    results["elapsed_s"] = elapsed
    if args.json:
        args.json.write_text(json.dumps(to_jsonable(results), indent=2) + "\n")
        print(f"results saved to {args.json}")
    failed = [t for t in targets if not t.passed]
    return 1 if args.check and failed else 0


def _ref(rows: list[Row], key: str) -> Row | None:
    return next((row for row in rows if row.key == key), None)


if __name__ == "__main__":
    sys.exit(main())

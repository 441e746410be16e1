"""Import cost: each import statement timed inside a fresh interpreter, many times."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from _common import ChildError, Row, Stats, Target, rotated, run_child

#: Heavy dependencies that `import oauth2kit` must leave for later (plugins, JOSE, crypto).
#: ``attr`` is the other top-level package of the attrs distribution.
MUST_NOT_IMPORT = ("jose", "cryptography", "stevedore", "pluggy", "attrs", "attr")

TARGET_RATIO = 1.05


@dataclass(frozen=True)
class Case:
    key: str
    stmt: str
    #: Top-level module that must be installed for the case to run.
    needs: str
    #: Cases behind a target get more runs than those shown for context only.
    main: bool


CASES = (
    Case("requests", "import requests", "requests", main=True),
    Case("oauth2kit", "import oauth2kit", "oauth2kit", main=True),
    Case(
        "oauth2kit_names",
        "from oauth2kit import OAuth2Client, BearerToken",
        "oauth2kit",
        main=True,
    ),
    Case("requests_oauth2client", "import requests_oauth2client", "requests_oauth2client", False),
    Case("authlib", "import authlib.integrations.requests_client", "authlib", main=False),
)

# The clock starts after `import time` and stops before anything else is imported, so only
# the statement under test is inside the window; interpreter start-up is the same for all
# and left out. json and sys are read after the clock stops (requests imports json anyway).
_CHILD = """\
import time
t0 = time.perf_counter()
{stmt}
t1 = time.perf_counter()
import json, sys
print(json.dumps({{
    "seconds": t1 - t0,
    "present": [m for m in {watch!r} if m in sys.modules],
    "modules": len(sys.modules),
}}))
"""


def run(main_reps: int, context_reps: int) -> tuple[list[Row], list[Target]]:
    cases = [c for c in CASES if importlib.util.find_spec(c.needs) is not None]
    rows = {c.key: Row(c.key, c.stmt) for c in CASES}
    for case in CASES:
        if case not in cases:
            rows[case.key].missing = f"{case.needs} is not installed"

    samples: dict[str, list[float]] = {c.key: [] for c in cases}
    present: dict[str, set[str]] = {c.key: set() for c in cases}
    modules: dict[str, int] = {}
    failed: set[str] = set()

    # Round 0 is a warm-up (page cache, .pyc files) and is thrown away. Later rounds
    # interleave the contenders, so slow drift on a shared machine hits all of them alike.
    for round_no in range(main_reps + 1):
        for case in rotated(cases, round_no):
            if case.key in failed or (not case.main and round_no > context_reps):
                continue
            try:
                out = run_child(_CHILD.format(stmt=case.stmt, watch=MUST_NOT_IMPORT))
            except ChildError as exc:
                failed.add(case.key)
                rows[case.key].missing = f"child failed: {exc}"
                continue
            present[case.key].update(out["present"])
            modules[case.key] = out["modules"]
            if round_no > 0:
                samples[case.key].append(out["seconds"])

    for case in cases:
        row = rows[case.key]
        if case.key in failed or not samples[case.key]:
            continue
        row.stats = Stats.of(samples[case.key])
        row.extra = {
            "modules": modules[case.key],
            "heavy deps": ",".join(sorted(present[case.key])) or "none",
        }

    targets: list[Target] = []
    req, kit = rows["requests"], rows["oauth2kit"]
    if req.stats and kit.stats:
        value = kit.stats.median / req.stats.median
        targets.append(
            Target(
                "import oauth2kit / import requests (medians)",
                f"<= {TARGET_RATIO:.2f}",
                f"{value:.3f} (+{(kit.stats.median - req.stats.median) * 1e3:.1f} ms)",
                value <= TARGET_RATIO,
            )
        )
    else:
        targets.append(Target("import ratio", f"<= {TARGET_RATIO:.2f}", "not measured", False))
    for key in ("oauth2kit", "oauth2kit_names"):
        if rows[key].stats is not None:
            seen = sorted(present[key])
            targets.append(
                Target(
                    f"`{rows[key].label}` leaves heavy deps unimported",
                    "none of " + ", ".join(MUST_NOT_IMPORT),
                    ", ".join(seen) if seen else "none imported",
                    not seen,
                )
            )
    return [rows[c.key] for c in CASES], targets

"""Import cost: each import statement timed inside a fresh interpreter, many times."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from _common import Job, Row, Stats, Target, measured_rows

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
    # Paired, in one child: the clock is read between the two imports, so the increment
    # oauth2kit adds on top of requests is measured without cross-process noise.
    Case(
        "oauth2kit_increment",
        "import requests\nt_mid = time.perf_counter()\nimport oauth2kit",
        "oauth2kit",
        main=True,
    ),
    Case(
        "requests_oauth2client",
        "import requests_oauth2client",
        "requests_oauth2client",
        main=False,
    ),
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
    "increment": t1 - globals().get("t_mid", t0),
    "present": [m for m in {watch!r} if m in sys.modules],
    "modules": len(sys.modules),
}}))
"""


def run(main_reps: int, context_reps: int) -> tuple[list[Row], list[Target]]:
    rows = {c.key: Row(c.key, c.stmt) for c in CASES}
    rows["oauth2kit_increment"].label = "import requests; import oauth2kit (paired)"
    jobs = []
    for case in CASES:
        if importlib.util.find_spec(case.needs) is None:
            rows[case.key].missing = f"{case.needs} is not installed"
            continue
        code = _CHILD.format(stmt=case.stmt, watch=MUST_NOT_IMPORT)
        jobs.append(Job(case.key, code, main_reps if case.main else context_reps))

    present: dict[str, list[str]] = {}
    for row, outputs in measured_rows(rows, jobs):
        row.stats = Stats.of([out["seconds"] for out in outputs])
        if row.key == "oauth2kit_increment":
            increment = Stats.of([out["increment"] for out in outputs])
            row.extra["increment"] = increment
            row.label = f"{row.label}: +{increment.median * 1e3:.2f} ms"
        present[row.key] = sorted({m for out in outputs for m in out["present"]})
        row.extra |= {
            "modules": outputs[-1]["modules"],
            "heavy deps": ",".join(present[row.key]) or "none",
        }
    return list(rows.values()), _targets(rows, present)


def _targets(rows: dict[str, Row], present: dict[str, list[str]]) -> list[Target]:
    targets: list[Target] = []
    req, kit = rows["requests"].stats, rows["oauth2kit"].stats
    name = "import oauth2kit / import requests (medians)"
    if req and kit:
        value = kit.median / req.median
        measured = f"{value:.3f} ({(kit.median - req.median) * 1e3:+.1f} ms)"
        paired = rows["oauth2kit_increment"].extra.get("increment")
        if isinstance(paired, Stats):
            # Judged on the paired children, as the round trips are: each imports requests,
            # then oauth2kit on top of it, so what oauth2kit adds is timed in one interpreter
            # and the drift between two separate children's startups cancels out.
            value = (req.median + paired.median) / req.median
            measured += f"; paired estimate {value:.3f} (judged)"
        targets.append(
            Target(name, f"<= {TARGET_RATIO:.2f}", measured, passed=value <= TARGET_RATIO)
        )
    else:
        targets.append(Target(name, f"<= {TARGET_RATIO:.2f}", "not measured", passed=False))
    # Only the bare import must stay light: OAuth2Client and BearerToken are attrs value
    # objects, so importing them imports attrs (the row shows it, for context).
    for key in ("oauth2kit",):
        if key in present:
            seen = present[key]
            targets.append(
                Target(
                    f"`{rows[key].label}` leaves heavy deps unimported",
                    "none of " + ", ".join(MUST_NOT_IMPORT),
                    ", ".join(seen) if seen else "none imported",
                    passed=not seen,
                )
            )
    return targets

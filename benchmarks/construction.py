"""Client construction in a fresh interpreter: the first one (plugin discovery) and the next."""

from __future__ import annotations

import importlib.metadata
import importlib.util
from dataclasses import dataclass

from _common import Job, Row, Stats, Target, measured_rows

TARGET_FIRST_S = 15e-3

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
print(json.dumps({{"import": t1 - t0, "first": t3 - t2, "second": t4 - t3, "info": {info}}}))
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


def _third_party_plugins() -> list[str]:
    """Installed ``oauth2kit.plugins`` entry points that are not built-ins."""
    try:
        from oauth2kit._builtins import BUILTIN_PLUGINS  # noqa: PLC0415 - only if installed
    except ImportError:
        return []
    names = {ep.name for ep in importlib.metadata.entry_points(group="oauth2kit.plugins")}
    return sorted(names - set(BUILTIN_PLUGINS))


def _cases() -> list[Case]:
    kit_build = (
        'oauth2kit.OAuth2Client("https://as.example/token", client_id="c", client_secret="s")'
    )
    kit_info = '[p.name for p in first.plugins.plugins() if p.status == "loaded"]'
    cases = [
        Case(
            "oauth2kit",
            "oauth2kit.OAuth2Client",
            "oauth2kit",
            "import oauth2kit",
            kit_build,
            kit_info,
        ),
    ]
    extra = _third_party_plugins()
    if extra:
        # Same, with the installed third-party plugins blocked: the cost of the built-ins alone.
        cases.append(
            Case(
                "oauth2kit_builtins",
                "oauth2kit.OAuth2Client (built-ins only)",
                "oauth2kit",
                "import oauth2kit",
                kit_build,
                kit_info,
                env=(("OAUTH2KIT_DISABLE_PLUGINS", ",".join(extra)),),
            )
        )
    cases += [
        # What the design mandates before oauth2kit does anything: importing pluggy and
        # stevedore, and stevedore listing the entry-point group. Not a contender: the floor
        # under the first construction, so that the share that is oauth2kit's own shows.
        Case(
            "floor",
            "floor: import pluggy, stevedore; list the group",
            "oauth2kit",
            "import oauth2kit",
            '(__import__("pluggy"), __import__("stevedore").NamedExtensionManager('
            '"oauth2kit.plugins", names=[], on_missing_entrypoints_callback=None)'
            ".list_entry_points())",
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


def run(main_reps: int, context_reps: int) -> tuple[list[Row], list[Target], list[str]]:
    all_cases = _cases()
    rows = {c.key: Row(c.key, c.label) for c in all_cases}
    jobs = []
    for case in all_cases:
        if importlib.util.find_spec(case.needs) is None:
            rows[case.key].missing = f"{case.needs} is not installed"
            continue
        code = _CHILD.format(imp=case.imp, guard=_NO_NETWORK, build=case.build, info=case.info)
        reps = main_reps if case.key == "oauth2kit" else context_reps
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
        }

    notes: list[str] = []
    kit = rows["oauth2kit"]
    if isinstance(kit.extra.get("info"), list):
        notes.append(
            "plugins loaded by the first oauth2kit client: " + ", ".join(kit.extra["info"])
        )
    if "oauth2kit_builtins" in rows:
        notes.append(
            "installed third-party plugins (blocked in the 'built-ins only' row): "
            + ", ".join(_third_party_plugins())
        )
    import_stats = kit.extra.get("import")
    if kit.stats and isinstance(import_stats, Stats):
        # The target is absolute; this ratio lets machines of other speeds be compared.
        notes.append(
            "for scale: the first construction costs"
            f" {kit.stats.median / import_stats.median:.0%} of `import oauth2kit` on this machine"
        )
    floor = rows["floor"].stats
    if kit.stats and floor:
        notes.append(
            f"of the first construction, {floor.median * 1e3:.1f} ms is the floor (pluggy and"
            " stevedore imported, the group listed) and"
            f" {(kit.stats.median - floor.median) * 1e3:.1f} ms is oauth2kit's own work"
            " (importing and registering the plugins)"
        )
    measured = (
        f"{kit.stats.median * 1e3:.2f} ms (min {kit.stats.min * 1e3:.2f} ms)"
        if kit.stats
        else "not measured"
    )
    passed = kit.stats is not None and kit.stats.median < TARGET_FIRST_S
    target = Target(
        "first OAuth2Client() after import (median)",
        f"< {TARGET_FIRST_S * 1e3:.0f} ms",
        measured,
        passed=passed,
    )
    return list(rows.values()), [target], notes

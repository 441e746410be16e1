"""The cost of building one private_key_jwt client assertion (ES256 and RS256), in process.

For each algorithm the floor is what any implementation must do: the same claims (``iss``,
``sub``, ``aud``, ``iat``, ``exp``, a fresh 128-bit ``jti``) as compact JSON, base64url, one
`cryptography` signature (and, for ES256, the DER to raw R||S conversion JWS wants), with
the key loaded and the header encoded once. The contenders build the assertion the way
their client authentication does it for each request, keys also loaded once:

- oauth2kit: ``PrivateKeyJwt.client_assertion(audience)``, what ``authenticate`` calls;
- requests_oauth2client: ``PrivateKeyJwt.client_assertion(audience)``;
- Authlib: ``authlib.oauth2.rfc7523.private_key_jwt_sign`` with a joserfc key.

Each contender's assertion is verified once before timing, so no row times a broken one.
"""

from __future__ import annotations

import base64
import json
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from _common import Row, Stats, Target, against_floor, interleaved, print_table, sized_timer

if TYPE_CHECKING:
    from _common import Timed

CLIENT_ID = "bench-client"
AUDIENCE = "https://as.example/oauth/token"
KEYS_DIR = Path(__file__).resolve().parent.parent / "tests" / "as" / "keys" / "clients"
ALGS = {"ES256": "pkjwt-es256", "RS256": "pkjwt-rs256"}  # alg -> the test client key
TARGETS = {"ES256": 1.15, "RS256": 1.03}  # oauth2kit / floor, paired estimate

Build = Callable[[], str]


def _jwk(alg: str) -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads((KEYS_DIR / f"{ALGS[alg]}.json").read_text())
    return jwk


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _floor(alg: str) -> Build:
    from cryptography.hazmat.primitives import hashes  # noqa: PLC0415 - each contender its own
    from cryptography.hazmat.primitives.asymmetric import ec, padding  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric.utils import (  # noqa: PLC0415
        decode_dss_signature,
    )

    from oauth2kit import jose  # noqa: PLC0415 - only to load the JWK, outside the loop

    crypto: Any = jose.to_key(_jwk(alg)).crypto_key
    header = _b64(json.dumps({"alg": alg, "kid": ALGS[alg]}, separators=(",", ":")).encode())
    sha256 = hashes.SHA256()

    def claims() -> str:
        now = int(time.time())
        payload = {
            "iss": CLIENT_ID, "sub": CLIENT_ID, "aud": AUDIENCE,
            "iat": now, "exp": now + 60, "jti": secrets.token_urlsafe(16),
        }  # fmt: skip
        return f"{header}.{_b64(json.dumps(payload, separators=(',', ':')).encode())}"

    if alg == "ES256":
        ecdsa = ec.ECDSA(sha256)

        def build() -> str:
            signing_input = claims()
            r, s = decode_dss_signature(crypto.sign(signing_input.encode(), ecdsa))
            return f"{signing_input}.{_b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"

        return build
    pkcs1 = padding.PKCS1v15()

    def build_rsa() -> str:
        signing_input = claims()
        return f"{signing_input}.{_b64(crypto.sign(signing_input.encode(), pkcs1, sha256))}"

    return build_rsa


def _oauth2kit(alg: str) -> Build:
    from oauth2kit import PrivateKeyJwt  # noqa: PLC0415

    method = PrivateKeyJwt(CLIENT_ID, _jwk(alg), alg=alg)
    return lambda: method.client_assertion(AUDIENCE)


def _rqo2c(alg: str) -> Build:
    import requests_oauth2client as r  # noqa: PLC0415

    method = r.PrivateKeyJwt(CLIENT_ID, _jwk(alg), alg=alg)
    return lambda: str(method.client_assertion(AUDIENCE))


def _authlib(alg: str) -> Build:
    from authlib.oauth2.rfc7523 import private_key_jwt_sign  # noqa: PLC0415
    from joserfc.jwk import import_key  # noqa: PLC0415 - Authlib's own JOSE library

    key = import_key(_jwk(alg))  # a joserfc key: Authlib uses it as it is
    header = {"kid": ALGS[alg]}

    def build() -> str:
        signed = private_key_jwt_sign(key, CLIENT_ID, AUDIENCE, alg=alg, header=header)
        return signed.decode() if isinstance(signed, bytes) else str(signed)

    return build


CONTENDERS: tuple[tuple[str, str, Callable[[str], Build]], ...] = (
    ("floor", "floor (cryptography + base64url + JSON)", _floor),
    ("oauth2kit", "oauth2kit PrivateKeyJwt", _oauth2kit),
    ("rqo2c", "requests_oauth2client PrivateKeyJwt", _rqo2c),
    ("authlib", "authlib private_key_jwt_sign", _authlib),
)


def _check(alg: str, assertion: str) -> str | None:
    """Why `assertion` is not a valid assertion of the benchmark, or None."""
    from oauth2kit import jose  # noqa: PLC0415

    try:
        claims = jose.verify_jwt(assertion, jose.to_key(_jwk(alg)).public_key(), [alg]).claims
    except jose.JoseError as exc:
        return f"invalid assertion: {exc}"
    wanted = {"iss": CLIENT_ID, "sub": CLIENT_ID, "aud": AUDIENCE}
    if any(claims.get(name) != value for name, value in wanted.items()) or "jti" not in claims:
        return f"unexpected claims: {sorted(claims)}"
    return None


def _prepare(row: Row, alg: str, factory: Callable[[str], Build], repeat_s: float) -> Any:
    try:
        build = factory(alg)
        problem = _check(alg, build())
    except ModuleNotFoundError as exc:
        row.missing = f"not installed ({exc.name})"
        return None
    except Exception as exc:  # noqa: BLE001 - a broken contender is a row, not a crash
        row.missing_kind, row.missing = "ERROR", f"{type(exc).__name__}: {exc}".splitlines()[0]
        return None
    if problem is not None:
        row.missing_kind, row.missing = "ERROR", problem
        return None
    return sized_timer(build, repeat_s)


def run(repeats: int, repeat_s: float = 0.05) -> tuple[list[Row], list[Target]]:
    """Measure every contender for ES256 and RS256; rows carry ``alg`` and ratios vs floor."""
    rows: list[Row] = []
    timers: dict[str, Timed] = {}
    for alg in ALGS:
        for key, label, factory in CONTENDERS:
            row = Row(f"{key}_{alg.lower()}", f"{label}, {alg}", extra={"alg": alg})
            rows.append(row)
            prepared = _prepare(row, alg, factory, repeat_s)
            if prepared is not None:
                timers[row.key] = prepared
    samples = interleaved(timers, repeats)
    for row in rows:
        if row.key in samples:
            floor = samples.get(f"floor_{row.extra['alg'].lower()}")
            if floor:
                against_floor(row, samples[row.key], floor)
            else:
                row.stats = Stats.of(samples[row.key])
    return rows, _targets(rows)


def _targets(rows: list[Row]) -> list[Target]:
    """oauth2kit / floor per algorithm, judged on the paired estimate (drift cancels out)."""
    found = []
    by_key = {row.key: row for row in rows}
    for alg, limit in TARGETS.items():
        row, floor = by_key[f"oauth2kit_{alg.lower()}"], by_key[f"floor_{alg.lower()}"]
        name = f"private_key_jwt assertion {alg}: oauth2kit / floor"
        paired = row.extra.get("paired ratio")
        if row.stats is None or floor.stats is None or not isinstance(paired, float):
            found.append(Target(name, f"<= {limit:.2f}", "not measured", passed=False))
            continue
        measured = (
            f"{paired:.3f} paired ({row.stats.median * 1e6:.1f} us vs"
            f" {floor.stats.median * 1e6:.1f} us; ratio of medians {row.extra['vs floor']:.3f})"
        )
        found.append(Target(name, f"<= {limit:.2f}", measured, passed=paired <= limit))
    return found


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    measured_rows, measured_targets = run(3 if quick else 15, 0.02 if quick else 0.05)
    for alg in ALGS:
        group = [row for row in measured_rows if row.extra["alg"] == alg]
        print_table(
            f"private_key_jwt assertion, {alg}", group, group[0], ("paired ratio", "vs floor")
        )
    for target in measured_targets:
        verdict = "PASS" if target.passed else "FAIL"
        print(f"  [{verdict}] {target.name}: {target.measured} (target {target.expected})")

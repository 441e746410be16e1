"""The cost of validating one RS256 ID token from its compact string, keys cached, in process.

The floor is what any implementation must do at the least: split the compact form,
base64url-decode and JSON-parse the header and the claims, and one `cryptography` RSA
PKCS#1 v1.5 verification, with the key loaded once. It checks no claim. The contenders
validate the same token as their users would, with the keys loaded (or cached) once:

- oauth2kit: the ``validate_id_token`` operation behind ``BearerToken.validate_id_token``
  (signature, alg, iss, sub, aud, azp, exp/iat/nbf, nonce, the two hooks), the
  keys in the client's JWKS cache; the token response is built once, with the ID token as
  its compact string, which the validation parses;
- requests_oauth2client: ``BearerToken(...).validate_id_token(client, azr)`` (its
  BearerToken parses the ID token, so building it is part of the work);
- Authlib: joserfc (Authlib's JOSE library) ``jwt.decode`` and a claims registry;
- python-jose: ``jwt.decode`` with a constructed key, audience and issuer;
- PyJWT: ``jwt.decode`` with a loaded key, audience and issuer.

Every contender validates the token once before timing, so no row times a refusal.
"""

from __future__ import annotations

import base64
import json
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from _common import Row, Stats, Target, against_floor, interleaved, print_table, sized_timer

if TYPE_CHECKING:
    from _common import Timed

ISSUER = "https://as.example"
CLIENT_ID = "bench-client"
NONCE = "n-0S6_WzA2Mj-bench-nonce"
CODE = "SplxlOBeZQQYbYS6WxSbIA"
ACCESS_TOKEN = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"
TARGET = 1.2  # oauth2kit / floor, paired estimate

Validate = Callable[[], Any]


class Fixture:
    """One RSA key, its JWK Set, and an RS256 ID token signed with it (valid for an hour)."""

    def __init__(self) -> None:
        from oauth2kit import jose  # noqa: PLC0415 - the fixture only, outside the loops

        self.key = jose.generate_key("RS256", kid="bench-rs256")
        self.jwks = {"keys": [self.key.public_jwk()]}
        now = int(time.time())
        self.claims = {
            "iss": ISSUER, "sub": "alice", "aud": CLIENT_ID, "exp": now + 3600, "iat": now,
            "nonce": NONCE,
            "auth_time": now, "name": "Alice Example", "email": "alice@example.com",
        }  # fmt: skip
        self.compact = jose.sign_jwt(self.claims, self.key)


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _floor(f: Fixture) -> Validate:
    from cryptography.hazmat.primitives import hashes  # noqa: PLC0415 - each contender its own
    from cryptography.hazmat.primitives.asymmetric import padding  # noqa: PLC0415

    public: Any = f.key.public_key().crypto_key
    pkcs1, sha256 = padding.PKCS1v15(), hashes.SHA256()
    token = f.compact

    def validate() -> Any:
        header, payload, signature = token.split(".")
        json.loads(_b64(header))
        public.verify(_b64(signature), f"{header}.{payload}".encode(), pkcs1, sha256)
        return json.loads(_b64(payload))

    return validate


def _oauth2kit(f: Fixture) -> Validate:
    from construction import third_party_plugins  # noqa: PLC0415

    from oauth2kit import (  # noqa: PLC0415
        AuthorizationResponse,
        BearerToken,
        JwksCache,
        OAuth2Client,
        PluginHost,
    )

    cache = JwksCache()
    cache.import_(
        {
            "format": "oauth2kit.jwks-cache/1",
            "entries": [
                {
                    "jwks_uri": f"{ISSUER}/jwks",
                    "jwks": f.jwks,
                    "fetched_at": time.time(),
                    "max_age": 86400,
                }
            ],
        }
    )
    # Plugins that other distributions installed here (the tests' example plugin, whose
    # issuer hook would run for every ID token) are left out: the row measures oauth2kit.
    client = OAuth2Client(
        f"{ISSUER}/token", auth=(CLIENT_ID, "secret"), issuer=ISSUER, jwks_uri=f"{ISSUER}/jwks",
        jwks_cache=cache, plugins=PluginHost(disable=third_party_plugins()),
    )  # fmt: skip
    azr = AuthorizationResponse(code=CODE, nonce=NONCE, issuer=ISSUER)
    token = BearerToken(ACCESS_TOKEN, expires_in=3600, id_token=f.compact)
    run = client.run

    def validate() -> Any:
        return run("validate_id_token", token=token, azr=azr).id_token.claims

    return validate


def _rqo2c(f: Fixture) -> Validate:
    import requests_oauth2client as r  # noqa: PLC0415

    client = r.OAuth2Client(
        f"{ISSUER}/token", client_id=CLIENT_ID, client_secret="secret", issuer=ISSUER,
        authorization_server_jwks=f.jwks,
    )  # fmt: skip
    azr = r.AuthorizationResponse(code=CODE, nonce=NONCE, issuer=ISSUER)
    compact = f.compact

    def validate() -> Any:
        token = r.BearerToken(ACCESS_TOKEN, expires_in=3600, id_token=compact)
        validated: Any = token.validate_id_token(client, azr)
        return validated.id_token.claims

    return validate


def _authlib(f: Fixture) -> Validate:
    from joserfc import jwt  # noqa: PLC0415 - Authlib's own JOSE library
    from joserfc.jwk import import_key  # noqa: PLC0415

    key = import_key(f.jwks["keys"][0])
    registry = jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": ISSUER},
        aud={"essential": True, "value": CLIENT_ID},
        sub={"essential": True},
        nonce={"essential": True, "value": NONCE},
    )
    compact = f.compact

    def validate() -> Any:
        claims = jwt.decode(compact, key, algorithms=["RS256"]).claims
        registry.validate(claims)
        return claims

    return validate


def _python_jose(f: Fixture) -> Validate:
    from jose import jwk, jwt  # noqa: PLC0415

    key = jwk.construct(f.jwks["keys"][0], "RS256")
    compact = f.compact

    def validate() -> Any:
        return jwt.decode(compact, key, algorithms=["RS256"], audience=CLIENT_ID, issuer=ISSUER)

    return validate


def _pyjwt(f: Fixture) -> Validate:
    import jwt  # noqa: PLC0415

    key = jwt.PyJWK(f.jwks["keys"][0], "RS256")
    compact = f.compact

    def validate() -> Any:
        return jwt.decode(
            compact, key, algorithms=["RS256"], audience=CLIENT_ID, issuer=ISSUER,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )  # fmt: skip

    return validate


CONTENDERS: tuple[tuple[str, str, Callable[[Fixture], Validate]], ...] = (
    ("floor", "floor (cryptography + base64url + JSON)", _floor),
    ("oauth2kit", "oauth2kit validate_id_token", _oauth2kit),
    ("rqo2c", "requests_oauth2client BearerToken.validate_id_token", _rqo2c),
    ("authlib", "authlib (joserfc) jwt.decode + claims registry", _authlib),
    ("python_jose", "python-jose jwt.decode", _python_jose),
    ("pyjwt", "PyJWT jwt.decode", _pyjwt),
)


def _prepare(
    row: Row, fixture: Fixture, factory: Callable[[Fixture], Validate], repeat_s: float
) -> Any:
    try:
        validate = factory(fixture)
        claims = validate()
    except ModuleNotFoundError as exc:
        row.missing = f"not installed ({exc.name})"
        return None
    except Exception as exc:  # noqa: BLE001 - a broken contender is a row, not a crash
        row.missing_kind, row.missing = "ERROR", f"{type(exc).__name__}: {exc}".splitlines()[0]
        return None
    if dict(claims) != fixture.claims:
        row.missing_kind, row.missing = "ERROR", f"unexpected claims: {sorted(claims)}"
        return None
    return sized_timer(validate, repeat_s)


def run(repeats: int, repeat_s: float = 0.05) -> tuple[list[Row], list[Target]]:
    """Measure every contender; rows carry their paired ratio and ratio of medians vs floor."""
    fixture = Fixture()
    rows = [Row(key, label) for key, label, _ in CONTENDERS]
    timers: dict[str, Timed] = {}
    for row, (_, _, factory) in zip(rows, CONTENDERS, strict=True):
        prepared = _prepare(row, fixture, factory, repeat_s)
        if prepared is not None:
            timers[row.key] = prepared
    samples = interleaved(timers, repeats)
    floor = samples.get("floor")
    for row in rows:
        if row.key in samples:
            if floor:
                against_floor(row, samples[row.key], floor)
            else:
                row.stats = Stats.of(samples[row.key])
    return rows, _targets(rows)


def _targets(rows: list[Row]) -> list[Target]:
    """oauth2kit / floor, judged on the paired estimate (the machine's drift cancels out)."""
    by_key = {row.key: row for row in rows}
    row, floor = by_key["oauth2kit"], by_key["floor"]
    name = "ID token validation RS256 (compact string, keys cached): oauth2kit / floor"
    paired = row.extra.get("paired ratio")
    if row.stats is None or floor.stats is None or not isinstance(paired, float):
        return [Target(name, f"<= {TARGET:.2f}", "not measured", passed=False)]
    measured = (
        f"{paired:.3f} paired ({row.stats.median * 1e6:.1f} us vs"
        f" {floor.stats.median * 1e6:.1f} us; ratio of medians {row.extra['vs floor']:.3f})"
    )
    return [Target(name, f"<= {TARGET:.2f}", measured, passed=paired <= TARGET)]


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    measured_rows, measured_targets = run(3 if quick else 15, 0.02 if quick else 0.05)
    print_table(
        "ID token validation, RS256, from the compact string, keys cached",
        measured_rows,
        measured_rows[0],
        ("paired ratio", "vs floor"),
    )
    for target in measured_targets:
        verdict = "PASS" if target.passed else "FAIL"
        print(f"  [{verdict}] {target.name}: {target.measured} (target {target.expected})")

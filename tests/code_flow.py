"""The test server's code-flow clients, as the authorization code, PAR and JAR tests build them."""

from __future__ import annotations

from typing import Any

from as_server import REDIRECT_URI, AuthServer

from oauth2kit import OAuth2Client

SECRETS = {
    "web-basic": "web-basic-secret",
    "web-short": "web-short-secret",
    "par-client": "par-client-secret",
    "rar-client": "rar-client-secret",
}
"""The confidential code-flow clients of the test server; the others are public."""


def code_client(server: AuthServer, client_id: str, **settings: Any) -> OAuth2Client:
    """A client of `server` for the code flow, with its issuer and RFC 9207 support."""
    secret = SECRETS.get(client_id)
    settings.setdefault("jwks_uri", server.discovery["jwks_uri"])  # ID tokens are validated
    return OAuth2Client(
        server.token_endpoint,
        auth=(client_id, secret) if secret else client_id,
        token_endpoint_auth_method="client_secret_basic" if secret else None,
        authorization_endpoint=server.discovery["authorization_endpoint"],
        pushed_authorization_request_endpoint=server.discovery[
            "pushed_authorization_request_endpoint"
        ],
        redirect_uri=REDIRECT_URI,
        issuer=server.issuer,
        authorization_response_iss_parameter_supported=server.discovery[
            "authorization_response_iss_parameter_supported"
        ],
        **settings,
    )

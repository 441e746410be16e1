"""Example Vendor's oauth2kit plugin: a custom grant, and token parsing for its servers only.

- The ``magic_word`` grant sends ``grant_type=urn:oauth2kit:example:grant-type:magic-word``
  with a ``magic_word`` parameter; any client can use it through
  ``client.grant("magic_word", magic_word="please")``.
- Token responses from Example Vendor's authorization servers become `ExampleVendorToken`s;
  every other server's responses fall through to the standard parser. Which issuers are
  Example Vendor's is read from ``OAUTH2KIT_EXAMPLE_ISSUERS`` (comma-separated), so the
  tests can point it at the local test server.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from oauth2kit import BearerToken, InvalidParam, hookimpl

if TYPE_CHECKING:
    from oauth2kit import EndpointCall, EndpointResponse, OAuth2Client, Registry
    from oauth2kit.hookspecs import GrantType

MAGIC_WORD_GRANT = "urn:oauth2kit:example:grant-type:magic-word"
DEFAULT_ISSUERS = "https://login.example-vendor.invalid"


def vendor_issuers() -> set[str]:
    """The issuer identifiers of Example Vendor's authorization servers."""
    raw = os.environ.get("OAUTH2KIT_EXAMPLE_ISSUERS", DEFAULT_ISSUERS)
    return {issuer.strip() for issuer in raw.split(",") if issuer.strip()}


class MagicWordGrant:
    """The made-up magic-word grant."""

    grant_type = MAGIC_WORD_GRANT

    def build(self, client: OAuth2Client, params: dict[str, Any]) -> dict[str, Any]:
        """Require ``magic_word``; pass everything else through."""
        if not isinstance(params.get("magic_word"), str):
            raise InvalidParam("the magic_word grant needs a magic_word (str)")
        return {name: value for name, value in params.items() if value is not None}


class ExampleVendorToken(BearerToken):
    """A token from Example Vendor: ``vendor_issuer`` says which of its servers issued it."""

    vendor_issuer: str  # a member of the token, set when it is built


@hookimpl
def oauth2kit_register_grant_types(registry: Registry[GrantType]) -> None:
    """Register the ``magic_word`` grant."""
    registry.add("magic_word", MagicWordGrant())


@hookimpl
def oauth2kit_parse_response(call: EndpointCall, response: EndpointResponse) -> object | None:
    """Parse Example Vendor's token responses; leave everyone else's to the next plugin."""
    if call.endpoint != "token_endpoint" or call.client.issuer not in vendor_issuers():
        return None
    if response.data is None or "access_token" not in response.data:
        return None  # let the standard parser raise its precise error
    return ExampleVendorToken.from_response(
        {**response.data, "vendor_issuer": call.client.issuer or ""}
    )

"""The constructor's client authentication arguments, turned into one method.

`OAuth2Client` hands its ``auth``, ``client_id``, ``client_secret``, ``private_key`` and
``token_endpoint_auth_method`` arguments to the ``client_authentication`` operation that
this plugin registers, and keeps the method it returns. The table of shortcuts lives in
`OAuth2Client`'s docstring; which method takes which credential is each method's to say.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import requests.auth

from oauth2kit import InvalidParam, OAuth2KitError, UnsupportedClientCredentials, hookimpl

if TYPE_CHECKING:
    from oauth2kit import OAuth2Client, Registry
    from oauth2kit.hookspecs import Operation

# Without token_endpoint_auth_method: the upstream defaults, by kind of credential.
_DEFAULT_METHODS = {"a client secret": "client_secret_post", "a private key": "private_key_jwt"}


def client_authentication(
    client: OAuth2Client, *, auth: object = None, client_id: object = None,
    client_secret: object = None, private_key: object = None,
    token_endpoint_auth_method: object = None,
) -> requests.auth.AuthBase:  # fmt: skip
    """The authentication method that the constructor's arguments describe (None: not given).

    Raises:
        UnsupportedClientCredentials: the arguments do not fit together, or the method
            cannot take the credential.
        PluginNotAvailable: no plugin provides the method.
    """
    method = token_endpoint_auth_method
    if auth is not None and (client_id, client_secret, private_key) != (None, None, None):
        msg = "pass either auth= or client_id/client_secret/private_key, not both"
        raise UnsupportedClientCredentials(msg)
    if isinstance(auth, requests.auth.AuthBase):
        return _handler(client, auth, method)
    if auth is not None:
        client_id, (client_secret, private_key) = _split(auth)
    elif client_secret is not None and private_key is not None:
        raise UnsupportedClientCredentials("pass a client_secret or a private_key, not both")
    if not client_id:
        raise UnsupportedClientCredentials("A client_id must be provided.")
    # Whether the credential fits is the method's to say: it checks it once, when built.
    credential = client_secret if private_key is None else private_key
    kind = "a client secret" if private_key is None else "a private key"
    if method is None:
        method = "none" if credential is None else _DEFAULT_METHODS[kind]
    if not isinstance(method, str):
        kind_of = type(method).__name__
        raise InvalidParam(f"token_endpoint_auth_method must be a str, got {kind_of}")
    factory = client.lookup(client.plugins.client_auth_methods, method)
    try:
        return factory(client_id) if credential is None else factory(client_id, credential)  # type: ignore[no-any-return] # checked when registered
    except OAuth2KitError:
        raise  # the method's own clear refusal (UnsupportedClientCredentials is a TypeError)
    except TypeError as exc:  # the method takes another kind of credential, or none
        kind = "no credential" if credential is None else kind
        msg = f"client authentication method {method!r} cannot be used with {kind}"
        raise UnsupportedClientCredentials(msg) from exc


def _handler(
    client: OAuth2Client, auth: requests.auth.AuthBase, method: object
) -> requests.auth.AuthBase:
    if method is not None:
        msg = "token_endpoint_auth_method applies to credentials, not to an auth handler"
        raise UnsupportedClientCredentials(msg)
    if isinstance(name := getattr(auth, "method_name", None), str):
        # A method built by hand: its plugin (and its hooks) must be there for this client
        # too, imported if lazy, and not blocked.
        client.lookup(client.plugins.client_auth_methods, name)
    return auth


def _split(auth: object) -> tuple[str, tuple[object, object]]:
    """Split an ``auth=`` shortcut into a client_id and its (client secret, private key)."""
    if isinstance(auth, str):
        return auth, (None, None)
    if isinstance(auth, tuple) and len(auth) == 2 and isinstance(auth[0], str):  # noqa: PLR2004 - a pair
        client_id, credential = auth
        if credential is None:  # an unset secret, say: not a public client by accident
            msg = (
                "auth=(client_id, None) has no credential; pass auth=client_id for a public client"
            )
            raise UnsupportedClientCredentials(msg)
        # A str is a secret; any other credential (a JWK, a key object, a certificate
        # pair) goes to the method as a key, for it to check.
        return client_id, (
            (credential, None) if isinstance(credential, str) else (None, credential)
        )
    msg = (
        f"auth of type {type(auth).__name__} is not supported: use an AuthBase, a"
        " (client_id, client secret or private key) tuple, or a client_id"
    )
    raise UnsupportedClientCredentials(msg)


@hookimpl
def oauth2kit_register_operations(registry: Registry[Operation]) -> None:
    """Register ``client_authentication``, which `OAuth2Client`'s constructor runs."""
    registry.add("client_authentication", client_authentication)

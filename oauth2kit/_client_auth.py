"""The base class of client authentication methods."""

from __future__ import annotations

from urllib.parse import parse_qsl

import requests
import requests.auth

from oauth2kit._exceptions import (
    InvalidParam,
    InvalidRequestForClientAuthentication,
    UnsupportedClientCredentials,
)

__all__ = ["BaseClientAuthenticationMethod"]

_FORM = "application/x-www-form-urlencoded"


class BaseClientAuthenticationMethod(requests.auth.AuthBase):
    """Base class of the auth handlers that authenticate a client to its authorization server.

    Subclasses implement `authenticate`; `__call__` first checks that the request is a form
    POST, the only kind of request client authentication applies to.

    Args:
        client_id: the client identifier.
    """

    def __init__(self, client_id: str) -> None:
        if not isinstance(client_id, str) or not client_id:
            msg = f"client_id must be a non-empty str, got {client_id!r}"
            raise UnsupportedClientCredentials(msg)
        self.client_id = client_id

    @staticmethod
    def checked_secret(client_secret: object) -> str:
        """Return `client_secret` if it is a non-empty str, for methods built on a secret.

        Raises:
            UnsupportedClientCredentials: otherwise.
        """
        if not isinstance(client_secret, str) or not client_secret:
            msg = f"client_secret must be a non-empty str, got {type(client_secret).__name__}"
            raise UnsupportedClientCredentials(msg)
        return client_secret

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Check that `request` is a form POST, then authenticate it."""
        content_type = request.headers.get("Content-Type")
        media_type = None if content_type is None else content_type.split(";")[0].strip().lower()
        if request.method != "POST" or (media_type is not None and media_type != _FORM):
            raise InvalidRequestForClientAuthentication(request)
        return self.authenticate(request)

    def authenticate(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Add this method's credentials to `request` (a form POST)."""
        raise NotImplementedError

    @staticmethod
    def set_form_fields(
        request: requests.PreparedRequest, **fields: str
    ) -> requests.PreparedRequest:
        """Set `fields` in the form body of `request`.

        A field the body already has with the same value is not sent twice (PAR bodies
        carry the ``client_id``).

        Raises:
            InvalidParam: if the body has one of `fields` with another value, such as a
                ``client_id`` passed as a grant parameter that is not the client's.
        """
        body = request.body or ""
        if isinstance(body, bytes):
            body = body.decode("utf-8")
        pairs = parse_qsl(body, keep_blank_values=True)
        if clashes := sorted({k for k, v in pairs if k in fields and v != fields[k]}):
            msg = (
                f"the form already has {', '.join(clashes)} with another value than client"
                " authentication sets; do not pass them as parameters"
            )
            raise InvalidParam(msg)
        kept = [(k, v) for k, v in pairs if k not in fields]
        request.prepare_body([*kept, *fields.items()], files=None)
        return request

    def __repr__(self) -> str:
        """Name the method and client; subclasses keep their secrets out of it."""
        return f"{type(self).__name__}(client_id={self.client_id!r})"

    def __eq__(self, other: object) -> bool:
        """Methods are equal when of the same class with the same settings."""
        return type(other) is type(self) and vars(other) == vars(self)

    def __hash__(self) -> int:
        """Hash by class and client_id."""
        return hash((type(self), self.client_id))

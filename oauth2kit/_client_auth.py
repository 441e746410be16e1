"""The base class of client authentication methods."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar
from urllib.parse import parse_qs, urlencode

import requests
import requests.auth

from oauth2kit._exceptions import (
    InvalidParam,
    InvalidRequestForClientAuthentication,
    UnsupportedClientCredentials,
)
from oauth2kit._values import Form, Headers, _is_text

if TYPE_CHECKING:
    from oauth2kit._pipeline import EndpointCall

__all__ = ["BaseClientAuthenticationMethod"]

_FORM = "application/x-www-form-urlencoded"


def _ascii(body: str | bytes) -> str | None:
    """`body` as the ASCII text a urlencoded form is ("" for an empty one), or None."""
    if isinstance(body, str):
        return body if body.isascii() else None
    return body.decode("ascii") if body.isascii() else None


class BaseClientAuthenticationMethod(requests.auth.AuthBase):
    """Base class of the methods that authenticate a client to its authorization server.

    Subclasses implement `authenticate`, which adds the method's credentials to a request's
    form or headers in place. `OAuth2Client` calls it (through `authenticate_call`) for each
    request it sends, after the request hooks; as a plain `requests` auth handler
    (``requests.post(url, data=..., auth=method)``) the method applies itself to a form POST.

    Args:
        client_id: the client identifier.
    """

    method_name: ClassVar[str | None] = None
    """The name the method's plugin registers it under (``client_secret_basic``, ...): a
    client given an instance makes sure that plugin is loaded and not blocked for it."""

    def __init__(self, client_id: str) -> None:
        if not _is_text(client_id) or not client_id:
            msg = f"client_id must be a non-empty str, got {client_id!r}"
            raise UnsupportedClientCredentials(msg)
        self.client_id = client_id

    @staticmethod
    def checked_secret(client_secret: object) -> str:
        """Return `client_secret` if it is a non-empty str that can be sent.

        Raises:
            UnsupportedClientCredentials: otherwise (a lone surrogate cannot be encoded).
        """
        if not _is_text(client_secret) or not client_secret:
            msg = f"client_secret must be a non-empty str, got {type(client_secret).__name__}"
            raise UnsupportedClientCredentials(msg + " (that UTF-8 can encode)")
        return client_secret

    def authenticate(self, url: str, form: Form, headers: Headers) -> None:
        """Add this method's credentials to the `form` or `headers` of a request to `url`."""
        raise NotImplementedError

    def authenticate_call(self, call: EndpointCall) -> None:
        """Authenticate `call`, which an `OAuth2Client` sends, once its request hooks ran.

        `authenticate` with the call's URL, form and headers. A method that needs more of
        the call overrides it: the mutual-TLS methods check the call's certificate.
        """
        self.authenticate(call.url, call.form, call.headers)

    @staticmethod
    def set_form_fields(form: Form, **fields: str) -> None:
        """Set `fields` in `form`, refusing a field that is already there with another value.

        Raises:
            InvalidParam: if `form` has one of `fields` with another value, such as a
                ``client_id`` passed as a grant parameter that is not the client's.
        """
        if clashes := sorted(k for k, v in fields.items() if form.get(k, v) != v):
            msg = (
                f"the form already has {', '.join(clashes)} with another value than client"
                " authentication sets; do not pass them as parameters"
            )
            raise InvalidParam(msg)
        form.update(fields)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Authenticate a form POST prepared by `requests` (outside `OAuth2Client`)."""
        content_type = request.headers.get("Content-Type")
        media_type = None if content_type is None else content_type.split(";")[0].strip().lower()
        if request.method != "POST" or (media_type is not None and media_type != _FORM):
            raise InvalidRequestForClientAuthentication(request)
        body = request.body or ""
        if not isinstance(body, str | bytes) or (text := _ascii(body)) is None:
            raise InvalidRequestForClientAuthentication(request)  # a stream, or not urlencoded
        # A repeated field stays a list. Read to see what authentication adds: the body
        # itself is sent as it came, with those fields after it (bytes %FF stay %FF).
        fields = parse_qs(text, keep_blank_values=True)
        given = {name: vs[0] if len(vs) == 1 else vs for name, vs in fields.items()}
        form, headers = Form(given), Headers(request.headers)
        before = dict(form)  # as the form holds them (a list as a tuple)
        self.authenticate(request.url or "", form, headers)
        if added := {name: value for name, value in form.items() if before.get(name) != value}:
            extra = urlencode(added, doseq=True)
            request.body = f"{text}&{extra}" if body else extra
            request.prepare_content_length(request.body)
        request.headers.update(headers)
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

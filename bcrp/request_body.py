"""Request bodies that did not arrive whole are refused before any view reads them.

A phone that loses signal half-way through sending a form closes the connection early. Neither
gunicorn nor Django's own server says so: reading the body just returns fewer bytes than its
Content-Length, and Django's multipart parser keeps the fields it got and silently drops a file
cut off half-way. So a report arrived without its photos and was saved. Here every body is read
through a stream that raises when it ends before its stated length or, for a multipart form,
without the closing boundary; a POSTed form is parsed before any view runs, and refused whole.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from typing import Any, BinaryIO, cast

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string

from bcrp.api.problems import is_api_request, problem_response

logger = logging.getLogger(__name__)

METHODS_WITHOUT_BODY = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_CONTENT_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})


class IncompleteBody(BadRequest):
    """The body ended before its Content-Length, or a multipart body never closed."""


class WholeBodyStream(io.IOBase):
    """Reads a request body, raising IncompleteBody instead of ever returning a short one."""

    def __init__(self, stream: Any, *, length: int, boundary: bytes | None) -> None:
        super().__init__()
        self._stream = stream
        self._remaining = length
        # A multipart body ends with "--boundary--"; until it is seen the form is not whole.
        self._close_delimiter = b"--" + boundary + b"--" if boundary is not None else b""
        self._tail = b""

    def read(self, size: int | None = -1, /) -> bytes:
        wanted = self._remaining if size is None or size < 0 else min(size, self._remaining)
        parts = []
        while wanted > 0:
            data = self._pull(self._stream.read, wanted)
            parts.append(data)
            wanted -= len(data)
        return self._received(b"".join(parts))

    def readable(self) -> bool:
        return True

    def readline(self, size: int | None = -1, /) -> bytes:
        wanted = self._remaining if size is None or size < 0 else min(size, self._remaining)
        if wanted == 0:
            return self._received(b"")
        line = self._pull(self._stream.readline, wanted)
        if len(line) < wanted and not line.endswith(b"\n"):
            raise IncompleteBody("The request body ended before its stated length.")
        return self._received(line)

    def close(self) -> None:
        super().close()
        self._stream.close()

    def _pull(self, reader: Callable[[int], bytes], size: int) -> bytes:
        try:
            data = reader(size)
        except OSError as error:
            raise IncompleteBody("The connection broke while the body was read.") from error
        if not data:
            raise IncompleteBody("The request body ended before its stated length.")
        self._remaining -= len(data)
        return data

    def _received(self, data: bytes) -> bytes:
        if self._close_delimiter:
            window = self._tail + data
            if self._close_delimiter in window:
                self._close_delimiter = b""
            else:
                self._tail = window[-len(self._close_delimiter) + 1 :]
        if self._remaining == 0 and self._close_delimiter:
            raise IncompleteBody("The multipart body has no closing boundary.")
        return data


def declared_length(request: HttpRequest) -> int:
    """Content-Length as Django reads it: missing or unreadable counts as no body."""
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def multipart_boundary(request: HttpRequest) -> bytes | None:
    """The boundary of a multipart body; None for other bodies, and for a boundary Django's
    parser refuses by itself (it answers 400 for those)."""
    if request.content_type != "multipart/form-data":
        return None
    boundary = (request.content_params or {}).get("boundary", "")
    if not boundary.isascii() or not boundary:
        return None
    return boundary.encode("ascii")


INCOMPLETE_DETAIL = (
    "The request body did not arrive whole (the connection dropped?): nothing was kept. "
    "Send it again."
)


def incomplete_body_response(request: HttpRequest) -> HttpResponse:
    """The page a person sees when what they sent did not arrive whole; nothing was kept."""
    if is_api_request(request):
        return problem_response(request, status=400, detail=INCOMPLETE_DETAIL)
    # Rendered without the request: the page needs nothing of who sent it, so no context
    # processor can turn this refusal into a server error.
    response = HttpResponseBadRequest(render_to_string("400_incomplete.html"))
    if request.headers.get("HX-Request"):
        # htmx would look for the form in the answer; show the message in its place instead.
        response["HX-Retarget"] = "main"
        response["HX-Reselect"] = "main"
        response["HX-Reswap"] = "outerHTML"
    return response


class WholeBodyMiddleware:
    """Installs WholeBodyStream on every request with a body and parses POSTed forms at once,
    so an incomplete one is refused with a 400 page before any view or middleware uses it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in METHODS_WITHOUT_BODY:
            return self.get_response(request)
        length = declared_length(request)
        boundary = multipart_boundary(request)
        try:
            if boundary is not None and length == 0:
                raise IncompleteBody("A multipart body cannot be empty.")
            # Django reads every body through request._stream (POST, FILES, body, read()).
            request._stream = cast(
                BinaryIO, WholeBodyStream(request._stream, length=length, boundary=boundary)
            )
            if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES:
                request.POST  # noqa: B018 -- parsed here, so an incomplete form is refused here
        except IncompleteBody as error:
            discard_partial_uploads(request)
            logger.info("Refused %s %s: %s", request.method, request.path, error)
            return incomplete_body_response(request)
        return self.get_response(request)


def discard_partial_uploads(request: HttpRequest) -> None:
    """Close (and so delete) the temporary file of an upload cut off half-way."""
    for handler in request.upload_handlers:
        partial = getattr(handler, "file", None)
        if partial is not None:
            partial.close()

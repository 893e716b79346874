"""Errors as RFC 9457 problem details (`application/problem+json`), whatever raised them."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"
API_PREFIX = "/api/"


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def problem_body(*, status: int, detail: str, errors: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return body


def problem_response(request: HttpRequest, *, status: int, detail: str) -> JsonResponse:
    """A problem answer from outside a DRF view (middleware, URL errors)."""
    body = problem_body(status=status, detail=detail)
    body["instance"] = request.path
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)


def _detail_and_errors(data: Any) -> tuple[str, Any]:
    """DRF's error data as a one-line message plus, for field errors, the fields' messages."""
    if isinstance(data, dict) and set(data) == {"detail"}:
        return str(data["detail"]), None
    if isinstance(data, dict):
        first = next(iter(data.values()), "")
        if isinstance(first, list) and first:
            first = first[0]
        return f"Some of what was sent needs correcting: {first}", data
    if isinstance(data, list):
        return " ".join(str(item) for item in data), None
    return str(data), None


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with Django's own exceptions mapped too, answering problem details."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail, errors = _detail_and_errors(response.data)
    body = problem_body(status=response.status_code, detail=detail, errors=errors)
    request = context.get("request")
    if request is not None:
        body["instance"] = request.path
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response

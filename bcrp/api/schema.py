"""What every operation of the OpenAPI document shares: the problem-details errors it may
answer, and the links a view declares (`extend_schema(extensions={"x-links": ...})`)."""

from __future__ import annotations

from typing import Any

from bcrp.api.problems import PROBLEM_CONTENT_TYPE

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An error, as RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {
            "type": "string",
            "description": "`about:blank`: the status code says what kind of problem it is.",
        },
        "title": {"type": "string", "description": "The status code's name."},
        "status": {"type": "integer", "description": "The HTTP status code."},
        "detail": {"type": "string", "description": "What went wrong, for a person to act on."},
        "instance": {"type": "string", "description": "The path that was asked for."},
        "errors": {
            "type": "object",
            "description": "For a 400: each field sent wrong, with what is wrong with it.",
            "additionalProperties": True,
        },
    },
}

ERRORS: dict[str, str] = {
    "401": "No token or session, or the token is unknown, revoked or expired.",
    "403": "This role, or this token's scopes, do not include this.",
    "404": "No such record here (or this person is not in this partnership).",
    "429": "Too many requests for this token: wait as long as Retry-After says.",
}
SLUG_DESCRIPTION = "The partnership's short name, as in its /p/<slug>/ pages."
BAD_REQUEST = "Something sent is wrong; `errors` says what."
UNSUPPORTED = "The body is not in a format this operation takes."


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def problems_and_links(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter["in"] == "query" and schema.get("type") == "string":
                    # An empty value is refused (partnerships.api.base): say so.
                    schema.setdefault("minLength", 1)
                if parameter["in"] == "path" and parameter["name"] == "slug":
                    parameter["description"] = SLUG_DESCRIPTION
                    parameter["schema"] = {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"}
            responses = operation["responses"]
            for status, description in ERRORS.items():
                responses.setdefault(status, _problem(description))
            if operation.get("parameters") or "requestBody" in operation:
                responses.setdefault("400", _problem(BAD_REQUEST))
            if "requestBody" in operation:
                responses.setdefault("415", _problem(UNSUPPORTED))
            for status, links in operation.pop("x-links", {}).items():
                responses[status]["links"] = links
    return result

"""Who an API request acts as: a personal token (bound to one membership, with scopes), or the
browser session of someone signed in to the site."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from bcrp.models import User
from bcrp.two_factor import two_factor_required
from partnerships.models import API_TOKEN_PREFIX, ApiToken
from partnerships.selectors import api_token_by_secret
from partnerships.services import api_token_used

UNUSABLE = "This token is unknown, revoked or expired, or its membership has ended."


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer bcrp_...`; `request.auth` is then the ApiToken."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send one token: Authorization: Bearer <token>.")
        try:
            secret = header[1].decode("ascii")
        except UnicodeError as error:
            raise exceptions.AuthenticationFailed(UNUSABLE) from error
        if not secret.startswith(API_TOKEN_PREFIX) or len(secret) > 100:
            raise exceptions.AuthenticationFailed(UNUSABLE)
        token = api_token_by_secret(secret=secret)
        if token is None or not token.is_usable or not token.membership.user.is_active:
            raise exceptions.AuthenticationFailed(UNUSABLE)
        api_token_used(token=token)
        return token.membership.user, token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """The site's own pages calling the API: signed in, with the second factor if the person's
    roles need one, and CSRF-checked on writes."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        found = super().authenticate(request)
        if found is None:
            return None
        user = found[0]
        if two_factor_required(user) and not user.is_verified():
            return None
        return found


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "partnerships.api.authentication.ApiTokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token, made on the API tokens page and shown once.",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "partnerships.api.authentication.SessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}

"""Two-factor sign-in (django-otp, TOTP) for the roles that see intelligence across schemes.

Who must use it is TWO_FACTOR_ROLES: partnership roles ("admin", "police", "member") and
"operator" for platform operators. Such a person, signed in with a password only, is sent to
/two-factor/ from every page: to set up an authenticator app the first time (a QR code, then one
code to confirm it), and to type the current code after each sign-in. A lost phone: the platform
operator deletes the person's device in the Django admin, and they set up a new one.
"""

from __future__ import annotations

import io
from base64 import b32encode, b64encode
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import qrcode
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode.image.svg import SvgPathImage

from bcrp.actors import Actor
from bcrp.audit import audit_record
from bcrp.models import User
from bcrp.roles import user_roles

# Pages a person part-way through signing in may still open.
# The API answers for itself: a token needs no second factor (it was made behind one), and a
# session without it is refused there with a 401 rather than sent to a page.
EXEMPT_PREFIXES = (
    "/two-factor/",
    "/logout/",
    "/login/",
    "/password-reset/",
    "/static/",
    "/api/",
)
# The app's manifest, service worker and offline page name nobody; a redirect would break them.
EXEMPT_PATHS = ("/healthz", "/manifest.webmanifest", "/sw.js", "/offline/")


def two_factor_required(user: User) -> bool:
    roles = set(settings.TWO_FACTOR_ROLES)
    if not roles:
        return False
    if user.is_staff and "operator" in roles:
        return True
    return bool(user_roles(user) & roles)


class TwoFactorRequiredMiddleware:
    """After django-otp's middleware: a person who needs a second factor and has not given one
    this session goes to /two-factor/ first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = request.user
        if (
            settings.TWO_FACTOR_ROLES
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(EXEMPT_PREFIXES)
            and request.path not in EXEMPT_PATHS
            and two_factor_required(user)
        ):
            url = f"{reverse('two-factor')}?{urlencode({'next': request.get_full_path()})}"
            if request.headers.get("HX-Request"):
                # An htmx request would swap the code page into a fragment: send the page there.
                response = HttpResponse(status=204)
                response["HX-Redirect"] = url
                return response
            return redirect(url)
        return self.get_response(request)


def device_of(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def device_setup(user: User) -> TOTPDevice:
    """The unconfirmed device being set up (one at a time), made on first visit."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def qr_data_url(device: TOTPDevice) -> str:
    """The QR code as an SVG image in a data: URL (qrcode's SVG uses namespaced elements,
    which HTML parsing would not draw if inlined)."""
    out = io.BytesIO()
    # One path rather than a rectangle per module: no hairline seams between them.
    qrcode.make(device.config_url, image_factory=SvgPathImage).save(out)
    return "data:image/svg+xml;base64," + b64encode(out.getvalue()).decode()


def secret_text(device: TOTPDevice) -> str:
    """The key for typing into an app by hand, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def code_check(request: HttpRequest, device: TOTPDevice, code: str) -> str | None:
    """Verify a code and mark the session verified; None when accepted, else what to say."""
    allowed, _detail = device.verify_is_allowed()
    if not allowed:
        return "Too many wrong codes in a row: wait a minute, then type the code showing now."
    digits = "".join(ch for ch in code if ch.isdigit())
    if len(digits) != 6 or not device.verify_token(digits):
        return "That code did not match. Codes change every 30 seconds: type the one showing now."
    first = not device.confirmed
    if first:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    otp_login(request, device)
    user: Any = request.user
    audit_record(
        action="auth.two_factor_setup" if first else "auth.two_factor",
        actor=Actor.from_request(request),
        target=user,
    )
    return None


def next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("dashboard")

"""Personal API tokens, made and revoked on the API tokens page and used on the real API: shown
once and stored only hashed, unusable once revoked, expired or the membership ended, never beyond
their membership or scopes, audited, and throttled one token at a time."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.utils import timezone
from django.utils.html import escape

from bcrp.actors import Actor
from bcrp.api.throttling import ApiRateThrottle
from bcrp.models import AuditEvent, User
from partnerships import services
from partnerships.models import ApiScope, ApiToken, Partnership, Role
from tests.factories import api_token_for, membership_of
from tests.fixtures import api_client_for, client_for

PAGE = "/account/tokens/"
PROFILES = "/api/v1/p/alpha/profiles/"
SECRET = re.compile(r"bcrp_[A-Za-z0-9_-]{43}")


def token_of(secret: str) -> ApiToken:
    return ApiToken.objects.get(secret_hash=hashlib.sha256(secret.encode()).hexdigest())


def revoke_url(token: ApiToken) -> str:
    return f"{PAGE}{token.pk}/revoke/"


def assert_refused_as_unusable(response: Any) -> None:
    assert response.status_code == 401, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


def created_on_the_page(client: Client, **fields: Any) -> tuple[Any, str]:
    response = client.post(PAGE, fields)
    assert response.status_code == 201, response.content.decode()
    found = SECRET.findall(response.content.decode())
    assert len(set(found)) == 1, found
    return response, found[0]


@pytest.fixture
def throttle_counts_cleared() -> Iterator[None]:
    """No request counts left from an earlier test: only the throttle's keys, since the same
    Redis holds the task queues."""
    cache: Any = ApiRateThrottle.cache
    pattern = cache.make_key("throttle_api_*")
    redis = cache._cache.get_client(pattern)

    def clear() -> None:
        for key in redis.scan_iter(match=pattern):
            redis.delete(key)

    clear()
    yield
    clear()


def test_the_secret_is_shown_once_and_stored_only_as_its_hash(
    partnership_a: Partnership, admin_a: User
) -> None:
    client = client_for(admin_a)
    response, secret = created_on_the_page(
        client,
        name="Force intelligence system",
        membership=membership_of(admin_a, partnership_a).pk,
        scopes=[ApiScope.PROFILES_READ, ApiScope.INCIDENTS_READ],
        expires_in_days="90",
    )
    assert "no-store" in response["Cache-Control"]
    assert response.content.decode().count(secret) == 1

    token = ApiToken.objects.get()
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.scopes == [ApiScope.INCIDENTS_READ, ApiScope.PROFILES_READ]
    assert secret.startswith(token.prefix) and len(token.prefix) < 16
    # Any stretch of the secret beyond the prefix shown on the page would give it away.
    body = secret.removeprefix(token.prefix)
    pieces = (body[:10], body[-10:])
    stored = [*ApiToken.objects.values(), *AuditEvent.objects.values()]
    stored += [session.get_decoded() for session in Session.objects.all()]
    for row in stored:
        assert not any(piece in str(row) for piece in pieces), row

    listed = client.get(PAGE)
    assert listed.status_code == 200
    assert "no-store" in listed["Cache-Control"]
    page = listed.content.decode()
    assert not any(piece in page for piece in pieces)
    assert "Force intelligence system" in page and f"{token.prefix}…" in page

    assert api_client_for(secret).get(PROFILES).status_code == 200


def test_a_token_revoked_on_the_page_is_refused(partnership_a: Partnership, admin_a: User) -> None:
    secret = api_token_for(admin_a, partnership_a)
    api = api_client_for(secret)
    assert api.get(PROFILES).status_code == 200

    response = client_for(admin_a).post(revoke_url(token_of(secret)))
    assert response.status_code == 302
    assert response["Location"] == PAGE

    assert_refused_as_unusable(api.get(PROFILES))
    assert token_of(secret).revoked_at is not None


def test_an_expired_token_is_refused(partnership_a: Partnership, admin_a: User) -> None:
    secret = api_token_for(admin_a, partnership_a)
    api = api_client_for(secret)
    assert api.get(PROFILES).status_code == 200

    ApiToken.objects.filter(pk=token_of(secret).pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert_refused_as_unusable(api.get(PROFILES))


def test_a_token_stops_when_its_membership_ends(
    partnership_a: Partnership, admin_a: User, police_a: User
) -> None:
    secret = api_token_for(police_a, partnership_a)
    api = api_client_for(secret)
    assert api.get(PROFILES).status_code == 200

    services.membership_end(
        membership=membership_of(police_a, partnership_a), actor=Actor(user=admin_a)
    )
    assert_refused_as_unusable(api.get(PROFILES))


def test_a_token_reaches_only_its_own_partnership_even_where_its_owner_belongs_too(
    partnership_a: Partnership, partnership_b: Partnership, admin_a: User, admin_b: User
) -> None:
    services.membership_add(
        partnership=partnership_b, user=admin_a, role=Role.ADMIN, actor=Actor(user=admin_b)
    )
    of_alpha = api_client_for(api_token_for(admin_a, partnership_a))
    of_bravo = api_client_for(api_token_for(admin_a, partnership_b))

    assert of_alpha.get(PROFILES).status_code == 200
    refused = of_alpha.get("/api/v1/p/bravo/profiles/")
    assert refused.status_code == 404
    assert refused["Content-Type"] == "application/problem+json"
    # The person may open bravo's pages; only the token is bound elsewhere.
    assert client_for(admin_a).get("/api/v1/p/bravo/profiles/").status_code == 200
    assert of_bravo.get("/api/v1/p/bravo/profiles/").status_code == 200
    assert of_bravo.get(PROFILES).status_code == 404


def test_a_token_does_only_what_its_scopes_name(partnership_a: Partnership, admin_a: User) -> None:
    narrow = api_client_for(api_token_for(admin_a, partnership_a, scopes=["incidents:read"]))
    refused = narrow.get(PROFILES)
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    assert "profiles:read" in refused.json()["detail"]

    wide = api_client_for(api_token_for(admin_a, partnership_a, scopes=["profiles:read"]))
    assert wide.get(PROFILES).status_code == 200


def test_use_is_noted_and_creation_and_revocation_are_audited_in_the_tokens_partnership(
    partnership_a: Partnership, partnership_b: Partnership, admin_a: User, admin_b: User
) -> None:
    services.membership_add(
        partnership=partnership_b, user=admin_a, role=Role.POLICE, actor=Actor(user=admin_b)
    )
    client = client_for(admin_a)
    _response, secret = created_on_the_page(
        client,
        name="Bravo reader",
        membership=membership_of(admin_a, partnership_b).pk,
        scopes=[ApiScope.PROFILES_READ],
        expires_in_days="30",
    )
    token = token_of(secret)
    created = AuditEvent.objects.get(action="api_token.create")
    assert (created.actor_id, created.partnership_id) == (admin_a.pk, partnership_b.pk)
    assert (created.object_type, created.object_id) == ("partnerships.apitoken", str(token.pk))
    assert created.detail["scopes"] == [ApiScope.PROFILES_READ]

    assert token.last_used_at is None
    before = timezone.now()
    assert api_client_for(secret).get("/api/v1/p/bravo/profiles/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None and before <= token.last_used_at <= timezone.now()
    assert token.last_used_at.strftime("%-d %b %Y %H:%M") in client.get(PAGE).content.decode()

    assert client.post(revoke_url(token)).status_code == 302
    assert client.post(revoke_url(token)).status_code == 302  # twice: recorded once
    revoked = AuditEvent.objects.get(action="api_token.revoke")
    assert (revoked.actor_id, revoked.partnership_id) == (admin_a.pk, partnership_b.pk)
    assert revoked.object_id == str(token.pk)


@pytest.mark.usefixtures("throttle_counts_cleared")
def test_requests_are_counted_per_token(partnership_a: Partnership, admin_a: User) -> None:
    # Apart from any other test run on the same Redis, whose token ids are the same (fixtures.py).
    assert ApiRateThrottle.cache.key_prefix.startswith("api-test-")
    first = api_client_for(api_token_for(admin_a, partnership_a))
    second = api_client_for(api_token_for(admin_a, partnership_a))
    with override_settings(API_RATE="3/minute"):
        for _ in range(3):
            assert first.get(PROFILES).status_code == 200
        refused = first.get(PROFILES)
        assert refused.status_code == 429
        assert refused["Content-Type"] == "application/problem+json"
        assert 0 < int(refused["Retry-After"]) <= 60
        # The same person's other token has its own count.
        assert second.get(PROFILES).status_code == 200
    assert first.get(PROFILES).status_code == 200  # the usual rate again


def test_the_page_needs_sign_in(partnership_a: Partnership, admin_a: User) -> None:
    token = token_of(api_token_for(admin_a, partnership_a))
    for response in (Client().get(PAGE), Client().post(revoke_url(token))):
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=/account/tokens/")
    token.refresh_from_db()
    assert token.revoked_at is None


def test_nobody_sees_or_revokes_another_persons_token(
    partnership_a: Partnership, admin_a: User, police_a: User, admin_b: User, outsider: User
) -> None:
    secret = api_token_for(admin_a, partnership_a)
    token = token_of(secret)
    ApiToken.objects.filter(pk=token.pk).update(name="Alpha's own system")
    for stranger in (outsider, admin_b, police_a):
        client = client_for(stranger)
        assert "Alpha's own system" not in client.get(PAGE).content.decode()
        assert client.post(revoke_url(token)).status_code == 404
        assert client.post(f"{PAGE}99999999999999999999/revoke/").status_code == 404
    assert token_of(secret).revoked_at is None
    assert not AuditEvent.objects.filter(action="api_token.revoke").exists()
    assert api_client_for(secret).get(PROFILES).status_code == 200


def test_the_page_lists_each_tokens_state_and_offers_revoke_only_on_those_in_use(
    partnership_a: Partnership, partnership_b: Partnership, admin_a: User, admin_b: User
) -> None:
    services.membership_add(
        partnership=partnership_b, user=admin_a, role=Role.POLICE, actor=Actor(user=admin_b)
    )
    names = ("In use one", "Revoked one", "Expired one", "Ended one")
    tokens = {}
    for name, partnership in zip(names, (partnership_a,) * 3 + (partnership_b,), strict=True):
        tokens[name] = token_of(api_token_for(admin_a, partnership))
        ApiToken.objects.filter(pk=tokens[name].pk).update(name=name)
    ApiToken.objects.filter(pk=tokens["Revoked one"].pk).update(revoked_at=timezone.now())
    ApiToken.objects.filter(pk=tokens["Expired one"].pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    services.membership_end(
        membership=membership_of(admin_a, partnership_b), actor=Actor(user=admin_b)
    )

    page = client_for(admin_a).get(PAGE).content.decode()
    cards = {
        name: card
        for card in page.split('data-testid="api-token"')[1:]
        for name in names
        if f"<strong>{name}</strong>" in card
    }
    assert set(cards) == set(names)
    for name, state in zip(
        names, ("In use", "Revoked", "Expired", "Membership ended"), strict=True
    ):
        assert f">{state}</span>" in cards[name], name
        assert (revoke_url(tokens[name]) in cards[name]) == (name == "In use one"), name
    assert "Alpha BCRP (Administrator)" in cards["In use one"]
    assert "Bravo BCRP (Police liaison" in cards["Ended one"]
    assert '<code class="tag">profiles:read</code>' in cards["In use one"]
    # The form offers the memberships the person still holds, and no other.
    form = page.split('id="new-token-heading"')[1]
    assert "Alpha BCRP (Administrator)" in form and "Bravo BCRP" not in form


def valid_fields(member: User, partnership: Partnership) -> dict[str, Any]:
    return {
        "name": "Till system",
        "membership": str(membership_of(member, partnership).pk),
        "scopes": [ApiScope.INCIDENTS_WRITE],
        "expires_in_days": "30",
    }


# What is sent wrong, and the form field its error is shown on ("__all__": above the form).
BAD_INPUT: dict[str, tuple[dict[str, Any], str]] = {
    "an unknown membership": ({"membership": "987654"}, "membership"),
    "a membership id too big for the database": (
        {"membership": "99999999999999999999999"},
        "membership",
    ),
    "a membership id that is not a number": ({"membership": "alpha"}, "membership"),
    "someone else's membership": ({"membership": "<admin_a>"}, "membership"),
    "a membership the person has left": ({"membership": "<ended>"}, "membership"),
    "a scope the role may not give": (
        {"scopes": [ApiScope.INCIDENTS_WRITE, ApiScope.SHARING_READ]},
        "__all__",
    ),
    "a scope that does not exist": ({"scopes": ["everything"]}, "scopes"),
    "no scope at all": ({"scopes": []}, "scopes"),
    "an expiry not offered": ({"expires_in_days": "7"}, "expires_in_days"),
    "an expiry beyond the longest": ({"expires_in_days": "3650"}, "expires_in_days"),
    "an expiry that is not a number": ({"expires_in_days": "soon"}, "expires_in_days"),
    "a NUL byte in the name": ({"name": "Till\x00system"}, "name"),
    "a NUL byte in the membership": ({"membership": "1\x00"}, "membership"),
    "a 500-character name": ({"name": "x" * 500}, "name"),
    "no name": ({"name": ""}, "name"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_is_refused_with_the_form_and_creates_nothing(
    case: str,
    partnership_a: Partnership,
    partnership_b: Partnership,
    member_a: User,
    admin_a: User,
    admin_b: User,
) -> None:
    left = services.membership_add(
        partnership=partnership_b, user=member_a, role=Role.POLICE, actor=Actor(user=admin_b)
    )
    services.membership_end(membership=left, actor=Actor(user=admin_b))
    stand_ins = {
        "<admin_a>": str(membership_of(admin_a, partnership_a).pk),
        "<ended>": str(left.pk),
    }
    changes, field = BAD_INPUT[case]
    fields = {**valid_fields(member_a, partnership_a), **changes}
    fields = {k: stand_ins.get(v, v) if isinstance(v, str) else v for k, v in fields.items()}
    client = client_for(member_a)
    events = AuditEvent.objects.count()

    response = client.post(PAGE, fields)

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field], errors
    page = response.content.decode()
    assert 'name="name"' in page
    for message in errors[field]:
        assert escape(message) in page
    assert not ApiToken.objects.exists()
    assert AuditEvent.objects.count() == events

    # The same form, put right, is accepted: each refusal above is for the reason named.
    assert client.post(PAGE, valid_fields(member_a, partnership_a)).status_code == 201
    assert ApiToken.objects.count() == 1


def test_the_role_check_names_the_scope_refused(partnership_a: Partnership, member_a: User) -> None:
    fields = {**valid_fields(member_a, partnership_a), "scopes": [ApiScope.SHARING_READ]}
    response = client_for(member_a).post(PAGE, fields)
    assert response.status_code == 400
    assert "cannot give a token: sharing:read" in response.content.decode()

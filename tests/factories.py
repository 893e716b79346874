"""factory_boy factories; people are made through the services so groups stay right."""

from __future__ import annotations

import io
from typing import Any

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image, ImageDraw

from bcrp.actors import Actor
from bcrp.models import User
from incidents.models import Incident
from offenders import services as offender_services
from offenders.models import Gallery, OffenderImage, OffenderProfile
from partnerships import services
from partnerships.locks import partnerships_lock
from partnerships.models import Business, Membership, Partnership, Premises, Role
from sharing.candidates import match_keys_refresh
from sharing.permissions import profiles_sync

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            obj.save()


def partnership_make(slug: str, name: str | None = None) -> Partnership:
    return services.partnership_create(name=name or slug.title(), slug=slug)


class BusinessFactory(factory.django.DjangoModelFactory[Business]):
    class Meta:
        model = Business

    name = factory.Sequence(lambda n: f"Shop {n}")


class PremisesFactory(factory.django.DjangoModelFactory[Premises]):
    class Meta:
        model = Premises

    name = factory.Sequence(lambda n: f"Branch {n}")
    postcode = "W1 2AB"


def person_in(partnership: Partnership, role: str, **user_fields: Any) -> User:
    user = UserFactory(**user_fields)
    business = None
    if role == Role.MEMBER:
        business = BusinessFactory(partnership=partnership)
    services.membership_add(
        partnership=partnership, user=user, role=role, business=business, actor=None
    )
    return user


def membership_of(user: User, partnership: Partnership) -> Membership:
    return Membership.objects.get(user=user, partnership=partnership, ended_at=None)


def member_at_premises(partnership: Partnership, email: str, premises_name: str) -> Membership:
    """A member working at premises of their own business, as the report form fills it in."""
    membership = membership_of(person_in(partnership, Role.MEMBER, email=email), partnership)
    membership.premises = PremisesFactory(business=membership.business, name=premises_name)
    membership.save(update_fields=["premises"])
    return membership


class ProfileFactory(factory.django.DjangoModelFactory[OffenderProfile]):
    """A profile saved directly; use offenders.services when the test is about creation."""

    class Meta:
        model = OffenderProfile
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"T-{n:05d}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    gender = "male"
    build = "medium"
    age_min = 25
    age_max = 35

    @factory.post_generation
    def search_name(obj: OffenderProfile, create: bool, extracted: Any, **kwargs: Any) -> None:
        obj.refresh_search_name()
        if create:
            with transaction.atomic():
                partnerships_lock([obj.partnership_id])
                obj.save(update_fields=["search_name"])
                profiles_sync([obj.pk])
                match_keys_refresh([obj.pk])


class GalleryFactory(factory.django.DjangoModelFactory[Gallery]):
    class Meta:
        model = Gallery

    name = factory.Sequence(lambda n: f"Gallery {n}")
    members_may_see = True
    default_expiry_months = 6


def jpeg_bytes(seed: int = 1, size: tuple[int, int] = (64, 48)) -> bytes:
    image = Image.new("RGB", size, ((seed * 40) % 256, (seed * 90) % 256, (seed * 150) % 256))
    ImageDraw.Draw(image).ellipse((8, 8, size[0] - 8, size[1] - 8), fill=(seed % 256, 20, 200))
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


def image_on(profile: OffenderProfile, admin: User, seed: int = 1) -> OffenderImage:
    """A stored photo with its thumbnail made (as the worker would)."""
    image = offender_services.image_add(
        profile=profile,
        upload=SimpleUploadedFile(f"photo{seed}.jpg", jpeg_bytes(seed), "image/jpeg"),
        actor=Actor(user=admin),
    )
    offender_services.image_process_now(image.pk)
    image.refresh_from_db()
    return image


def incident_reported(membership: Membership, *, photos: int = 0, **fields: Any) -> Incident:
    """An incident submitted through the service, as a member would, thumbnails made."""
    from django.utils import timezone

    from incidents.models import IncidentPhoto
    from incidents.services import incident_submit
    from photos.services import thumbnail_process

    values = {
        "occurred_at": timezone.now(),
        "category": "theft",
        "description": "Took two bottles of spirits and left.",
        "value_lost": 40,
        "value_recovered": 0,
        **fields,
    }
    incident = incident_submit(
        membership=membership,
        fields=values,
        premises=fields.get("premises"),
        photos=[
            SimpleUploadedFile(f"still{n}.jpg", jpeg_bytes(100 + n), "image/jpeg")
            for n in range(photos)
        ],
        actor=Actor(user=membership.user, partnership=membership.partnership),
    )
    for photo in IncidentPhoto.objects.filter(incident=incident):
        thumbnail_process(IncidentPhoto, photo.pk)
    return incident


def api_token_for(
    user: User,
    partnership: Partnership,
    *,
    scopes: list[str] | None = None,
    days: int = 30,
) -> str:
    """A new API token of `user`'s membership in `partnership` (every scope the role may have,
    unless named); returns the secret, as the tokens page shows it once."""
    from datetime import timedelta

    from django.utils import timezone

    from bcrp.actors import Actor
    from partnerships.models import SCOPES_OF_ROLE, Membership
    from partnerships.services import api_token_create

    membership = Membership.objects.get(user=user, partnership=partnership, ended_at=None)
    _token, secret = api_token_create(
        membership=membership,
        name="Test system",
        scopes=sorted(SCOPES_OF_ROLE[membership.role]) if scopes is None else scopes,
        expires_at=timezone.now() + timedelta(days=days),
        actor=Actor(user=user),
    )
    return secret

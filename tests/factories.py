"""factory_boy factories; people are made through the services so groups stay right."""

from __future__ import annotations

from typing import Any

import factory

from bcrp.models import User
from partnerships import services
from partnerships.models import Business, Membership, Partnership, Premises, Role

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

"""`manage.py seed_network`: a synthetic network that obeys the sharing rule, with progress."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from PIL import Image

from bcrp.crypto import private_storage, read_encrypted
from offenders.models import OffenderImage, OffenderProfile
from partnerships.models import Membership, Partnership
from sharing.models import SharingConsent
from sharing.permissions import drift_check
from sharing.selectors import profiles_for_dataview

pytestmark = pytest.mark.django_db


def seed(**options: object) -> str:
    out = io.StringIO()
    call_command("seed_network", stdout=out, **options)
    return out.getvalue()


def test_seed_network_builds_a_shared_network_with_a_progress_bar() -> None:
    output = seed(partnerships=4, profiles_per=6, density=1.0, seed=3, prefix="t")
    # 4 partnerships + 24 profiles + consents + permissions + match keys, counted to the end.
    assert "31/31" in output and "Seeded 4 partnerships" in output
    partnerships = list(Partnership.objects.filter(slug__startswith="t-").order_by("slug"))
    assert [p.slug for p in partnerships] == ["t-000", "t-001", "t-002", "t-003"]
    assert OffenderProfile.objects.count() == 24
    # Density 1: every pair mutual, both directions.
    assert SharingConsent.objects.filter(ended_at=None).count() == 12
    assert drift_check().clean
    # Drawn portraits, stored encrypted, decrypt to real JPEGs.
    image = OffenderImage.objects.first()
    assert image is not None
    with private_storage().open(image.original) as on_disk:
        assert not on_disk.read().startswith(b"\xff\xd8")
    with Image.open(io.BytesIO(read_encrypted(image.original))) as portrait:
        assert portrait.format == "JPEG"
    own = partnerships[0]
    admin = Membership.objects.get(partnership=own, role="admin", ended_at=None)
    seen = set(profiles_for_dataview(membership=admin).values_list("partnership__slug", flat=True))
    assert seen == {p.slug for p in partnerships}


def people(prefix: str) -> list[tuple[str, str, str]]:
    return list(
        OffenderProfile.objects.filter(partnership__slug__startswith=prefix)
        .order_by("partnership__slug", "reference")
        .values_list("first_name", "last_name", "gender")
    )


def test_seed_network_is_repeatable_and_density_zero_shares_nothing() -> None:
    seed(partnerships=3, profiles_per=4, density=0.0, seed=9, prefix="a")
    assert not SharingConsent.objects.exists()
    admin = Membership.objects.get(partnership__slug="a-001", role="admin", ended_at=None)
    assert set(
        profiles_for_dataview(membership=admin).values_list("partnership__slug", flat=True)
    ) == {"a-001"}
    seed(partnerships=3, profiles_per=4, density=0.0, seed=9, prefix="b")
    seed(partnerships=3, profiles_per=4, density=0.0, seed=10, prefix="c")
    assert len(people("a-")) == 12
    assert people("a-") == people("b-") != people("c-")

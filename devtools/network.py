"""A realistic synthetic network of partnerships for demos and benchmarks.

Names, ages and descriptions are drawn from plain distributions; portraits are drawn with
Pillow (no real faces). Everything is written in bulk, then the sharing rule is materialised
once with the same set-based SQL the application uses.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from bcrp.crypto import write_encrypted
from bcrp.models import User
from devtools.demo.offenders import portrait_jpeg
from offenders.models import (
    Build,
    EthnicityCode,
    Gallery,
    GalleryPlacement,
    OffenceType,
    OffenderImage,
    OffenderProfile,
    WarningMarker,
)
from partnerships import services as partnership_services
from partnerships.models import Partnership, Role
from photos.images import thumbnail_make
from sharing.models import SharingConsent
from sharing.permissions import drift_repair

FIRST_MALE = [
    "James",
    "Jack",
    "Harry",
    "Oliver",
    "Charlie",
    "Thomas",
    "George",
    "Jacob",
    "Alfie",
    "Joshua",
    "William",
    "Daniel",
    "Liam",
    "Ryan",
    "Connor",
    "Kyle",
    "Jordan",
    "Lewis",
    "Callum",
    "Jamie",
    "Dean",
    "Craig",
    "Lee",
    "Wayne",
    "Darren",
    "Mohammed",
    "Adam",
    "Bilal",
    "Kwame",
    "Tyrone",
    "Marcus",
    "Pawel",
    "Tomasz",
    "Andrei",
    "Luca",
    "Sean",
    "Aaron",
    "Reece",
    "Brandon",
    "Nathan",
]
FIRST_FEMALE = [
    "Olivia",
    "Amelia",
    "Emily",
    "Jessica",
    "Sophie",
    "Chloe",
    "Lauren",
    "Megan",
    "Charlotte",
    "Hannah",
    "Kelly",
    "Leanne",
    "Stacey",
    "Gemma",
    "Kayleigh",
    "Jade",
    "Aisha",
    "Fatima",
    "Zara",
    "Chantelle",
    "Natalia",
    "Agnieszka",
    "Maria",
    "Siobhan",
    "Shannon",
]
SURNAMES = [
    "Smith",
    "Jones",
    "Williams",
    "Taylor",
    "Brown",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Johnson",
    "Roberts",
    "Robinson",
    "Thompson",
    "Wright",
    "Walker",
    "White",
    "Edwards",
    "Hughes",
    "Green",
    "Hall",
    "Lewis",
    "Harris",
    "Clarke",
    "Patel",
    "Jackson",
    "Wood",
    "Turner",
    "Martin",
    "Cooper",
    "Hill",
    "Ward",
    "Morris",
    "Moore",
    "Clark",
    "Lee",
    "King",
    "Baker",
    "Harrison",
    "Morgan",
    "Allen",
    "James",
    "Scott",
    "Phillips",
    "Watson",
    "Davis",
    "Parker",
    "Price",
    "Bennett",
    "Young",
    "Griffiths",
    "Mitchell",
    "Kelly",
    "Cook",
    "Carter",
    "Richardson",
    "Bailey",
    "Collins",
    "Bell",
    "Shaw",
    "Murphy",
    "Miller",
    "Cox",
    "Richards",
    "Khan",
    "Marshall",
    "Anderson",
    "Simpson",
    "Ellis",
    "Adams",
    "Singh",
    "Begum",
    "Wilkinson",
    "Foster",
    "Chapman",
    "Powell",
    "Webb",
    "Rogers",
    "Gray",
    "Mason",
    "Ali",
    "Hunt",
    "Hussain",
    "Campbell",
    "Matthews",
    "Owen",
    "Palmer",
    "Holmes",
    "Mills",
    "Barnes",
    "Knight",
    "Lloyd",
    "Butler",
    "Russell",
    "Kowalski",
    "Nowak",
    "O'Brien",
    "Murray",
    "Doyle",
    "McCarthy",
    "Byrne",
    "Popescu",
    "Zielinski",
]
NICKNAMES = [
    "Dazza",
    "Tommo",
    "Big",
    "Man",
    "Smudge",
    "Jonno",
    "Spider",
    "Chalky",
    "Tiny",
    "Red",
    "Mouse",
    "Scouse",
]
HAIR = ["short dark", "shaved", "long fair", "grey", "ginger", "bald", "dreadlocks", "braids"]
GALLERIES = (("Excluded offenders", 12, True), ("ID sought", 3, True), ("Pubwatch", 12, True))


@dataclass
class NetworkSpec:
    partnerships: int
    profiles_per: int
    density: float
    seed: int
    prefix: str = "net"
    portraits_per: int = 3
    profiles_override: dict[int, int] = field(default_factory=dict)
    # Pairs that must be mutual, and partnerships left out of the random ones.
    extra_pairs: list[tuple[int, int]] = field(default_factory=list)
    exclude_from_random: set[int] = field(default_factory=set)

    @property
    def progress_steps(self) -> int:
        """What network_seed reports: each partnership, each profile, consents, permissions."""
        profiles = sum(
            self.profiles_override.get(index, self.profiles_per)
            for index in range(self.partnerships)
        )
        return self.partnerships + profiles + 2


@dataclass
class Network:
    partnerships: list[Partnership]
    admins: list[User]
    police: list[User]


def _profile(
    rng: random.Random, partnership: Partnership, number: int, today: date
) -> OffenderProfile:
    gender = rng.choices(["male", "female", "unknown"], weights=[78, 20, 2])[0]
    first = rng.choice(FIRST_FEMALE if gender == "female" else FIRST_MALE)
    status = rng.choices(["known", "id_sought", "archived"], weights=[80, 12, 8])[0]
    profile = OffenderProfile(
        partnership=partnership,
        reference=f"{partnership.reference_prefix}-{number:05d}",
        first_name="" if status == "id_sought" and rng.random() < 0.7 else first,
        last_name="" if status == "id_sought" and rng.random() < 0.7 else rng.choice(SURNAMES),
        aliases=[rng.choice(NICKNAMES)] if rng.random() < 0.2 else [],
        gender=gender,
        perceived_ethnicity=rng.choice(EthnicityCode.values) if rng.random() < 0.5 else "",
        build=rng.choice(Build.values),
        height_cm=int(rng.gauss(176 if gender == "male" else 164, 7)),
        hair=rng.choice(HAIR),
        offence_types=rng.sample(OffenceType.values, k=rng.choice([1, 1, 2, 3])),
        warning_markers=rng.sample(WarningMarker.values, k=rng.choice([0, 0, 0, 1, 2])),
        status=status,
        local_only=rng.random() < 0.05,
        created_at=timezone.now() - timedelta(days=rng.randint(0, 3 * 365), minutes=number),
    )
    roll = rng.random()
    if roll < 0.03:  # a juvenile: never shared, never shown to members
        profile.date_of_birth = today - relativedelta(
            years=rng.randint(12, 17), days=rng.randint(0, 300)
        )
    elif roll < 0.25:
        profile.date_of_birth = today - relativedelta(
            years=rng.randint(18, 60), days=rng.randint(0, 364)
        )
    else:
        low = rng.randint(18, 50)
        profile.age_min, profile.age_max = low, low + rng.choice([5, 10])
    if profile.status == "archived":
        profile.archived_at = profile.created_at + timedelta(days=30)
    profile.refresh_search_name()
    return profile


def _person(email: str, name: str, password: str) -> User:
    user, _ = User.objects.get_or_create(
        email=email, defaults={"full_name": name, "password": password}
    )
    return user


def _batched(items: list[OffenderProfile], size: int) -> Iterable[list[OffenderProfile]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def network_seed(spec: NetworkSpec, progress: Callable[[str, int], None] | None = None) -> Network:
    """Create the network; `progress(stage, n)` is told how many units of work were done."""
    rng = random.Random(spec.seed)  # noqa: S311 - synthetic data, not secrets
    today = timezone.localdate()
    tick = progress or (lambda stage, n: None)
    unusable = make_password(None)
    network = Network([], [], [])
    with transaction.atomic():
        for i in range(spec.partnerships):
            slug = f"{spec.prefix}-{i:03d}"
            partnership = partnership_services.partnership_create(
                name=f"{spec.prefix.title()} Partnership {i:03d}",
                slug=slug,
                reference_prefix=f"N{i:03d}"[:5],
            )
            admin = _person(f"admin.{slug}@example.org", f"Admin {slug}", unusable)
            police = _person(f"police.{slug}@example.org", f"PC {slug}", unusable)
            for user, role in ((admin, Role.ADMIN), (police, Role.POLICE)):
                partnership_services.membership_add(
                    partnership=partnership, user=user, role=role, actor=None
                )
            network.partnerships.append(partnership)
            network.admins.append(admin)
            network.police.append(police)
            tick("partnerships", 1)

        for i, partnership in enumerate(network.partnerships):
            count = spec.profiles_override.get(i, spec.profiles_per)
            galleries = Gallery.objects.bulk_create(
                [
                    Gallery(
                        partnership=partnership, name=n, default_expiry_months=m, members_may_see=v
                    )
                    for n, m, v in GALLERIES
                ]
            )
            profiles = [_profile(rng, partnership, n + 1, today) for n in range(count)]
            for batch in _batched(profiles, 2000):
                OffenderProfile.objects.bulk_create(batch)
            Partnership.objects.filter(pk=partnership.pk).update(last_profile_number=count)
            portraits = []
            for _ in range(spec.portraits_per):
                jpeg = portrait_jpeg(rng)
                token = secrets.token_urlsafe(16)
                portraits.append(
                    (
                        write_encrypted(f"offender-images/{partnership.pk}/seed-{token}.bin", jpeg),
                        write_encrypted(
                            f"offender-images/{partnership.pk}/seed-{token}.thumb.bin",
                            thumbnail_make(jpeg),
                        ),
                    )
                )
            now = timezone.now()
            OffenderImage.objects.bulk_create(
                [
                    OffenderImage(
                        profile=profile,
                        token=secrets.token_urlsafe(32),
                        original=portraits[n % len(portraits)][0],
                        thumbnail=portraits[n % len(portraits)][1],
                        sha256=f"{profile.pk:064x}",
                        width=480,
                        height=480,
                        is_primary=True,
                        processed_at=now,
                    )
                    for n, profile in enumerate(profiles)
                ],
                batch_size=2000,
            )
            GalleryPlacement.objects.bulk_create(
                [
                    GalleryPlacement(
                        gallery=galleries[1]
                        if profile.status == "id_sought"
                        else rng.choice(galleries),
                        profile=profile,
                        expires_on=today + relativedelta(months=rng.randint(1, 12)),
                    )
                    for profile in profiles
                    if profile.status != "archived" and rng.random() < 0.6
                ],
                batch_size=2000,
            )
            tick("profiles", count)

        pairs = [
            (a, b)
            for a in range(spec.partnerships)
            for b in range(a + 1, spec.partnerships)
            if a not in spec.exclude_from_random
            and b not in spec.exclude_from_random
            and rng.random() < spec.density
        ] + spec.extra_pairs
        consents_link(network, pairs)
        tick("consents", len(pairs))
        drift_repair()
        tick("permissions", 1)
    return network


def consents_link(network: Network, pairs: Iterable[tuple[int, int]]) -> None:
    """Mutual consents between the given pairs of partnerships (bulk; rows are left to the
    caller's drift_repair)."""
    edges = []
    for a, b in pairs:
        pa, pb = network.partnerships[a], network.partnerships[b]
        edges += [
            SharingConsent(grantor=pa, grantee=pb, granted_by=network.admins[a]),
            SharingConsent(grantor=pb, grantee=pa, granted_by=network.admins[b]),
        ]
    SharingConsent.objects.bulk_create(edges, batch_size=5000, ignore_conflicts=True)

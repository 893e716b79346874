"""A realistic synthetic network of partnerships for demos and benchmarks.

Names, ages and descriptions are drawn from plain distributions; portraits are drawn with
Pillow (no real faces). Everything is written in bulk, then the sharing rule is materialised
once with the same set-based SQL the application uses. It can plant people who appear in two or
three partnerships that share, under name variants, to measure the same-person matcher.
"""

from __future__ import annotations

import io
import random
import secrets
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

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
from photos.images import perceptual_hash, thumbnail_make
from sharing.candidates import candidates_scored, match_keys_rebuild_all, profile_facts
from sharing.matching import SHORT_FORMS
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
    # Each profile its own portrait with its perceptual hash (the photo signal then means
    # something); otherwise a few portraits per partnership, shared, with no hash.
    distinct_portraits: bool = False
    # People recorded in two or three partnerships that share, under name and date variants.
    planted: int = 0

    @property
    def progress_steps(self) -> int:
        """What network_seed reports: each partnership, each profile, consents, permissions."""
        profiles = sum(
            self.profiles_override.get(index, self.profiles_per)
            for index in range(self.partnerships)
        )
        return self.partnerships + profiles + 3


@dataclass
class Network:
    partnerships: list[Partnership]
    admins: list[User]
    police: list[User]
    # Per planted person, the ids of its profiles (each in a different partnership).
    planted: list[list[int]] = field(default_factory=list)


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


@dataclass(frozen=True)
class StoredPortrait:
    original: str
    thumbnail: str
    phash: int | None
    width: int
    height: int

    def row_fields(self) -> dict[str, object]:
        return {
            "original": self.original,
            "thumbnail": self.thumbnail,
            "phash": self.phash,
            "width": self.width,
            "height": self.height,
        }


def portrait_distinct_jpeg(rng: random.Random, size: int = 240) -> bytes:
    """A drawn portrait over a random shaded background: the figures alone are so alike that
    their perceptual hashes collide, which would make every two profiles "photos alike"."""
    grid = Image.new("L", (5, 5))
    grid.putdata([rng.randint(0, 255) for _ in range(25)])
    shade = grid.resize((size, size), Image.Resampling.BICUBIC).convert("RGB")
    figure = Image.open(io.BytesIO(portrait_jpeg(rng, size))).convert("RGB")
    out = io.BytesIO()
    Image.blend(figure, shade, 0.45).save(out, "JPEG", quality=85)
    return out.getvalue()


def portrait_resaved(jpeg: bytes, rng: random.Random) -> bytes:
    """The same portrait as another scheme would hold it: slightly cropped and resized, saved
    at another JPEG quality."""
    with Image.open(io.BytesIO(jpeg)) as image:
        width, height = image.size
        crop = rng.randint(1, 5)
        scale = rng.uniform(0.8, 1.0)
        copy = image.crop((crop, crop, width - crop, height - crop)).resize(
            (int(width * scale), int(height * scale))
        )
        out = io.BytesIO()
        copy.save(out, "JPEG", quality=rng.choice([60, 70, 80, 92]))
    return out.getvalue()


def _portrait_store(partnership: Partnership, jpeg: bytes, hashed: bool = True) -> StoredPortrait:
    token = secrets.token_urlsafe(16)
    with Image.open(io.BytesIO(jpeg)) as image:
        image.load()
        phash = perceptual_hash(image) if hashed else None
        width, height = image.size
    return StoredPortrait(
        write_encrypted(f"offender-images/{partnership.pk}/seed-{token}.bin", jpeg),
        write_encrypted(
            f"offender-images/{partnership.pk}/seed-{token}.thumb.bin", thumbnail_make(jpeg)
        ),
        phash,
        width,
        height,
    )


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
            if spec.distinct_portraits:
                faces = random.Random(f"{spec.seed}-faces-{i}")  # noqa: S311 - synthetic
                stored = [
                    _portrait_store(partnership, portrait_distinct_jpeg(faces)) for _ in profiles
                ]
            else:
                shared = [
                    _portrait_store(partnership, portrait_jpeg(rng), hashed=False)
                    for _ in range(spec.portraits_per)
                ]
                stored = [shared[n % len(shared)] for n in range(len(profiles))]
            now = timezone.now()
            OffenderImage.objects.bulk_create(
                [
                    OffenderImage(
                        profile=profile,
                        token=secrets.token_urlsafe(32),
                        **portrait.row_fields(),
                        sha256=f"{profile.pk:064x}",
                        is_primary=True,
                        processed_at=now,
                    )
                    for profile, portrait in zip(profiles, stored, strict=True)
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
        if spec.planted:
            network.planted = people_plant(network, pairs, spec, today)
        drift_repair()
        tick("permissions", 1)
        match_keys_rebuild_all()
        tick("match keys", 1)
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


# Given names with a common short form, and with another spelling that sounds the same.
PLANT_NICKNAMES = [
    ("William", "Bill"),
    ("Robert", "Bob"),
    ("David", "Dave"),
    ("Stephen", "Steve"),
    ("Michael", "Mick"),
    ("Thomas", "Tom"),
    ("James", "Jim"),
    ("Daniel", "Danny"),
    ("Anthony", "Tony"),
    ("Joseph", "Joe"),
    ("Christopher", "Chris"),
    ("Richard", "Dick"),
    ("Rebecca", "Becky"),
    ("Katherine", "Kate"),
    ("Jennifer", "Jenny"),
    *((full.title(), short.title()) for short, full in SHORT_FORMS.items() if len(full) > 4),
]
PLANT_SOUNDALIKES = [
    ("Steven", "Stephen"),
    ("Jonathan", "Jonathon"),
    ("Sean", "Shaun"),
    ("Katie", "Katy"),
    ("Philip", "Phillip"),
    ("Geoffrey", "Jeffrey"),
    ("Zoe", "Zoey"),
    ("Aaron", "Aron"),
    ("Neil", "Neal"),
    ("Brian", "Bryan"),
]
PLANT_SURNAME_SPELLINGS = [
    ("Thompson", "Thomson"),
    ("Smith", "Smyth"),
    ("Clarke", "Clark"),
    ("Davies", "Davis"),
    ("Matthews", "Mathews"),
    ("Reid", "Reed"),
    ("Gray", "Grey"),
    ("Phillips", "Philips"),
    ("MacDonald", "McDonald"),
    ("Stevens", "Stephens"),
]
NAME_VARIANTS = ("nickname", "spelling", "phonetic", "typo", "initial", "alias")
DATE_VARIANTS = ("same", "swapped", "age range")


def _typo(word: str, rng: random.Random) -> str:
    """One slip of the keyboard after the first letter: two letters swapped, or one dropped."""
    at = rng.randint(1, len(word) - 2)
    if rng.random() < 0.5:
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return word[:at] + word[at + 1 :]


def _planted_names(rng: random.Random, variant: str) -> tuple[tuple[str, str], tuple[str, str]]:
    """A person's (given, surname) as one scheme recorded them, and as another did."""
    surname = rng.choice(SURNAMES)
    if variant == "nickname":
        full, short = rng.choice(PLANT_NICKNAMES)
        return (full, surname), (short, surname)
    if variant == "phonetic":
        one, other = rng.choice(PLANT_SOUNDALIKES)
        return (one, surname), (other, surname)
    given = rng.choice(FIRST_MALE + FIRST_FEMALE)
    if variant == "spelling":
        one, other = rng.choice(PLANT_SURNAME_SPELLINGS)
        return (given, one), (given, other)
    if variant == "typo":
        surname = rng.choice([s for s in SURNAMES if len(s) >= 5 and s.isalpha()])
        if rng.random() < 0.5:
            return (given, surname), (given, _typo(surname, rng))
        return (given, surname), (_typo(given, rng) if len(given) >= 4 else given, surname)
    if variant == "initial":
        return (given, surname), (given[0], surname)
    return (given, surname), ("", "")  # alias: the other scheme knows the name only as an alias


def _planted_cliques(
    pairs: list[tuple[int, int]], count: int, rng: random.Random
) -> list[tuple[int, ...]]:
    """Two or three partnerships that all share with each other, for each planted person."""
    mutual = {frozenset(pair) for pair in pairs if pair[0] != pair[1]}
    edges = sorted(tuple(sorted(pair)) for pair in mutual)
    triangles = [
        (a, b, c)
        for a, b in edges
        for c in {x for e in mutual if a in e for x in e} - {a, b}
        if c > b and frozenset((b, c)) in mutual
    ][:5000]
    cliques: list[tuple[int, ...]] = []
    for _ in range(count):
        if triangles and rng.random() < 0.3:
            cliques.append(rng.choice(triangles))
        elif edges:
            cliques.append(rng.choice(edges))
    return cliques


def people_plant(
    network: Network, pairs: list[tuple[int, int]], spec: NetworkSpec, today: date
) -> list[list[int]]:
    """Plant `spec.planted` people, each in two or three partnerships that share, recorded
    under a name variant (nickname, spelling, phonetic, typo, initial only, alias), a date of
    birth written the other way round or only an apparent age range, and a re-saved photo."""
    rng = random.Random(f"{spec.seed}-planted")  # noqa: S311 - synthetic data, not secrets
    planted = []
    numbers = {
        p.pk: p.last_profile_number
        for p in Partnership.objects.filter(pk__in=[p.pk for p in network.partnerships])
    }
    for clique in _planted_cliques(pairs, spec.planted, rng):
        age = rng.randint(19, 55)
        born = today - relativedelta(years=age, days=rng.randint(1, 360))
        portrait = portrait_distinct_jpeg(rng)
        variant = rng.choice(NAME_VARIANTS)
        recorded, varied = _planted_names(rng, variant)
        ids = []
        for copy, index in enumerate(clique):
            partnership = network.partnerships[index]
            given, surname = recorded if copy == 0 else varied
            aliases = []
            if variant == "alias" and copy:
                aliases = [" ".join(recorded)]
            when = "same" if copy == 0 else rng.choice(DATE_VARIANTS)
            if when == "swapped" and (born.day > 12 or born.day == born.month):
                when = "age range"
            dob: date | None = born
            age_min = age_max = None
            if when == "swapped":
                dob = born.replace(day=born.month, month=born.day)
            elif when == "age range":
                # From 18: a range reaching below it would make the copy a juvenile, never shared.
                dob, low = None, max(18, age - rng.randint(0, 5))
                age_min, age_max = low, low + rng.choice([5, 10])
            numbers[partnership.pk] += 1
            profile = OffenderProfile(
                partnership=partnership,
                reference=f"{partnership.reference_prefix}-{numbers[partnership.pk]:05d}",
                first_name=given,
                last_name=surname,
                aliases=aliases,
                date_of_birth=dob,
                age_min=age_min,
                age_max=age_max,
                gender=rng.choice(["male", "female"]),
                build=rng.choice(Build.values),
                offence_types=[rng.choice(OffenceType.values)],
            )
            profile.refresh_search_name()
            profile.save()
            jpeg = portrait if copy == 0 else portrait_resaved(portrait, rng)
            stored = _portrait_store(partnership, jpeg)
            OffenderImage.objects.create(
                profile=profile,
                token=secrets.token_urlsafe(32),
                **stored.row_fields(),
                sha256=f"{profile.pk:064x}",
                is_primary=True,
                processed_at=timezone.now(),
            )
            ids.append(profile.pk)
        planted.append(ids)
    for pk, number in numbers.items():
        Partnership.objects.filter(pk=pk).update(last_profile_number=number)
    return planted


@dataclass
class MatcherFigures:
    planted_pairs: int
    found_in_top5: int
    profiles_with_candidates: int
    top_wrong: int
    search_ms: list[float] = field(default_factory=list)
    search_queries: list[int] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found_in_top5 / self.planted_pairs if self.planted_pairs else 0.0

    @property
    def wrong_share(self) -> float:
        if not self.profiles_with_candidates:
            return 0.0
        return self.top_wrong / self.profiles_with_candidates


def matcher_figures(
    network: Network, sample: list[int] | None = None, today: date | None = None
) -> MatcherFigures:
    """The matcher measured on a planted network, as each owner's administrators see it.

    Recall: of every planted profile and each of its twins (ordered pairs), the share whose
    twin is among the profile's top 5 candidates (scoring at least the shown threshold).
    Wrong: of every profile measured (`sample`, or all) that has any candidate at or above the
    threshold, the share whose top candidate is not one of its planted twins (an unplanted
    profile has no twin, so any top candidate it has is wrong).
    """
    today = today or timezone.localdate()
    twins = {pk: set(ids) - {pk} for ids in network.planted for pk in ids}
    measured = sorted(set(sample if sample is not None else twins) | set(twins))
    groups = {p.pk: p.admin_group_id for p in network.partnerships}
    figures = MatcherFigures(sum(len(t) for t in twins.values()), 0, 0, 0)
    for start in range(0, len(measured), 500):
        facts = profile_facts(measured[start : start + 500])
        for pk, fact in facts.items():
            found = [
                other.id
                for other, _ in candidates_scored(
                    facts=fact, group_id=groups[fact.partnership_id], today=today
                )
            ]
            figures.found_in_top5 += len(twins.get(pk, set()) & set(found[:5]))
            if found:
                figures.profiles_with_candidates += 1
                figures.top_wrong += found[0] not in twins.get(pk, set())
    return figures


def search_timed(search: Callable[[], object]) -> tuple[float, int]:
    """Milliseconds and queries of one candidate search."""
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        search()
        elapsed = (time.perf_counter() - start) * 1000
    return elapsed, len(queries)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0

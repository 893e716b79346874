"""Synthetic demo content: galleries, profiles and drawn portraits (no real faces)."""

from __future__ import annotations

import io
import random
from typing import TYPE_CHECKING

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from bcrp.actors import Actor
from offenders import services
from offenders.models import Gallery, OffenderProfile

if TYPE_CHECKING:
    from bcrp.models import User
    from partnerships.models import Partnership

DEMO_GALLERIES = (
    ("Excluded offenders", 12, True),
    ("ID sought", 3, True),
    ("Pubwatch", 12, True),
)

SKIN = ["#f1d3c2", "#e0ac8a", "#c68642", "#8d5524", "#5c3a21", "#f6dcc8"]
HAIR = ["#2b1d0e", "#5a3825", "#a0522d", "#d8c078", "#888888", "#111111"]
CLOTHES = ["#2f4f4f", "#1f3a93", "#7b241c", "#145a32", "#424949", "#6c3483", "#b9770e"]


def portrait_jpeg(rng: random.Random, size: int = 480) -> bytes:
    """A simple drawn head-and-shoulders figure, different for each draw of `rng`."""
    image = Image.new("RGB", (size, size), rng.choice(["#d5dbdb", "#d6eaf8", "#fdebd0"]))
    draw = ImageDraw.Draw(image)
    cx = size // 2 + rng.randint(-20, 20)
    head = rng.randint(size // 8, size // 6)
    draw.ellipse(
        (cx - size // 3, size * 2 // 3, cx + size // 3, size + size // 3),
        fill=rng.choice(CLOTHES),
    )
    draw.rectangle((cx - head // 3, size // 2, cx + head // 3, size * 2 // 3 + 10), fill="#c9a27e")
    top = size // 2 - head * 2
    draw.ellipse((cx - head, top, cx + head, top + int(head * 2.4)), fill=rng.choice(SKIN))
    draw.chord(
        (cx - head - 4, top - 8, cx + head + 4, top + head * 2), 180, 360, fill=rng.choice(HAIR)
    )
    if rng.random() < 0.4:  # a cap
        draw.chord((cx - head - 8, top - 16, cx + head + 8, top + head), 180, 360, fill="#222")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


DEMO_PEOPLE = [
    ("Jason", "Doyle", ["JD", "Jase"], "male", "medium", ["theft"], ["violent"], "known"),
    ("Kelly", "Marsh", [], "female", "slim", ["theft", "fraud"], [], "known"),
    ("Darren", "Pike", ["Dazza"], "male", "stocky", ["abuse", "asb"], ["drugs"], "known"),
    ("", "", [], "male", "athletic", ["theft"], ["weapons"], "id_sought"),
    ("Liam", "O'Connor", [], "male", "heavy", ["damage"], [], "known"),
]


def demo_content_seed(*, partnership: Partnership, admin: User, seed: int) -> None:
    """Galleries for the partnership and, if it has no profiles yet, a few drawn profiles."""
    actor = Actor(user=admin, partnership=partnership)
    galleries = []
    for name, months, visible in DEMO_GALLERIES:
        gallery = Gallery.objects.filter(partnership=partnership, name=name).first()
        if gallery is None:
            gallery = services.gallery_save(
                partnership=partnership,
                gallery=Gallery(name=name, default_expiry_months=months, members_may_see=visible),
                actor=actor,
            )
        galleries.append(gallery)
    if OffenderProfile.objects.filter(partnership=partnership).exists():
        return
    rng = random.Random(seed)  # noqa: S311 - synthetic demo data, not secrets
    for first, last, aliases, gender, build, offences, markers, status in DEMO_PEOPLE:
        profile = services.profile_create(
            partnership=partnership,
            fields={
                "first_name": first,
                "last_name": last,
                "aliases": aliases,
                "gender": gender,
                "build": build,
                "offence_types": offences,
                "warning_markers": markers,
                "status": status,
                "age_min": rng.choice([20, 25, 30]),
                "age_max": rng.choice([35, 40]),
                "hair": rng.choice(["short dark", "shaved", "long fair", "grey"]),
            },
            actor=actor,
        )
        gallery = (
            galleries[1] if status == "id_sought" else rng.choice([galleries[0], galleries[2]])
        )
        services.placement_add(profile=profile, gallery=gallery, actor=actor)
        services.image_add(
            profile=profile,
            upload=SimpleUploadedFile("portrait.jpg", portrait_jpeg(rng), "image/jpeg"),
            actor=actor,
        )

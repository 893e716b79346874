"""Demo incidents, so that a first look at the review queue and statistics is not empty."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from bcrp.actors import Actor
from incidents.models import Category, Incident
from incidents.services import incident_submit
from partnerships.models import Membership

DESCRIPTIONS = {
    "theft": "Concealed items in a bag and left without paying.",
    "violence": "Pushed a member of staff who asked them to leave.",
    "abuse": "Shouted abuse at the till after being refused service.",
    "asb": "Group blocking the entrance and harassing customers.",
    "damage": "Kicked the door and cracked the glass panel.",
    "fraud": "Tried to pay with a card that was not theirs.",
    "other": "Loitering near the cash office.",
}


def demo_incidents_seed(*, membership: Membership, seed: int, count: int = 24) -> None:
    if Incident.objects.filter(partnership=membership.partnership).exists():
        return
    rng = random.Random(seed)  # noqa: S311 - synthetic demo data, not secrets
    premises = membership.premises
    now = timezone.now()
    for _ in range(count):
        category = rng.choices(Category.values, weights=[40, 8, 15, 15, 8, 8, 6])[0]
        lost = Decimal(rng.choice([0, 12, 25, 40, 65, 120, 250]) if category == "theft" else 0)
        share = rng.choice([Decimal(0), Decimal(0), Decimal("0.5"), Decimal(1)])
        incident_submit(
            membership=membership,
            fields={
                "occurred_at": now - timedelta(days=rng.randint(0, 330), hours=rng.randint(0, 23)),
                "category": category,
                "description": DESCRIPTIONS[category],
                "value_lost": lost,
                "value_recovered": lost * share,
            },
            premises=premises,
            photos=[],
            actor=Actor(user=membership.user, partnership=membership.partnership),
        )

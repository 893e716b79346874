"""Bulletins' panel on a member's home: critical ones to confirm reading, then recent news."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from bulletins.selectors import bulletins_on_member_home
from partnerships.member_home import HomePanel, member_home_panel
from partnerships.models import Membership, Role

BULLETINS_SHOWN = 10
RECENT_DAYS = 14


@member_home_panel(order=10)
def bulletins_panel(*, membership: Membership) -> HomePanel | None:
    if membership.role != Role.MEMBER:
        return None
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    bulletins = list(bulletins_on_member_home(membership=membership, since=since)[:BULLETINS_SHOWN])
    return HomePanel("bulletins/_member_home.html", {"bulletins": bulletins})

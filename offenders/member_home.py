"""The gallery's panel on a member's home: how many people are circulated, and the way in."""

from __future__ import annotations

from offenders.selectors import profiles_circulated
from partnerships.member_home import HomePanel, member_home_panel
from partnerships.models import Membership, Role


@member_home_panel(order=20)
def gallery_panel(*, membership: Membership) -> HomePanel | None:
    if membership.role != Role.MEMBER:
        return None
    # A count rather than the photos: each thumbnail shown is an audited view of a person, and the
    # gallery page records those; the home stays one query here however many are circulated.
    return HomePanel(
        "offenders/_member_home.html",
        {"circulated": profiles_circulated(membership=membership).count()},
    )

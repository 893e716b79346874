"""What each Dataview row prints, from the page's one query: names, aliases, the partnership,
status, the strongest notice in force, galleries in name order, the date added and a thumbnail
only once the worker has made one. Every value a person typed is escaped."""

from __future__ import annotations

import re

from markupsafe import escape

from bcrp.actors import Actor
from bcrp.models import User
from bcrp.rows import RowDate
from offenders import services
from offenders.models import OffenderImage
from offenders.services import exclusion_issue
from partnerships.models import Partnership
from tests.factories import GalleryFactory, ProfileFactory, image_on
from tests.fixtures import client_for

DATAVIEW = "/p/alpha/dataview/"


def _row_of(html: str, reference: str) -> str:
    rows = re.findall(r'<tr data-testid="dataview-row">(.*?)</tr>', html, re.S)
    [row] = [row for row in rows if reference in row]
    return row


def test_a_row_shows_what_its_profile_holds_and_escapes_what_people_typed(
    partnership_a: Partnership, admin_a: User
) -> None:
    profile = ProfileFactory(
        partnership=partnership_a,
        first_name="<b>Zed</b>",
        last_name="O'Hare & Sons",
        aliases=['<img src=x onerror="alert(1)">', "Bo"],
        reference="R-ROWS1",
    )
    for name in ("Zulu <script>", "Alpha"):
        services.placement_add(
            profile=profile,
            gallery=GalleryFactory(partnership=partnership_a, name=name),
            actor=Actor(user=admin_a),
        )
    exclusion_issue(profile=profile, kind="warning", reason="Theft", actor=Actor(user=admin_a))
    exclusion = exclusion_issue(
        profile=profile, kind="exclusion", reason="Violence", actor=Actor(user=admin_a)
    )
    image = image_on(profile, admin_a)

    html = client_for(admin_a).get(DATAVIEW).content.decode()
    row = _row_of(html, "R-ROWS1")

    assert "<b>Zed" not in html and "<script>" not in row and "<img src=x" not in html
    assert f'<a href="/p/alpha/profiles/{profile.pk}/">{escape(profile.display_name)}</a>' in row
    assert f"aka {escape(profile.aliases[0])}, Bo" in row
    assert f"<td>{escape(partnership_a.name)}</td>" in row
    # Galleries in name order; the exclusion outranks the warning issued with it.
    assert row.index("Alpha") < row.index(str(escape("Zulu <script>")))
    assert f"Excluded until {RowDate()(exclusion.ends_on)}" in row
    assert "Warning until" not in row
    assert f'<img src="/p/alpha/photos/{image.token}/thumb/"' in row
    assert f"<td>{RowDate()(profile.created_at)}</td>" in row


def test_a_photo_the_worker_has_not_made_a_thumbnail_of_shows_a_placeholder(
    partnership_a: Partnership, admin_a: User
) -> None:
    profile = ProfileFactory(partnership=partnership_a, reference="R-ROWS2")
    image = image_on(profile, admin_a)
    OffenderImage.objects.filter(pk=image.pk).update(processed_at=None)

    row = _row_of(client_for(admin_a).get(DATAVIEW).content.decode(), "R-ROWS2")

    assert "<img" not in row and 'class="thumb-sm placeholder"' in row


def test_the_htmx_answer_is_the_results_alone(partnership_a: Partnership, admin_a: User) -> None:
    ProfileFactory(partnership=partnership_a, reference="R-ROWS3")
    response = client_for(admin_a).get(DATAVIEW, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="dataview-results"') and "R-ROWS3" in html
    assert "<html" not in html and 'role="search"' not in html


def test_a_gallery_or_partnership_filter_takes_only_this_partnerships_choices(
    partnership_a: Partnership, partnership_b: Partnership, admin_a: User
) -> None:
    """Alpha and Bravo do not share: Bravo's gallery and Bravo itself are no filter of Alpha's
    (the choices are looked up only when a value is given; a value is always checked)."""
    ours = GalleryFactory(partnership=partnership_a, name="Alpha gallery")
    theirs = GalleryFactory(partnership=partnership_b, name="Bravo gallery")
    profile = ProfileFactory(partnership=partnership_a, reference="R-ROWS4")
    services.placement_add(profile=profile, gallery=ours, actor=Actor(user=admin_a))
    client = client_for(admin_a)

    page = client.get(DATAVIEW).content.decode()
    assert "Alpha gallery" in page and "Bravo gallery" not in page
    assert escape(partnership_b.name) not in page

    for query in (f"gallery={theirs.pk}", f"owner={partnership_b.pk}"):
        response = client.get(f"{DATAVIEW}?{query}")
        assert response.status_code == 400, query
        assert 'data-testid="filter-errors"' in response.content.decode()
    listed = client.get(f"{DATAVIEW}?gallery={ours.pk}&owner={partnership_a.pk}")
    assert listed.status_code == 200 and "R-ROWS4" in listed.content.decode()

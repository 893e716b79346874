"""Migrations carry existing data across a reorganisation.

Bulletins moved from partnerships to their own app. A database at the migrations from before
the move (tables named partnerships_bulletin..., Django's record of the models in partnerships)
is taken back to that state on the test database, given rows, then migrated forward the way a
deployment does: the rows are still there, read through the new app's models and pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import StateApps

from bcrp.models import User
from bulletins.models import Bulletin, BulletinAcknowledgement, BulletinDigest
from partnerships.models import Partnership
from tests.fixtures import client_for

LAST_BEFORE_THE_MOVE = ("partnerships", "0005_retention_help")
MOVED_MODELS = ("bulletin", "bulletinacknowledgement", "bulletindigest")


def migrate_to_before_the_move() -> StateApps:
    """Unapply the move on the test database; the models as they were then."""
    executor = MigrationExecutor(connection)
    executor.migrate([("bulletins", None), LAST_BEFORE_THE_MOVE])
    return executor.loader.project_state(LAST_BEFORE_THE_MOVE).apps


def migrate_to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()


@pytest.fixture
def before_the_move(transactional_db: None) -> Iterator[StateApps]:
    """The test database at the migrations from before the move; always put back to the latest."""
    try:
        yield migrate_to_before_the_move()
    finally:
        migrate_to_latest()


# The people come first, made with today's models: later migrations add columns that the
# tables at the older state do not have.
def test_bulletins_written_before_the_move_are_found_after_it(
    partnership_a: Partnership, admin_a: User, member_a: User, before_the_move: StateApps
) -> None:
    content_types = dict(
        ContentType.objects.filter(model__in=MOVED_MODELS).values_list("model", "app_label")
    )
    assert content_types == dict.fromkeys(MOVED_MODELS, "partnerships")
    type_ids = set(ContentType.objects.filter(model__in=MOVED_MODELS).values_list("pk", flat=True))
    old = before_the_move
    bulletin = old.get_model("partnerships", "Bulletin").objects.create(
        partnership_id=partnership_a.pk,
        title="Knife seen on the high street",
        body="Call 999 and do not approach.",
        critical=True,
        created_by_id=admin_a.pk,
    )
    old.get_model("partnerships", "BulletinAcknowledgement").objects.create(
        bulletin_id=bulletin.pk, user_id=member_a.pk
    )
    old.get_model("partnerships", "BulletinDigest").objects.create(
        partnership_id=partnership_a.pk, week_starting=date(2026, 11, 16), recipients=1
    )

    migrate_to_latest()

    moved = Bulletin.objects.get(pk=bulletin.pk)
    assert (moved.partnership, moved.title, moved.critical, moved.created_by) == (
        partnership_a,
        "Knife seen on the high street",
        True,
        admin_a,
    )
    assert list(BulletinAcknowledgement.objects.values_list("bulletin", "user")) == [
        (bulletin.pk, member_a.pk)
    ]
    assert list(BulletinDigest.objects.values_list("partnership", "week_starting")) == [
        (partnership_a.pk, date(2026, 11, 16))
    ]
    # The content types moved with the models (same rows), nothing left behind in partnerships.
    assert set(
        ContentType.objects.filter(model__in=MOVED_MODELS).values_list("pk", "app_label")
    ) == {(pk, "bulletins") for pk in type_ids}
    # And the pages read them: the member has already acknowledged it, the administrator sees so.
    page = client_for(admin_a).get(f"/p/{partnership_a.slug}/bulletins/{bulletin.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Knife seen on the high street" in html
    assert "Read (1)" in html and "Every member has confirmed reading it." in html


def test_bulletins_posted_after_the_move_use_the_same_tables(db: None) -> None:
    models = (Bulletin, BulletinAcknowledgement, BulletinDigest)
    assert [model._meta.db_table for model in models] == [
        "partnerships_bulletin",
        "partnerships_bulletinacknowledgement",
        "partnerships_bulletindigest",
    ]
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
    # No copy of a moved table under the new app's name (models added since have their own).
    assert not {"bulletins_bulletin", "bulletins_bulletinacknowledgement"} & tables
    assert "bulletins_bulletindigest" not in tables

"""Bulletins' part of the partnership home: critical bulletins not every member has read."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from django.utils import timezone

from bulletins.selectors import bulletins_critical_unacknowledged
from partnerships.models import Membership, Role
from partnerships.todo import TodoItem, TodoSection, todo_section, todo_source


@todo_source(order=30, roles=[Role.ADMIN])
def bulletins_unread(*, membership: Membership, since: datetime) -> TodoSection | None:
    slug = membership.partnership.slug
    return todo_section(
        title="Critical bulletins not yet read by every member",
        rows=bulletins_critical_unacknowledged(partnership=membership.partnership),
        item=lambda bulletin: TodoItem(
            f"{bulletin.title}: {bulletin.unacknowledged} member"
            f"{'' if bulletin.unacknowledged == 1 else 's'} yet to confirm",
            reverse("bulletins:detail", args=[slug, bulletin.pk]),
            f"posted {timezone.localtime(bulletin.created_at):%-d %B}",
        ),
    )

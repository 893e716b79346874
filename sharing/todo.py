"""Sharing's part of the partnership home: requests from other partnerships to answer."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse

from partnerships.models import Membership, Role
from partnerships.todo import (
    TodoItem,
    TodoSection,
    todo_section,
    todo_source,
    waiting_text,
)
from sharing.selectors import answers_waiting, consent_requests_unanswered


@todo_source(order=20, roles=[Role.ADMIN])
def sharing_requests(*, membership: Membership, since: datetime) -> TodoSection | None:
    slug = membership.partnership.slug
    return todo_section(
        title="Sharing requests to answer",
        rows=consent_requests_unanswered(partnership=membership.partnership),
        item=lambda request: TodoItem(
            f"{request.grantor.name} asks to share with you",
            reverse("sharing:partner", args=[slug, request.grantor.slug]),
            waiting_text(request.granted_at),
        ),
        more_url=reverse("sharing:partners", args=[slug]),
    )


@todo_source(order=25, roles=[Role.ADMIN])
def identity_answers_waiting(*, membership: Membership, since: datetime) -> TodoSection | None:
    slug = membership.partnership.slug
    return todo_section(
        title="Peers who know an ID-sought person",
        rows=answers_waiting(membership=membership),
        item=lambda answer: TodoItem(
            f"{answer.answered_in.name} knows {answer.sought.reference}: confirm or decline",
            reverse("sharing:answer", args=[slug, answer.pk]),
            waiting_text(answer.answered_at),
        ),
    )

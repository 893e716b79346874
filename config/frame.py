"""Template tags for the page frame (templates/base.html), loaded as `{% load frame %}`."""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from partnerships.models import Role

register = template.Library()


@register.simple_tag
def section_nav(slug: str, role: str) -> SafeString:
    """The partnership pages' menu for a role. It is the same on every page, and reversing
    its dozen links cost a tenth of a Dataview page, so it is drawn once per partnership and
    role for the life of the process (a renamed slug draws a new one)."""
    return _section_nav(slug, role)


@lru_cache(maxsize=4096)
def _section_nav(slug: str, role: str) -> SafeString:
    html = render_to_string(
        "_section_nav.html", {"slug": slug, "role": role, "is_admin": role == Role.ADMIN}
    )
    return mark_safe(html)  # noqa: S308 - rendered by Django's engine, which escaped it

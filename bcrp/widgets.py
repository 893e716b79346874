"""Widgets rendered in Python where Django's per-option machinery is too slow."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString


class QuickSelect(forms.Select):
    """A single <select> built with format_html rather than an option dict and template each.

    The Dataview offers every partner partnership as a filter choice: at 200 partners Django's
    optgroups and option templates cost several milliseconds of every page. Grouped choices
    fall back to Django's own rendering.
    """

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        chosen = set(self.format_value(value))
        rows = []
        # A for loop, not list(): list() asks a ModelChoiceIterator for len(), a COUNT query.
        for option, label in self.choices:
            if isinstance(label, list | tuple):
                return super().render(name, value, attrs, renderer)
            text = "" if option is None else str(option)
            # Like Django's Select, only the first matching option is marked.
            selected = text in chosen
            if selected:
                chosen.clear()
            rows.append((text, " selected" if selected else "", label))
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            format_html_join("", '<option value="{}"{}>{}</option>', rows),
        )

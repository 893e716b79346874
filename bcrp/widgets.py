"""Project widgets: the browser's date pickers, a textarea that keeps line endings, and a select
and inputs written as strings rather than through a template each."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from html import escape
from typing import Any

from django import forms
from django.forms import widgets
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.choices import CallableChoiceIterator
from django.utils.html import format_html
from django.utils.safestring import SafeString


class QuickSelect(forms.Select):
    """A single <select> built as one string rather than an option dict and template each.

    The Dataview offers every partner partnership as a filter choice: at 200 partners Django's
    optgroups and option templates cost several milliseconds of every page, and format_html's
    escaping per option most of what remained. Grouped choices fall back to Django's own
    rendering.
    """

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        chosen = set(self.format_value(value))
        rows = []
        choices = self.choices
        if isinstance(choices, CallableChoiceIterator):
            # Its pairs as the callable gives them: normalising them again, pair by pair, cost
            # more than drawing them (a grouped choice still falls back below).
            choices = choices.func()
        # A for loop, not list(): list() asks a ModelChoiceIterator for len(), a COUNT query.
        for option, label in choices:
            if isinstance(label, list | tuple):
                return super().render(name, value, attrs, renderer)
            text = "" if option is None else str(option)
            # Like Django's Select, only the first matching option is marked.
            selected = text in chosen
            if selected:
                chosen.clear()
            rows.append(
                f'<option value="{escape(text)}"{" selected" if selected else ""}>'
                f"{_escaped(label)}</option>"
            )
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            SafeString("".join(rows)),
        )

    def use_required_attribute(self, initial: Any) -> bool:
        # Django's Select looks at the first choice, which lists (and normalises) every choice;
        # a field that is not required gets no `required` attribute whatever its choices.
        if not self.is_required:
            return False
        return bool(super().use_required_attribute(initial))


class QuickInput(widgets.Input):
    """An <input> written as one string: the markup of Django's input.html and attrs.html,
    without rendering those two templates (a quarter of a millisecond per field, the most
    of what the Dataview's filter form cost to draw). A subclass with a template of its own
    is drawn by that template."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        if self.template_name not in DJANGO_INPUT_TEMPLATES:
            return super().render(name, value, attrs, renderer)
        widget = self.get_context(name, value, attrs)["widget"]
        shown = "" if widget["value"] is None else f' value="{_escaped(widget["value"])}"'
        return SafeString(
            f'<input type="{_escaped(widget["type"])}" name="{_escaped(widget["name"])}"'
            f"{shown}{_attributes(widget['attrs'])}>"
        )


# Django's templates that only include input.html.
DJANGO_INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        *("input", "text", "number", "email", "url", "color", "search", "tel"),
        *("password", "hidden", "date", "datetime", "time"),
    )
)


class QuickNumberInput(QuickInput, forms.NumberInput):
    pass


def _attributes(attrs: dict[str, Any]) -> str:
    """As Django's attrs.html: True written bare, False left out, anything else quoted."""
    return "".join(
        f" {_escaped(name)}" if value is True else f' {_escaped(name)}="{_escaped(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _escaped(label: Any) -> str:
    """As conditional_escape: text already marked safe (it has __html__) is kept as it is."""
    if hasattr(label, "__html__"):
        return str(label.__html__())
    return escape(str(label))


DateBound = Callable[[], date | None]


class IsoDateInput(QuickInput, forms.DateInput):
    """The browser's date picker. Its value must be ISO 8601 (2012-05-06) whatever the locale:
    a browser shows any other value (06/05/2012 in en-GB) as an empty field, and the next save
    wipes the date. Every date field of the project uses this widget (tests/test_dates.py).

    `earliest` and `latest` (set by bcrp.forms.DateField) are worked out at each rendering, so
    a server running for days still offers today, and become the picker's min and max.
    """

    input_type = "date"

    def __init__(
        self,
        attrs: dict[str, Any] | None = None,
        *,
        earliest: DateBound | None = None,
        latest: DateBound | None = None,
    ) -> None:
        super().__init__(attrs=attrs)
        self.earliest = earliest
        self.latest = latest

    def format_value(self, value: Any) -> str | None:
        # isoformat, not strftime: strftime writes year 1 as "1", which no browser reads.
        if isinstance(value, date):
            return value.isoformat()
        return super().format_value(value)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        attrs = dict(attrs or {})
        for attr, bound in (("min", self.earliest), ("max", self.latest)):
            limit = bound() if bound is not None else None
            if limit is not None:
                attrs.setdefault(attr, limit.isoformat())
        return super().get_context(name, value, attrs)


class IsoDateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker, whose value must be local time in ISO 8601 without
    a zone (2026-03-01T14:30), whatever the locale.

    To the minute, as the picker shows it: with seconds, the picker's default step of a minute
    would refuse the value as it stands.
    """

    input_type = "datetime-local"

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, datetime):
            local = timezone.make_naive(value) if timezone.is_aware(value) else value
            return local.isoformat(timespec="minutes")
        return super().format_value(value)


class NormalisedTextarea(forms.Textarea):
    """A textarea whose text comes back with the line breaks it was shown with.

    Browsers send every line break of a textarea as CRLF (the HTML standard says so): stored
    as sent, text written with LF anywhere else changed on every unchanged save. Every
    textarea of the project uses this widget (tests/test_dates.py).
    """

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        value = super().value_from_datadict(data, files, name)
        if isinstance(value, str):
            return value.replace("\r\n", "\n").replace("\r", "\n")
        return value

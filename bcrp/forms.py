"""Form pieces every app shares: date and time fields (the browser's pickers, in ISO 8601,
between bounds that are worked out when the form is used; tests/test_dates.py checks that no
form uses any other date or time field), and how a page answers a form sent back with errors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpResponse
from django.utils import timezone
from django.utils.formats import date_format

from bcrp.widgets import DateBound, IsoDateInput, IsoDateTimeInput

DateTimeBound = Callable[[], datetime | None]


def _check_bounds(field: forms.Field, value: Any, low: Any, high: Any, shown: str) -> None:
    """Refuse `value` outside [low, high] with the field's too_early or too_late message."""
    for limit, code, wrong in (
        (low, "too_early", low is not None and value < low),
        (high, "too_late", high is not None and value > high),
    ):
        if wrong:
            raise ValidationError(
                field.error_messages[code], code=code, params={"limit": date_format(limit, shown)}
            )


class IsoDateField(forms.DateField):
    """A date from the browser's date picker, optionally between `earliest` and `latest`.

    The bounds are callables, because the sensible ones move ("not after today"); both ends
    are allowed. Give `error_messages={"too_early": ..., "too_late": ...}` to say why a bound
    exists; `%(limit)s` is the bound as a person reads it.
    """

    widget = IsoDateInput
    default_error_messages = {
        "too_early": "Give a date on or after %(limit)s.",
        "too_late": "Give a date on or before %(limit)s.",
    }

    def __init__(
        self, *, earliest: DateBound | None = None, latest: DateBound | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.earliest = earliest
        self.latest = latest
        if isinstance(self.widget, IsoDateInput):
            self.widget.earliest = earliest
            self.widget.latest = latest

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value not in self.empty_values:
            low = self.earliest() if self.earliest is not None else None
            high = self.latest() if self.latest is not None else None
            _check_bounds(self, value, low, high, "j F Y")


class IsoDateTimeField(forms.DateTimeField):
    """A local date and time from the browser's picker, optionally between `earliest` and
    `latest` (callables returning aware datetimes).

    The bounds are not given to the picker: a form left open for a while would then refuse
    the time of sending it.
    """

    widget = IsoDateTimeInput
    default_error_messages = {
        "too_early": "Give a time on or after %(limit)s.",
        "too_late": "Give a time on or before %(limit)s.",
    }

    def __init__(
        self,
        *,
        earliest: DateTimeBound | None = None,
        latest: DateTimeBound | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.earliest = earliest
        self.latest = latest

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value not in self.empty_values:
            low = self.earliest() if self.earliest is not None else None
            high = self.latest() if self.latest is not None else None
            low, high = (timezone.localtime(t) if t is not None else None for t in (low, high))
            _check_bounds(self, value, low, high, "j F Y H:i")


class InvalidFormIs400:
    """A form sent back with errors answers 400: the person sees what to correct, and
    htmx, scripts and logs see a refusal rather than a success."""

    def form_invalid(self, form: BaseForm) -> HttpResponse:
        context = self.get_context_data(form=form)  # type: ignore[attr-defined]
        response: HttpResponse = self.render_to_response(  # type: ignore[attr-defined]
            context, status=400
        )
        return response


def form_errors_from(form: BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its fields where it names them."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)

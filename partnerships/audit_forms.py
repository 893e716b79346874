"""The audit viewer's filters: a person of this partnership, an action, a profile by reference,
an incident by number, a date range."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet

from bcrp.audit_phrases import OBJECT_FINDERS, action_choices
from bcrp.audit_trail import AuditFilters
from bcrp.forms import IsoDateField
from bcrp.models import User
from partnerships.models import Partnership
from partnerships.selectors import people_of_partnership_ever

INCIDENT_TYPE = "incidents.incident"
# The trail starts with the platform; a date before it or far ahead is a typing slip.
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


class PersonChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return str(obj)


class AuditFilterForm(forms.Form):
    person = PersonChoiceField(
        queryset=User.objects.none(), required=False, empty_label="Anyone", label="Person"
    )
    action = forms.ChoiceField(required=False, label="Action")
    profile = forms.CharField(
        required=False, max_length=20, label="Profile", help_text="Its reference, e.g. WB-00042"
    )
    incident = forms.IntegerField(
        required=False, min_value=1, max_value=2**62, label="Incident number"
    )
    since = IsoDateField(required=False, label="From")
    until = IsoDateField(required=False, label="To")

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people: Any = self.fields["person"]
        people.queryset = people_of_partnership_ever(partnership=partnership)
        actions: Any = self.fields["action"]
        actions.choices = [("", "Any action"), *action_choices()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("since", "until"):
            day = data.get(name)
            if day is not None and not EARLIEST <= day <= LATEST:
                self.add_error(name, f"Choose a date between {EARLIEST:%Y} and {LATEST:%Y}.")
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end of the range comes before its start.")
        if data.get("profile") and data.get("incident"):
            self.add_error("incident", "Filter by a profile or by an incident, not both.")
        return data

    def filters(self) -> AuditFilters:
        """The chosen filters, for the trail's selector (the form must be valid)."""
        data = self.cleaned_data
        person = data.get("person")
        object_type = ""
        object_ids: QuerySet[Any, Any] | list[str] | None = None
        if data.get("profile"):
            object_type, find = OBJECT_FINDERS["profile"]
            object_ids = find(data["profile"])
        elif data.get("incident"):
            object_type, object_ids = INCIDENT_TYPE, [str(data["incident"])]
        return AuditFilters(
            actor_id=person.pk if person is not None else None,
            action=data.get("action") or "",
            object_type=object_type,
            object_ids=object_ids,
            since=data.get("since"),
            until=data.get("until"),
        )

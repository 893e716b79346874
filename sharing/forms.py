"""Forms for sharing agreements and the same-person review queue."""

from __future__ import annotations

from django import forms

from bcrp.widgets import NormalisedTextarea
from sharing.models import SchemeDocumentSettings


class AgreementReferenceForm(forms.Form):
    agreement_reference = forms.CharField(
        label="Information sharing agreement reference", max_length=80, required=False
    )


class AnswerSearchForm(forms.Form):
    q = forms.CharField(label="Your profile's reference or name", max_length=80, required=False)


class AnswerForm(forms.Form):
    # Ids are 64-bit; a larger number is refused here rather than by the database.
    known = forms.IntegerField(
        label="Your profile",
        min_value=1,
        max_value=2**63 - 1,
        error_messages={"required": "Choose which of your profiles is this person."},
    )
    note = forms.CharField(
        label="How you know (optional)", max_length=300, required=False, widget=NormalisedTextarea
    )


class CandidateDecisionForm(forms.Form):
    """An administrator's answer on one candidate pair in the review queue."""

    SAME = "same"
    NOT_SAME = "not_same"

    profile = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    other = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    decision = forms.ChoiceField(choices=[(SAME, "Same person"), (NOT_SAME, "Not the same")])


class DocumentSettingsForm(forms.ModelForm[SchemeDocumentSettings]):
    """What the scheme's data protection documents say about who runs it and why."""

    class Meta:
        model = SchemeDocumentSettings
        fields = ("controller_contact", "dpo_contact", "purposes")
        widgets = {
            "controller_contact": NormalisedTextarea(attrs={"rows": 3}),
            "dpo_contact": NormalisedTextarea(attrs={"rows": 3}),
            "purposes": NormalisedTextarea(attrs={"rows": 5}),
        }

"""Forms for sharing agreements."""

from __future__ import annotations

from django import forms


class AgreementReferenceForm(forms.Form):
    agreement_reference = forms.CharField(
        label="Information sharing agreement reference", max_length=80, required=False
    )

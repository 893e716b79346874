"""The form administrators post a bulletin with."""

from __future__ import annotations

from django import forms

from bcrp.widgets import NormalisedTextarea
from bulletins.models import Bulletin


class BulletinForm(forms.ModelForm[Bulletin]):
    class Meta:
        model = Bulletin
        fields = ("title", "body", "critical")
        widgets = {"body": NormalisedTextarea(attrs={"rows": 8})}

"""Forms for partnership administration; choices are always limited to the partnership."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation

from partnerships.models import POSTCODE_RE, Business, Premises, Role, normalise_postcode
from partnerships.selectors import businesses_of_partnership, premises_of_partnership


class BusinessForm(forms.ModelForm[Business]):
    class Meta:
        model = Business
        fields = ("name", "contact_email", "contact_phone")


class PremisesForm(forms.ModelForm[Premises]):
    class Meta:
        model = Premises
        fields = ("business", "name", "address", "postcode")

    def __init__(self, *args: Any, partnership: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["business"].queryset = businesses_of_partnership(partnership=partnership)  # type: ignore[attr-defined]

    def clean_postcode(self) -> str:
        postcode = normalise_postcode(self.cleaned_data["postcode"])
        if not POSTCODE_RE.match(postcode):
            raise forms.ValidationError("Enter a UK postcode, such as SW1A 1AA.")
        return postcode


class _PlacementFields(forms.Form):
    """Role with the business and premises a member works at, limited to one partnership."""

    role = forms.ChoiceField(choices=Role.choices)
    business = forms.ModelChoiceField(queryset=Business.objects.none(), required=False)
    premises = forms.ModelChoiceField(queryset=Premises.objects.none(), required=False)

    def __init__(self, *args: Any, partnership: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["business"].queryset = businesses_of_partnership(partnership=partnership)  # type: ignore[attr-defined]
        self.fields["premises"].queryset = premises_of_partnership(partnership=partnership)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        premises = cleaned.get("premises")
        if premises is not None and cleaned.get("business") is None:
            cleaned["business"] = premises.business
        if cleaned.get("role") == Role.MEMBER and cleaned.get("business") is None:
            self.add_error("business", "A member works at one of the partnership's businesses.")
        return cleaned


class InvitationForm(_PlacementFields):
    email = forms.EmailField(label="E-mail address", max_length=254)
    # Most people invited are members; making someone an administrator is a deliberate choice.
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)
    field_order = ("email", "role", "business", "premises")


class MembershipForm(_PlacementFields):
    pass


class AccountForm(forms.Form):
    """Name and password for somebody joining by invitation who has no account yet."""

    full_name = forms.CharField(label="Your name", max_length=150)
    password1 = forms.CharField(label="Choose a password", widget=forms.PasswordInput)
    password2 = forms.CharField(label="Password again", widget=forms.PasswordInput)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            try:
                password_validation.validate_password(first)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned

"""Forms for partnership administration; choices are always limited to the partnership."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation

from bcrp.models import User
from partnerships.models import (
    POSTCODE_RE,
    SCOPES_OF_ROLE,
    ApiScope,
    ApiToken,
    Business,
    Membership,
    Premises,
    Role,
    normalise_postcode,
)
from partnerships.selectors import (
    businesses_of_partnership,
    memberships_of_user,
    premises_of_partnership,
)
from partnerships.services import API_TOKEN_MAX_DAYS


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


# How long a new API token lasts; none beyond what api_token_create accepts.
API_TOKEN_LIFETIMES = tuple(days for days in (30, 90, 365) if days <= API_TOKEN_MAX_DAYS)


class MembershipSelect(forms.Select):
    """Each option names its role (`data-role`), so the page can offer only the scopes that
    role may give (static/js/app.js)."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option: dict[str, Any] = super().create_option(*args, **kwargs)
        membership = getattr(option["value"], "instance", None)
        if isinstance(membership, Membership):
            option["attrs"]["data-role"] = membership.role
        return option


class ScopeCheckboxes(forms.CheckboxSelectMultiple):
    """Each box names the roles that may give its scope (`data-roles`)."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option: dict[str, Any] = super().create_option(*args, **kwargs)
        option["attrs"]["data-roles"] = " ".join(
            sorted(role for role, scopes in SCOPES_OF_ROLE.items() if option["value"] in scopes)
        )
        return option


class MembershipChoiceField(forms.ModelChoiceField[Membership]):
    def label_from_instance(self, obj: Membership) -> str:
        return f"{obj.partnership.name} ({obj.get_role_display()})"


class ApiTokenForm(forms.Form):
    """A new API token of the signed-in person: which of their memberships it acts as, what it
    may do there and for how long. The scopes a role may give are checked by api_token_create."""

    name = forms.CharField(
        label="Name",
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text="What the token is for, such as the system that will use it.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    membership = MembershipChoiceField(
        label="Acts as",
        queryset=Membership.objects.none(),
        empty_label=None,
        help_text="The token can reach this partnership only, with this role.",
        widget=MembershipSelect(attrs={"data-scopes-of-role": "scopes"}),
    )
    scopes = forms.MultipleChoiceField(
        label="May",
        choices=ApiScope.choices,
        widget=ScopeCheckboxes,
        help_text="Only what your role in the chosen partnership allows is accepted.",
    )
    expires_in_days = forms.TypedChoiceField(
        label="Expires after",
        choices=[(days, f"{days} days") for days in API_TOKEN_LIFETIMES],
        coerce=int,
        initial=90,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        memberships = self.fields["membership"]
        assert isinstance(memberships, MembershipChoiceField)
        memberships.queryset = memberships_of_user(user=user)

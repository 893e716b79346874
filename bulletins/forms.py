"""The forms administrators post or edit a bulletin with, and define member groups with."""

from __future__ import annotations

from typing import Any

from django import forms

from bcrp.widgets import NormalisedTextarea
from bulletins.models import Bulletin, MemberGroup
from bulletins.selectors import member_groups_of, memberships_groupable
from partnerships.models import Membership, Partnership


class MemberChoiceField(forms.ModelMultipleChoiceField):
    """Members by name, with their business, so two people called Sam can be told apart."""

    def label_from_instance(self, obj: Membership) -> str:
        name = obj.user.full_name or obj.user.email
        return f"{name} ({obj.business})" if obj.business else name


class BulletinForm(forms.ModelForm[Bulletin]):
    groups = forms.ModelMultipleChoiceField(
        queryset=MemberGroup.objects.none(),
        required=False,
        label="Send to",
        widget=forms.CheckboxSelectMultiple,
        help_text="Only the members of these groups see it. Choose none to send it to every "
        "member.",
    )

    class Meta:
        model = Bulletin
        fields = ("title", "body", "critical", "groups")
        widgets = {"body": NormalisedTextarea(attrs={"rows": 8})}

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups = self.fields["groups"]
        assert isinstance(groups, forms.ModelMultipleChoiceField)
        groups.queryset = member_groups_of(partnership=partnership)
        if not groups.queryset.exists():
            del self.fields["groups"]


class MemberGroupForm(forms.ModelForm[MemberGroup]):
    memberships = MemberChoiceField(
        queryset=Membership.objects.none(),
        required=False,
        label="Members",
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = MemberGroup
        fields = ("name", "memberships")

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        memberships = self.fields["memberships"]
        assert isinstance(memberships, forms.ModelMultipleChoiceField)
        memberships.queryset = memberships_groupable(partnership=partnership)

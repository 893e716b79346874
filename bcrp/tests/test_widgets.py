"""QuickSelect and QuickInput write exactly what Django's Select and inputs would, without a
template per option or field."""

from __future__ import annotations

import pytest
from django import forms
from django.db import connection
from django.test import SimpleTestCase
from django.test.utils import CaptureQueriesContext
from django.utils.safestring import mark_safe

from bcrp.widgets import IsoDateInput, QuickInput, QuickNumberInput, QuickSelect
from partnerships.models import Partnership
from tests.factories import partnership_make

pytestmark = pytest.mark.django_db

CHOICES = [
    ("", "Any"),
    ("a", "Alpha & <Omega>"),
    ("b", 'Quote "b"'),
    ("c", "Repeat"),
    ("c", "Twin"),
    ("d", mark_safe("<b>Already</b> safe")),
]


def both(field_factory: type[forms.Field], value: object, **kwargs: object) -> tuple[str, str]:
    class Quick(forms.Form):
        pick = field_factory(widget=QuickSelect(attrs={"data-x": "1"}), **kwargs)

    class Plain(forms.Form):
        pick = field_factory(widget=forms.Select(attrs={"data-x": "1"}), **kwargs)

    quick = str(Quick(data={"pick": value})["pick"])
    plain = str(Plain(data={"pick": value})["pick"])
    # Same elements, attributes, text and escaping; attribute order and whitespace aside.
    SimpleTestCase().assertHTMLEqual(quick, plain)
    return quick, plain


@pytest.mark.parametrize("value", ["", "a", "c", "zzz"])
def test_plain_choices_match_django(value: str) -> None:
    quick, _plain = both(forms.ChoiceField, value, choices=CHOICES, required=False)
    assert "Alpha &amp; &lt;Omega&gt;" in quick
    assert quick.count(" selected") == (0 if value == "zzz" else 1)


def test_model_choices_match_django_without_a_count_query() -> None:
    chosen = partnership_make("Zeta")
    partnership_make("Alpha")
    queryset = Partnership.objects.order_by("name")
    quick, _plain = both(forms.ModelChoiceField, str(chosen.pk), queryset=queryset, required=False)
    assert f'<option value="{chosen.pk}" selected>Zeta</option>' in quick

    class Quick(forms.Form):
        pick = forms.ModelChoiceField(queryset=queryset, widget=QuickSelect, required=False)

    with CaptureQueriesContext(connection) as queries:
        str(Quick()["pick"])
    assert [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]] == []
    assert len(queries) == 1


def test_grouped_choices_fall_back_to_django() -> None:
    grouped = [("Group", [("a", "A"), ("b", "B")]), ("c", "C")]
    quick, _plain = both(forms.ChoiceField, "b", choices=grouped, required=False)
    assert "<optgroup" in quick


class QuickSearch(QuickInput, forms.TextInput):
    input_type = "search"
    template_name = "django/forms/widgets/search.html"


ATTRS = {"data-x": 'a "b" <c>', "required": True, "disabled": False, "min": 0, "safe": "&amp;"}


@pytest.mark.parametrize("quick", [QuickNumberInput, IsoDateInput, QuickSearch])
@pytest.mark.parametrize("value", [None, "", 42, "2026-01-31", '"><script>x</script>'])
def test_inputs_are_what_django_writes(quick: type, value: object) -> None:
    # The same widget drawn by Django's own render, through its templates.
    plain = type("Plain", (quick,), {"render": forms.Widget.render})
    ours = quick(attrs=dict(ATTRS)).render("field", value, attrs={"id": "id_field"})
    theirs = plain(attrs=dict(ATTRS)).render("field", value, attrs={"id": "id_field"})
    # The same string, but for the newlines Django's included templates end with.
    assert ours == theirs.strip()
    assert "<script>" not in ours


def test_an_input_with_a_template_of_its_own_is_drawn_by_it() -> None:
    class Own(QuickInput):
        template_name = "django/forms/widgets/textarea.html"

    assert Own().render("note", "hi").startswith("<textarea")

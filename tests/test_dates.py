"""Dates: every date and time field renders what the browser's picker reads (ISO 8601), and
every date a person types is held to sensible bounds, refused with a readable 400. Textareas
give back the line breaks they were shown with."""

from __future__ import annotations

import ast
import contextlib
import importlib
import inspect
import pkgutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import django_filters
import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from bcrp.actors import Actor
from bcrp.forms import IsoDateField, IsoDateTimeField
from bcrp.models import User
from bcrp.widgets import IsoDateInput, IsoDateTimeInput, NormalisedTextarea
from incidents.models import Incident
from offenders import services
from offenders.forms import ProfileForm
from offenders.models import Exclusion, OffenderProfile, birth_date_bounds
from partnerships.models import Partnership
from tests.factories import GalleryFactory, ProfileFactory, membership_of
from tests.fixtures import client_for

ROOT = Path(__file__).resolve().parent.parent
# Every package of the project (config, bcrp, the apps, devtools), so a new one is walked too.
PROJECT_PACKAGES = tuple(
    sorted(p.name for p in ROOT.iterdir() if (p / "__init__.py").exists() and p.name != "tests")
)
# Django's own date and time widgets and fields, which render the locale's format (06/05/2012
# in en-GB) that a browser's picker cannot read, and its textarea, whose text comes back with
# CRLF line breaks. Only bcrp.forms and bcrp.widgets build on them.
DJANGO_PIECES = {
    "Textarea",
    "DateInput",
    "DateTimeInput",
    "SplitDateTimeWidget",
    "SplitHiddenDateTimeWidget",
    "SelectDateWidget",
    "DateField",
    "DateTimeField",
    "SplitDateTimeField",
}
PIECES_HOME = {ROOT / "bcrp" / "forms.py", ROOT / "bcrp" / "widgets.py"}
today = timezone.localdate


def project_modules() -> list[str]:
    names = []
    for package_name in PROJECT_PACKAGES:
        package = importlib.import_module(package_name)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
            # Locust loads the load test's scenario in its own process: importing it patches
            # the standard library with gevent, which breaks the rest of a test run.
            if ".migrations" not in info.name and not info.name.endswith(".locustfile"):
                names.append(info.name)
    return names


def subclasses(base: type) -> set[type]:
    found: set[type] = set()
    todo = [base]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


def project_classes(base: type) -> list[type]:
    for name in project_modules():
        importlib.import_module(name)
    return sorted(
        (c for c in subclasses(base) if c.__module__.split(".")[0] in PROJECT_PACKAGES),
        key=lambda c: f"{c.__module__}.{c.__qualname__}",
    )


def wrong_widgets(fields: dict[str, forms.Field]) -> list[str]:
    wrong = []
    for name, field in fields.items():
        if isinstance(field.widget, forms.Textarea):
            if not isinstance(field.widget, NormalisedTextarea):
                wrong.append(f"{name}: {type(field.widget).__name__}")
        elif isinstance(field, forms.SplitDateTimeField):
            wrong.append(f"{name}: a split date and time field")
        elif isinstance(field, forms.DateTimeField):
            if not isinstance(field.widget, IsoDateTimeInput):
                wrong.append(f"{name}: {type(field.widget).__name__}")
        elif isinstance(field, forms.DateField) and not isinstance(field.widget, IsoDateInput):
            wrong.append(f"{name}: {type(field.widget).__name__}")
    return wrong


def test_every_date_field_and_textarea_of_every_form_uses_the_project_widget() -> None:
    form_classes = project_classes(forms.BaseForm)
    checked = set()
    problems = []
    for form_class in form_classes:
        fields = dict(form_class.base_fields)  # type: ignore[attr-defined]
        # Fields added in __init__ are seen on an instance, where one needs no arguments.
        with contextlib.suppress(TypeError):
            fields.update(form_class().fields)
        checked.update(f"{form_class.__name__}.{n}" for n in fields)
        problems += [f"{form_class.__qualname__}.{w}" for w in wrong_widgets(fields)]
    for filterset in project_classes(django_filters.FilterSet):
        for name, filter_ in filterset.base_filters.items():  # type: ignore[attr-defined]
            if issubclass(filter_.field_class, forms.DateField | forms.DateTimeField):
                checked.add(f"{filterset.__name__}.{name}")
                wrong = wrong_widgets({name: filter_.field})
                problems += [f"{filterset.__qualname__}.{w}" for w in wrong]
    assert problems == []
    # The walk does reach the forms and the date fields it is meant to check.
    for expected in (
        "ProfileForm.date_of_birth",
        "AppealForm.appeal_decided_on",
        "NoticeForm.served_on",
        "IncidentForm.occurred_at",
        "StatsRangeForm.from",
        "DataviewFilter.added_to",
        "BulletinForm.body",
        "RejectForm.reason",
    ):
        assert expected in checked


def test_the_walk_finds_djangos_own_widgets() -> None:
    class Careless(forms.Form):
        on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
        at = forms.DateTimeField()
        text = forms.CharField(widget=forms.Textarea)

    assert wrong_widgets(Careless.base_fields) == [
        "on: DateInput",
        "at: DateTimeInput",
        "text: Textarea",
    ]


def test_no_module_builds_djangos_date_widgets_or_textarea_itself() -> None:
    """Not even in __init__, where the walk above cannot always look."""
    found = []
    for name in project_modules():
        path = Path(inspect.getfile(importlib.import_module(name)))
        if path in PIECES_HOME:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in DJANGO_PIECES
                and isinstance(node.value, ast.Name)
                and node.value.id in ("forms", "widgets")
            ):
                found.append(f"{name}:{node.lineno} {node.value.id}.{node.attr}")
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("django.forms"):
                for alias in node.names:
                    if alias.name in DJANGO_PIECES:
                        found.append(f"{name}:{node.lineno} imports {alias.name}")
    assert found == []


def test_pickers_render_iso_where_djangos_widgets_render_the_locale() -> None:
    class Both(forms.Form):
        plain = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
        iso = IsoDateField(earliest=lambda: date(2000, 1, 2), latest=lambda: date(2030, 3, 4))
        early = IsoDateField()
        at = IsoDateTimeField()

    initial = {
        "plain": date(2012, 5, 6),
        "iso": date(2012, 5, 6),
        "early": date(1, 1, 1),
        "at": timezone.make_aware(timezone.datetime(2026, 7, 1, 13, 45, 30)),  # BST
    }
    with translation.override("en-gb"):
        form = Both(initial=initial)
        assert 'value="06/05/2012"' in str(form["plain"])  # what a browser shows as empty
        iso = str(form["iso"])
        assert 'type="date"' in iso and 'value="2012-05-06"' in iso
        assert 'min="2000-01-02"' in iso and 'max="2030-03-04"' in iso
        assert 'value="0001-01-01"' in str(form["early"])
        at = str(form["at"])
        assert 'type="datetime-local"' in at and 'value="2026-07-01T13:45"' in at


def test_the_profile_form_shows_a_date_of_birth_the_browser_can_read(
    partnership_a: Partnership,
) -> None:
    profile = ProfileFactory(partnership=partnership_a, date_of_birth=date(2012, 5, 6))
    with translation.override("en-gb"):
        html = str(ProfileForm(instance=profile, partnership=partnership_a)["date_of_birth"])
    assert 'value="2012-05-06"' in html and f'max="{today().isoformat()}"' in html


# Bounds: each refused with 400 and a readable message, and nothing saved.


def refused(response: Any, message: str) -> None:
    assert response.status_code == 400
    assert message in response.content.decode()


def profile_data(**extra: Any) -> dict[str, Any]:
    return {"first_name": "Dean", "last_name": "Fletcher", "status": "known", **extra}


@pytest.mark.parametrize(
    ("date_of_birth", "message"),
    [
        ("future", "A date of birth cannot be in the future."),
        ("0001-01-01", "would make the person older than 120: check the year."),
        ("a day too early", "would make the person older than 120: check the year."),
    ],
)
def test_implausible_dates_of_birth_are_refused(
    partnership_a: Partnership, admin_a: User, date_of_birth: str, message: str
) -> None:
    value = {
        "future": (today() + timedelta(days=1)).isoformat(),
        "a day too early": (birth_date_bounds(today())[0] - timedelta(days=1)).isoformat(),
    }.get(date_of_birth, date_of_birth)
    client = client_for(admin_a)
    response = client.post("/p/alpha/profiles/new/", profile_data(date_of_birth=value))
    refused(response, message)
    assert not OffenderProfile.objects.exists()

    profile = ProfileFactory(partnership=partnership_a, date_of_birth=date(1990, 3, 14))
    response = client.post(
        f"/p/alpha/profiles/{profile.pk}/edit/",
        profile_data(first_name=profile.first_name, date_of_birth=value),
    )
    refused(response, message)
    profile.refresh_from_db()
    assert profile.date_of_birth == date(1990, 3, 14)


def test_the_bounds_themselves_are_plausible_dates_of_birth(
    partnership_a: Partnership, admin_a: User
) -> None:
    client = client_for(admin_a)
    bounds = birth_date_bounds(today())
    for value in bounds:
        response = client.post("/p/alpha/profiles/new/", profile_data(date_of_birth=value))
        assert response.status_code == 302
    assert set(OffenderProfile.objects.values_list("date_of_birth", flat=True)) == set(bounds)


def test_the_service_refuses_an_implausible_date_of_birth_but_archives_an_old_record(
    partnership_a: Partnership, admin_a: User
) -> None:
    profile = ProfileFactory(partnership=partnership_a)
    with pytest.raises(ValidationError) as error:
        services.profile_update(
            profile=profile, fields={"date_of_birth": date(1, 1, 1)}, actor=Actor(user=admin_a)
        )
    assert "older than 120" in str(error.value)
    # A record typed before the bounds existed can still be archived.
    OffenderProfile.objects.filter(pk=profile.pk).update(date_of_birth=date(1, 1, 1))
    profile.refresh_from_db()
    services.profile_archive(profile=profile, actor=Actor(user=admin_a))
    assert OffenderProfile.objects.get(pk=profile.pk).status == "archived"


@pytest.mark.parametrize(
    ("occurred_at", "message"),
    [
        ("0001-01-01T00:00", "That is before 1990: check the year."),
        ("1989-12-31T23:59", "That is before 1990: check the year."),
        ("in an hour", "That time is in the future."),
        ("9999-12-31T23:59", "That time is in the future."),
    ],
)
def test_incident_times_out_of_bounds_are_refused(
    partnership_a: Partnership, member_a: User, occurred_at: str, message: str
) -> None:
    if occurred_at == "in an hour":
        occurred_at = (timezone.localtime() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client_for(member_a).post(
        "/p/alpha/incidents/new/",
        {
            "occurred_at": occurred_at,
            "category": "theft",
            "description": "Took a bottle of gin.",
            "value_lost": "20",
            "value_recovered": "0",
        },
    )
    refused(response, message)
    assert not Incident.objects.exists()


def test_an_incident_on_the_first_day_of_1990_is_kept(
    partnership_a: Partnership, member_a: User
) -> None:
    response = client_for(member_a).post(
        "/p/alpha/incidents/new/",
        {
            "occurred_at": "1990-01-01T00:00",
            "category": "theft",
            "description": "An old report, typed up from the paper log.",
            "value_lost": "20",
            "value_recovered": "0",
        },
    )
    assert response.status_code == 302
    assert timezone.localtime(Incident.objects.get().occurred_at).year == 1990


@pytest.fixture
def subject(partnership_a: Partnership, admin_a: User) -> OffenderProfile:
    membership_of(admin_a, partnership_a)
    return ProfileFactory(partnership=partnership_a)


def notice_data(**extra: Any) -> dict[str, Any]:
    return {"kind": "warning", "reason": "Abuse towards staff", **extra}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"starts_on": "9999-12-31"}, "A notice starts within a year from today"),
        ({"starts_on": "0001-01-01"}, "A notice is recorded within a year of its start"),
        ({"starts_on": "far ahead"}, "A notice starts within a year from today"),
        ({"starts_on": "long ago"}, "A notice is recorded within a year of its start"),
        ({"starts_on": "today", "served_on": "0001-01-01"}, "is served at most 90 days before"),
        ({"starts_on": "today", "served_on": "years before"}, "is served at most 90 days before"),
        ({"starts_on": "today", "served_on": "tomorrow"}, "cannot have been served in the future"),
        ({"starts_on": "not a date"}, "Enter a valid date."),
    ],
)
def test_notice_dates_out_of_bounds_are_refused(
    subject: OffenderProfile, admin_a: User, fields: dict[str, str], message: str
) -> None:
    named = {
        "today": today(),
        "tomorrow": today() + timedelta(days=1),
        "far ahead": today() + timedelta(days=367),
        "long ago": today() - timedelta(days=367),
        "years before": today() - timedelta(days=3 * 365),
    }
    data = {k: str(named.get(v, v)) for k, v in fields.items()}
    response = client_for(admin_a).post(
        f"/p/alpha/profiles/{subject.pk}/notices/", notice_data(**data)
    )
    refused(response, message)
    # The form is shown again, open, with what was typed.
    assert "<details open>" in response.content.decode()
    assert not Exclusion.objects.exists()


def test_a_notice_served_before_it_starts_within_90_days_is_kept(
    subject: OffenderProfile, admin_a: User
) -> None:
    starts = today() + timedelta(days=30)
    response = client_for(admin_a).post(
        f"/p/alpha/profiles/{subject.pk}/notices/",
        notice_data(starts_on=starts, served_on=today() - timedelta(days=60)),
    )
    assert response.status_code == 302
    assert Exclusion.objects.get().starts_on == starts


def test_the_service_refuses_a_start_whose_end_no_calendar_has(
    subject: OffenderProfile, admin_a: User
) -> None:
    with pytest.raises(ValidationError) as error:
        services.exclusion_issue(
            profile=subject,
            kind="warning",
            reason="x",
            starts_on=date.max,
            actor=Actor(user=admin_a),
        )
    assert "too far in the future" in str(error.value)
    assert not Exclusion.objects.exists()


@pytest.fixture
def notice(subject: OffenderProfile, admin_a: User) -> Exclusion:
    return services.exclusion_issue(
        profile=subject,
        kind="exclusion",
        reason="Threatened staff",
        starts_on=today() - timedelta(days=20),
        served_on=today() - timedelta(days=20),
        actor=Actor(user=admin_a),
    )


@pytest.mark.parametrize(
    ("lodged", "decided", "message"),
    [
        (-5, -10, "An appeal cannot be decided before it was lodged."),
        (-30, -10, "An appeal cannot be lodged before the notice was served or started"),
        (1, None, "An appeal cannot be lodged in the future."),
        (-5, 1, "An appeal cannot be decided in the future."),
    ],
)
def test_appeal_dates_out_of_order_are_refused(
    notice: Exclusion, admin_a: User, lodged: int, decided: int | None, message: str
) -> None:
    data = {"appeal_lodged_on": today() + timedelta(days=lodged), "appeal_outcome": "dismissed"}
    if decided is not None:
        data["appeal_decided_on"] = today() + timedelta(days=decided)
    response = client_for(admin_a).post(f"/p/alpha/notices/{notice.pk}/", data)
    refused(response, message)
    stored = Exclusion.objects.get(pk=notice.pk)
    assert (stored.appeal_lodged_on, stored.appeal_outcome, stored.appeal_decided_on) == (
        None,
        "",
        None,
    )


@pytest.mark.parametrize(
    ("expires_on", "message"),
    [
        ("9999-12-31", "A profile stays in a gallery at most five years"),
        ("yesterday", "The date it stays until is already past."),
    ],
)
def test_gallery_placements_out_of_bounds_are_refused(
    subject: OffenderProfile,
    partnership_a: Partnership,
    admin_a: User,
    expires_on: str,
    message: str,
) -> None:
    if expires_on == "yesterday":
        expires_on = (today() - timedelta(days=1)).isoformat()
    gallery = GalleryFactory(partnership=partnership_a)
    response = client_for(admin_a).post(
        f"/p/alpha/profiles/{subject.pk}/galleries/",
        {"gallery": gallery.pk, "expires_on": expires_on},
    )
    refused(response, message)
    assert not subject.placements.exists()


def test_a_textarea_gives_back_the_line_breaks_it_was_shown_with() -> None:
    class Note(forms.Form):
        text = forms.CharField(widget=NormalisedTextarea)

    form = Note({"text": "Scar on the chin.\r\nLimps.\rTattoo."})
    assert form.is_valid()
    assert form.cleaned_data["text"] == "Scar on the chin.\nLimps.\nTattoo."

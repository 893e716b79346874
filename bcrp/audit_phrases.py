"""What each recorded action says in plain language ("viewed the photo of WB-00042"), and how the
records an event is about are named; apps register how to name their own records."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast

from bcrp.models import AuditEvent, User

ETHNICITY_FILTER = "dataview.filter_perceived_ethnicity"


@dataclass(frozen=True)
class Phrase:
    """`text` follows the person's name; `{object}` is the record's name, `{partner}` the other
    partnership's, any other `{key}` a value of the event's detail. `noun` stands in for the
    record when the action is offered as a filter choice."""

    text: str
    noun: str = ""

    def label(self) -> str:
        words = self.text.format_map(_Blank(object=self.noun, partner="a partnership"))
        return words[:1].upper() + words[1:]


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


PHRASES: dict[str, Phrase] = {
    "api_token.create": Phrase("created an API token"),
    "api_token.revoke": Phrase("revoked an API token"),
    "audit.export": Phrase("exported the audit trail"),
    "auth.locked_out": Phrase("was locked out after failed sign-ins"),
    "auth.login": Phrase("signed in"),
    "auth.login_failed": Phrase("failed to sign in"),
    "auth.logout": Phrase("signed out"),
    "auth.password_reset": Phrase("set a new password"),
    "auth.password_reset_request": Phrase("asked for a password reset"),
    "auth.session_ended": Phrase("was signed out at the end of the session"),
    "auth.two_factor": Phrase("gave a two-factor code"),
    "auth.two_factor_setup": Phrase("set up two-factor sign-in"),
    "bulletin.acknowledge": Phrase("acknowledged the bulletin {object}", "a bulletin"),
    "bulletin.change": Phrase("changed the bulletin {object}", "a bulletin"),
    "bulletin.digest_send": Phrase("sent the bulletin digest"),
    "bulletin.post": Phrase("posted the bulletin {object}", "a bulletin"),
    "bulletin.remind": Phrase(
        "reminded the members who had not read the bulletin {object}", "a bulletin"
    ),
    "bulletin.withdraw": Phrase("withdrew the bulletin {object}", "a bulletin"),
    "business.change": Phrase("changed the business {object}", "a business"),
    "business.create": Phrase("added the business {object}", "a business"),
    ETHNICITY_FILTER: Phrase("filtered the Dataview by perceived ethnicity ({code})"),
    "candidate.dismiss": Phrase(
        "decided that a candidate is not the same person as {object}", "a profile"
    ),
    "dataview.view": Phrase("viewed the Dataview"),
    "fairness.ethnicity_view": Phrase(
        "viewed the fairness report by perceived ethnicity ({format})"
    ),
    "gallery.briefing": Phrase("printed the briefing of the gallery {object}", "a gallery"),
    "gallery.change": Phrase("changed the gallery {object}", "a gallery"),
    "gallery.create": Phrase("created the gallery {object}", "a gallery"),
    "gallery.view": Phrase("viewed the gallery {object}", "a gallery"),
    "image.add": Phrase("added a photo to {object}", "a profile"),
    "image.delete": Phrase("deleted a photo of {object}", "a profile"),
    "image.move": Phrase("reordered the photos of {object}", "a profile"),
    "image.primary": Phrase("chose the main photo of {object}", "a profile"),
    "image.view": Phrase("viewed the photo of {object}", "a profile"),
    "impact.change": Phrase("changed the business impact statement {object}", "an incident"),
    "incident.accept": Phrase("accepted {object}", "an incident"),
    "incident.export": Phrase("exported the list of incidents"),
    "incident.link": Phrase("linked a profile to {object}", "an incident"),
    "incident.reject": Phrase("rejected {object}", "an incident"),
    "incident.photo_view": Phrase("viewed a photo of {object}", "an incident"),
    "incident.submit": Phrase("reported {object}", "an incident"),
    "incident.view": Phrase("viewed {object}", "an incident"),
    "invitation.create": Phrase("sent an invitation to join"),
    "invitation.revoke": Phrase("withdrew an invitation"),
    "membership.add": Phrase("added {object} to the partnership", "a person"),
    "member_group.change": Phrase("changed a member group"),
    "member_group.create": Phrase("made a member group"),
    "membership.change": Phrase("changed the role of {object}", "a person"),
    "membership.end": Phrase("removed {object} from the partnership", "a person"),
    "notice.appeal": Phrase("recorded an appeal against a notice on {object}", "a profile"),
    "notice.exclusion": Phrase("issued an exclusion notice on {object}", "a profile"),
    "notice.lapse": Phrase("recorded that a notice on {object} lapsed", "a profile"),
    "notice.warning": Phrase("issued a warning on {object}", "a profile"),
    "link.make": Phrase("confirmed {object} as the same person as another profile", "a profile"),
    "link.remove": Phrase("undid a same-person link of {object}", "a profile"),
    "answer.give": Phrase("answered an ID-sought profile with {object}", "a profile"),
    "answer.confirm": Phrase("confirmed an answer identifying {object}", "a profile"),
    "answer.decline": Phrase("declined an answer identifying {object}", "a profile"),
    "pack.download": Phrase("downloaded the evidence pack of {object}", "an incident"),
    "pack.request": Phrase("asked for an evidence pack of {object}", "an incident"),
    "partnership.create": Phrase("created the partnership {object}", "a partnership"),
    "partnership.settings_change": Phrase("changed the scheme's settings"),
    "documents.settings_change": Phrase("changed what the scheme's documents say"),
    "placement.change": Phrase("changed how long {object} stays in a gallery", "a profile"),
    "placement.add": Phrase("placed {object} in a gallery", "a profile"),
    "placement.remove": Phrase("took {object} out of a gallery", "a profile"),
    "placement.approve": Phrase(
        "approved the circulation of {object} to members, as second administrator", "a profile"
    ),
    "challenge.raise": Phrase(
        "challenged {object} as inaccurate, taking it out of circulation", "a profile"
    ),
    "challenge.upheld": Phrase(
        "upheld a challenge of {object}: it stays out until corrected", "a profile"
    ),
    "challenge.rejected": Phrase(
        "rejected a challenge of {object}, returning it to circulation", "a profile"
    ),
    "premises.change": Phrase("changed the premises {object}", "premises"),
    "premises.create": Phrase("added the premises {object}", "premises"),
    "profile.archive_retention": Phrase(
        "archived {object} at the end of its retention period", "a profile"
    ),
    "profile.change": Phrase("changed {object}", "a profile"),
    "profile.create": Phrase("created {object}", "a profile"),
    "profile.export_download": Phrase(
        "downloaded the subject access export of {object}", "a profile"
    ),
    "profile.export_request": Phrase("asked for a subject access export of {object}", "a profile"),
    "profile.merge": Phrase("merged {merged} into {object}", "a profile"),
    "profile.purge": Phrase("deleted {object} for good from the recycle bin", "a profile"),
    "profile.view": Phrase("viewed {object}", "a profile"),
    "profile_list.view": Phrase("viewed the list of profiles"),
    "sharing.accept": Phrase("agreed to share with {partner}"),
    "sharing.decline": Phrase("declined to share with {partner}"),
    "sharing.request": Phrase("asked {partner} to share"),
    "sharing.revoke": Phrase("stopped sharing with {partner}"),
    "sighting.record": Phrase("reported {object} as seen", "a profile"),
    "statement.change": Phrase("changed the witness statement {object}", "a statement"),
    "statement.draft": Phrase("drafted the witness statement {object}", "a statement"),
    "statement.new_version": Phrase(
        "started a new version of the witness statement {object}", "a statement"
    ),
    "statement.sign": Phrase("signed the witness statement {object}", "a statement"),
    "statement.view": Phrase("viewed the witness statement {object}", "a statement"),
    "subject_request.access": Phrase(
        "received a subject access request about {object} through a notice's public page",
        "a profile",
    ),
    "subject_request.appeal": Phrase(
        "received an appeal against a notice on {object} through its public page", "a profile"
    ),
    "subject_request.decide": Phrase(
        "decided a request about {object} made through a notice's public page: {outcome}",
        "a profile",
    ),
}

# How an event's record is named, by its object type (`app_label.model`): a factory of the
# expression that gives the name of the record whose text id is `object_id`, run in the query
# that reads the events so that a page costs the same whatever its records are.
NameOf = Callable[[Any], Subquery[Any]]
OBJECT_NAMES: dict[str, NameOf] = {}
# Names read from an event's detail, by the placeholder they fill ({partner}).
DETAIL_NAMES: dict[str, Callable[[], Subquery[Any]]] = {}


# How a filter finds records by what people call them ("profile" by reference): the object type
# and a query of the ids, as text, of the records a given name means.
OBJECT_FINDERS: dict[str, tuple[str, Callable[[str], QuerySet[Any]]]] = {}


def audit_finder_register(
    *, name: str, object_type: str, find: Callable[[str], QuerySet[Any]]
) -> None:
    OBJECT_FINDERS[name] = (object_type, find)


def audit_names_register(*, object_type: str, name_of: NameOf) -> None:
    OBJECT_NAMES[object_type] = name_of


def audit_detail_name_register(*, placeholder: str, name: Callable[[], Subquery[Any]]) -> None:
    DETAIL_NAMES[placeholder] = name


def user_name_of(object_id: Any) -> Subquery[Any]:
    return Subquery(User.objects.filter(pk=object_id).values("full_name")[:1])


audit_names_register(object_type=User._meta.label_lower, name_of=user_name_of)


def action_choices() -> list[tuple[str, str]]:
    """Every action as a filter choice, in alphabetical order of what it says."""
    return sorted(
        ((action, phrase.label()) for action, phrase in PHRASES.items()),
        key=lambda choice: choice[1],
    )


def audit_sentence(
    event: AuditEvent, *, object_name: str = "", partner_name: str = "", actor_name: str = ""
) -> str:
    """What happened, with the person first: "Jane Smith viewed the photo of WB-00042"."""
    phrase = PHRASES.get(event.action)
    if object_name:
        named = object_name
    elif event.object_id:
        named = f"{_noun_of_type(event.object_type)} {event.object_id}"
    else:
        named = ""
    values = _Blank(
        {key: str(value) for key, value in (event.detail or {}).items()},
        object=named,
        partner=partner_name or "a partnership",
    )
    text = phrase.text.format_map(values) if phrase else f"did {event.action} {named}".strip()
    who = actor_name or ("The platform" if event.actor_id is None else "A former user")
    return f"{who} {text}"


def _noun_of_type(object_type: str) -> str:
    """A record the registry cannot name is called by its kind and number ("incident 12")."""
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return "record"


def annotate_names(queryset: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
    """The events with `object_name` and each registered detail name, named in the same query."""
    record_id = Cast(OuterRef("object_id"), BigIntegerField())
    object_name = Case(
        *(
            When(object_type=object_type, then=name_of(record_id))
            for object_type, name_of in OBJECT_NAMES.items()
        ),
        default=Value(""),
        output_field=CharField(),
    )
    details = {f"{key}_name": name() for key, name in DETAIL_NAMES.items()}
    return queryset.annotate(object_name=object_name, **details)

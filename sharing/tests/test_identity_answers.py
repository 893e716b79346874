"""Answers to ID-sought profiles: given by a peer's administrator or officer with its own
profile, seen only by the two partnerships while they share, decided by the owner's
administrators; a confirmation links the two profiles."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from bcrp.actors import Actor
from bcrp.models import AuditEvent, User
from offenders.models import OffenderProfile, ProfileStatus
from partnerships.todo import todo_sections
from sharing import services
from sharing.answers import answer_decide, answer_give
from sharing.models import AnswerStatus, IdentityAnswer, ProfileLink
from sharing.selectors import answers_visible, links_visible
from sharing.tasks import answer_notify
from sharing.tests import test_links
from sharing.tests.test_links import Town, share
from tests.factories import ProfileFactory, membership_of
from tests.fixtures import client_for

Towns = tuple[Town, Town, Town]
# Three towns, each with an administrator, an officer, a member and a profile.
towns = test_links.towns


def give(town: Town, sought: OffenderProfile, known: OffenderProfile, user: User | None = None):  # type: ignore[no-untyped-def]
    user = user or town.admin
    return answer_give(
        membership=membership_of(user, town.partnership),
        sought_id=sought.pk,
        known_id=known.pk,
        note="Known to us for shop theft",
        actor=Actor(user=user, partnership=town.partnership),
    )


def decide(town: Town, answer: IdentityAnswer, *, confirm: bool, user: User | None = None):  # type: ignore[no-untyped-def]
    user = user or town.admin
    return answer_decide(
        membership=membership_of(user, town.partnership),
        answer_id=answer.pk,
        confirm=confirm,
        actor=Actor(user=user, partnership=town.partnership),
    )


def seen(town: Town, user: User | None = None) -> set[int]:
    membership = membership_of(user or town.admin, town.partnership)
    return set(answers_visible(membership=membership).values_list("pk", flat=True))


def sought_in(town: Town) -> OffenderProfile:
    return ProfileFactory(partnership=town.partnership, status=ProfileStatus.ID_SOUGHT)


def test_answers_are_seen_by_both_sides_only_while_they_share_and_never_by_a_third(
    towns: Towns,
) -> None:
    a, b, c = towns
    share(a, b)
    share(b, c)
    answer = give(b, sought_in(a), b.profile)
    assert seen(a) == seen(a, a.police) == {answer.pk}
    assert seen(b) == seen(b, b.police) == {answer.pk}
    # C shares with B but is no party, and does not share with A: it never sees the answer.
    assert seen(c) == set() == seen(a, a.member)
    assert (
        client_for(c.admin).get(f"/p/town-c/intelligence/answers/{answer.pk}/").status_code == 404
    )
    assert (
        client_for(b.police).get(f"/p/town-b/intelligence/answers/{answer.pk}/").status_code == 200
    )

    services.consent_revoke(partnership=a.partnership, partner=b.partnership, actor=a.actor())
    assert seen(a) == set() == seen(b)
    assert (
        client_for(a.admin).get(f"/p/town-a/intelligence/answers/{answer.pk}/").status_code == 404
    )
    with pytest.raises(ValidationError):  # nor can it be decided across the ended agreement
        decide(a, answer, confirm=True)
    assert not ProfileLink.objects.exists()


def test_answers_that_are_refused(towns: Towns) -> None:
    a, b, c = towns
    share(a, b)
    sought = sought_in(a)
    with pytest.raises(ValidationError, match="Only an ID-sought profile"):
        give(b, a.profile, b.profile)  # a.profile is known, not ID-sought
    with pytest.raises(ValidationError, match="one of your own"):
        give(a, sought, a.profile)  # one's own sought profile
    with pytest.raises(ValidationError, match="one of your own"):
        give(b, sought, ProfileFactory(partnership=a.partnership))  # not the answerer's profile
    for known in (
        ProfileFactory(partnership=b.partnership, local_only=True),
        ProfileFactory(partnership=b.partnership, age_min=15, age_max=17),
        ProfileFactory(partnership=b.partnership, status=ProfileStatus.ARCHIVED),
    ):
        with pytest.raises(ValidationError, match="not one you may see"):
            give(b, sought, known)
    for young_or_local in (
        ProfileFactory(
            partnership=a.partnership, status=ProfileStatus.ID_SOUGHT, age_min=14, age_max=16
        ),
        ProfileFactory(partnership=a.partnership, status=ProfileStatus.ID_SOUGHT, local_only=True),
    ):
        with pytest.raises(ValidationError, match="not one you may see"):
            give(b, young_or_local, b.profile)
    with pytest.raises(ValidationError, match="not one you may see"):
        give(c, sought, c.profile)  # C does not share with A
    with pytest.raises(ValidationError, match="administrators and police"):
        give(b, sought, b.profile, user=b.member)

    answer = give(b, sought, b.profile, user=b.police)  # police may answer
    with pytest.raises(ValidationError, match="already answered"):
        give(b, sought, b.profile)
    with pytest.raises(ValidationError, match="Only the administrators"):
        decide(a, answer, confirm=True, user=a.police)
    with pytest.raises(ValidationError, match="Only the administrators"):
        decide(b, answer, confirm=True)  # the answering side never decides
    assert IdentityAnswer.objects.get().status == AnswerStatus.WAITING


def test_pages_refuse_members_and_police_deciding(towns: Towns) -> None:
    a, b, _ = towns
    share(a, b)
    sought = sought_in(a)
    give_url = f"/p/town-b/intelligence/sought/{sought.pk}/answer/"
    assert client_for(b.member).get(give_url).status_code == 403
    assert client_for(b.police).get(give_url).status_code == 200
    # Your own sought profile is not answered from here.
    assert (
        client_for(a.admin).get(f"/p/town-a/intelligence/sought/{sought.pk}/answer/").status_code
        == 404
    )
    police = client_for(b.police)
    found = police.get(give_url, {"q": b.profile.reference})
    assert b.profile.reference in found.content.decode()
    response = police.post(
        f"{give_url}?q={b.profile.reference}", {"known": b.profile.pk, "note": "Seen often"}
    )
    answer = IdentityAnswer.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/answers/{answer.pk}/")

    decide_url = f"/p/town-a/intelligence/answers/{answer.pk}/confirm/"
    assert client_for(a.police).post(decide_url).status_code == 403
    assert client_for(a.member).post(decide_url).status_code == 403
    assert (
        client_for(b.admin).post(f"/p/town-b/intelligence/answers/{answer.pk}/confirm/").status_code
        == 404
    )
    assert IdentityAnswer.objects.get().status == AnswerStatus.WAITING


@pytest.mark.parametrize(
    "data",
    [
        {"known": "x"},
        {"known": str(2**70)},
        {"known": "1", "note": "n" * 301},
        {"known": "1", "note": "nul\x00byte"},
        {},
    ],
)
def test_bad_answers_are_refused_with_400(towns: Towns, data: dict[str, str]) -> None:
    a, b, _ = towns
    share(a, b)
    url = f"/p/town-b/intelligence/sought/{sought_in(a).pk}/answer/"
    response = client_for(b.admin).post(url, data)
    assert response.status_code == 400
    assert not IdentityAnswer.objects.exists()
    assert client_for(b.admin).get(url, {"q": "a\x00b"}).status_code == 400


def test_confirming_links_the_two_and_both_sides_see_the_outcome(towns: Towns) -> None:
    a, b, _ = towns
    share(a, b)
    sought = sought_in(a)
    answer = give(b, sought, b.profile)
    client = client_for(a.admin)
    page = client.get(f"/p/town-a/intelligence/answers/{answer.pk}/").content.decode()
    assert sought.reference in page and b.profile.reference in page and "Confirm" in page
    assert client.post(f"/p/town-a/intelligence/answers/{answer.pk}/confirm/").status_code == 302

    link = ProfileLink.objects.get()
    assert {link.first_id, link.second_id} == {sought.pk, b.profile.pk}
    assert link.source == "answer" and link.made_in == a.partnership
    assert {
        (x.first_id, x.second_id)
        for x in links_visible(membership=membership_of(b.admin, b.partnership))
    } == {(link.first_id, link.second_id)}
    with pytest.raises(ValidationError, match="already confirmed"):
        decide(a, answer, confirm=False)
    b_page = client_for(b.admin).get(f"/p/town-b/profiles/{b.profile.pk}/").content.decode()
    assert "Confirmed" in b_page and sought.reference in b_page
    actions = list(
        AuditEvent.objects.filter(action__startswith="answer.").values_list(
            "action", "partnership_id"
        )
    )
    assert sorted(actions) == [
        ("answer.confirm", a.partnership.pk),
        ("answer.give", b.partnership.pk),
    ]


def test_declining_links_nothing(towns: Towns) -> None:
    a, b, _ = towns
    share(a, b)
    answer = give(b, sought_in(a), b.profile)
    assert (
        client_for(a.admin).post(f"/p/town-a/intelligence/answers/{answer.pk}/decline/").status_code
        == 302
    )
    assert IdentityAnswer.objects.get().status == AnswerStatus.DECLINED
    assert not ProfileLink.objects.exists()
    assert AuditEvent.objects.filter(action="answer.decline").count() == 1


def test_the_owners_administrators_are_emailed_references_only(towns: Towns) -> None:
    a, b, _ = towns
    share(a, b)
    sought = sought_in(a)
    answer = give(b, sought, b.profile)
    mail.outbox.clear()
    assert answer_notify(answer.pk) == 1
    (message,) = mail.outbox
    assert message.to == [a.admin.email]  # A's administrator, not its officer or member
    assert message.subject == f"TownB Watch knows {sought.reference}: confirm or decline"
    assert f"/p/town-a/intelligence/answers/{answer.pk}/" in message.body
    for personal in (sought.first_name, b.profile.first_name, b.profile.reference, "shop theft"):
        assert personal not in message.body + message.subject
    assert answer_notify(10**9) == 0


def test_the_owners_administrators_find_it_on_their_to_do_list(towns: Towns) -> None:
    a, b, _ = towns
    share(a, b)
    sought = sought_in(a)
    answer = give(b, sought, b.profile)

    def texts(user: User, town: Town) -> list[str]:
        sections = todo_sections(
            membership=membership_of(user, town.partnership), since=answer.answered_at
        )
        return [item.text for section in sections for item in section.items]

    assert f"TownB Watch knows {sought.reference}: confirm or decline" in texts(a.admin, a)
    assert not any("knows" in text for text in texts(a.police, a) + texts(b.admin, b))
    decide(a, answer, confirm=False)
    assert not any("knows" in text for text in texts(a.admin, a))

"""The same-person matcher: each kind of variant it must see through, what counts against a
match, and the blocking keys that make two variants meet in a search."""

from __future__ import annotations

from datetime import date

import pytest

from sharing.matching import (
    CANDIDATE_THRESHOLD,
    ProfileFacts,
    match_keys,
    match_score,
    photo_distance,
)

TODAY = date(2026, 6, 1)
PHOTO = 0x1234_5678_9ABC_DEF0 - (1 << 63)


def facts(pk: int = 1, **fields: object) -> ProfileFacts:
    return ProfileFacts(id=pk, partnership_id=pk, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("one", "other", "reason"),
    [
        (
            {"first_name": "Bill"},
            {"first_name": "William"},
            "nickname of the same name: Bill / William",
        ),
        ({"first_name": "Steve"}, {"first_name": "Stephen"}, "nickname of the same name"),
        (
            {"first_name": "Steven"},
            {"first_name": "Stephen"},
            "first names sound alike: Steven / Stephen",
        ),
        ({"first_name": "Jonathon"}, {"first_name": "Jonathan"}, "nickname of the same name"),
        ({"first_name": "Michael"}, {"first_name": "Micheal"}, "first names"),
        ({"first_name": "Daz"}, {"first_name": "Darren"}, "nickname of the same name: Daz"),
        ({"first_name": "J"}, {"first_name": "James"}, "initial matches: J / James"),
        ({"last_name": "Smyth"}, {"last_name": "Smith"}, "surnames sound alike: Smyth / Smith"),
        ({"last_name": "Thomson"}, {"last_name": "Thompson"}, "surnames"),
        ({"last_name": "Robinsno"}, {"last_name": "Robinson"}, "surnames"),
    ],
)
def test_name_variants_are_recognised_and_said_in_plain_words(
    one: dict[str, str], other: dict[str, str], reason: str
) -> None:
    base = {"first_name": "James", "last_name": "Robinson", "date_of_birth": date(1990, 4, 9)}
    a, b = facts(1, **{**base, **one}), facts(2, **{**base, **other})
    match = match_score(a, b, TODAY)
    assert match.score >= CANDIDATE_THRESHOLD
    assert any(r.startswith(reason) for r in match.reasons), match.reasons
    assert match_keys(a) & match_keys(b), "the two variants must meet in a search"


def test_a_different_person_with_the_same_surname_scores_low() -> None:
    a = facts(1, first_name="James", last_name="Robinson", date_of_birth=date(1990, 4, 9))
    b = facts(2, first_name="Kyle", last_name="Robinson", date_of_birth=date(1975, 11, 30))
    assert match_score(a, b, TODAY).score < 0.2


def test_a_date_written_the_other_way_round_is_the_same_date() -> None:
    a = facts(1, last_name="Pike", date_of_birth=date(1991, 3, 7))
    b = facts(2, last_name="Pike", date_of_birth=date(1991, 7, 3))
    same = facts(3, last_name="Pike", date_of_birth=date(1991, 3, 7))
    swapped = match_score(a, b, TODAY)
    assert "same date of birth with day and month swapped: 07/03/1991 / 03/07/1991" in (
        swapped.reasons
    )
    assert "same date of birth" in match_score(a, same, TODAY).reasons
    assert match_score(a, same, TODAY).score > swapped.score
    assert match_keys(a) & match_keys(b) == match_keys(a) & match_keys(same)


def test_dates_of_birth_and_age_ranges_agree_or_count_against() -> None:
    named = {"first_name": "Dean", "last_name": "Walker"}
    born = facts(1, **named, date_of_birth=date(1996, 1, 15))  # 30 on TODAY
    fits = facts(2, **named, age_min=28, age_max=32)
    too_old = facts(3, **named, age_min=45, age_max=55)
    overlap = facts(4, **named, age_min=30, age_max=40)
    other_dob = facts(5, **named, date_of_birth=date(1970, 8, 20))
    assert "age 30 fits the apparent age 28 to 32" in match_score(born, fits, TODAY).reasons
    assert "apparent ages overlap" in match_score(fits, overlap, TODAY).reasons
    base = match_score(facts(6, **named), facts(7, **named), TODAY).score
    assert match_score(born, fits, TODAY).score > base
    assert match_score(born, too_old, TODAY).score < base
    assert match_score(born, other_dob, TODAY).score < 0.2


def test_near_photos_are_evidence_and_share_a_band_key() -> None:
    resaved = PHOTO ^ 0b1001_0000_0000_0001  # three bits apart
    a = facts(1, first_name="Tom", last_name="Hughes", phashes=(PHOTO,))
    b = facts(2, first_name="Thomas", last_name="Hughes", phashes=(resaved,))
    stranger = facts(3, first_name="Thomas", last_name="Hughes", phashes=(~PHOTO,))
    assert photo_distance(PHOTO, resaved) == 3
    assert "photos alike" in match_score(a, b, TODAY).reasons
    assert match_score(a, b, TODAY).score > match_score(a, stranger, TODAY).score
    assert {k for k in match_keys(a) & match_keys(b) if k.startswith("p")}
    assert not {k for k in match_keys(a) & match_keys(stranger) if k.startswith("p")}


def test_aliases_match_names_and_each_other() -> None:
    a = facts(
        1, first_name="Darren", last_name="Pike", aliases=("Dazza",), date_of_birth=date(1990, 2, 3)
    )
    b = facts(
        2,
        first_name="Daz",
        last_name="Smith",
        aliases=("Darren Pike",),
        date_of_birth=date(1990, 2, 3),
    )
    c = facts(3, first_name="Lee", last_name="Cooper", aliases=("dazza",))
    ab = match_score(a, b, TODAY)
    assert ab.reasons == [
        "known by the same name: Darren Pike / Darren Pike",
        "same date of birth",
    ]
    assert ab.score >= CANDIDATE_THRESHOLD
    assert "same alias: Dazza" in match_score(a, c, TODAY).reasons
    assert match_keys(a) & match_keys(b) and match_keys(a) & match_keys(c)


def test_profiles_without_names_dates_or_photos_have_no_keys_and_no_score() -> None:
    assert match_keys(facts(1)) == set()
    assert match_score(facts(1), facts(2), TODAY).score < 0.01

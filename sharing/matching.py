"""The same-person matcher: how alike two profiles are, in a score and plain reasons, and the
blocking keys that let a search read a few index ranges instead of every pair (MatchKey)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache

import jellyfish
from nicknames import NickNamer

from bcrp.names import normalise_name

# Profiles scoring at least this are offered as candidates (the review queue, a profile's page).
CANDIDATE_THRESHOLD = 0.7
# Four 16-bit bands: photos up to 3 bits apart always share a band, most re-saves (2 to 8 bits
# apart) share one, and a band is rare enough among unrelated photos to keep a block small.
PHOTO_BANDS = 4
PHOTO_BAND_BITS = 64 // PHOTO_BANDS
PHOTO_ALIKE_BITS = 8
PHOTO_CLOSE_BITS = 12
# How far a stated date of birth may fall outside an apparent age range and still fit it:
# apparent ages are guesses.
AGE_SLACK_YEARS = 2
KEY_LENGTH = 40


@dataclass(frozen=True)
class ProfileFacts:
    """What the matcher compares of a profile."""

    id: int
    partnership_id: int
    first_name: str = ""
    last_name: str = ""
    aliases: tuple[str, ...] = ()
    date_of_birth: date | None = None
    age_min: int | None = None
    age_max: int | None = None
    phashes: tuple[int, ...] = ()


@dataclass
class Match:
    score: float
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class NameForm:
    given: str
    surname: str
    shown: str


# British short forms the maintained list (nicknames) does not hold.
SHORT_FORMS = {
    "baz": "barry",
    "daz": "darren",
    "dazza": "darren",
    "gaz": "gary",
    "gazza": "gary",
    "kaz": "karen",
    "shaz": "sharon",
    "tel": "terry",
    "del": "derek",
    "jonno": "jonathan",
    "tommo": "thomas",
    "macca": "mcdonald",
}


@cache
def _nicknamer() -> NickNamer:
    return NickNamer()


def _words(value: str) -> list[str]:
    return [w for w in "".join(c if c.isalpha() or c == " " else " " for c in value).split() if w]


def name_forms(facts: ProfileFacts) -> tuple[NameForm, ...]:
    """The names a profile is known by: its own, then each alias of two or more words."""
    return _name_forms(facts.first_name, facts.last_name, facts.aliases)


# A search compares one profile with hundreds: its names are normalised once, not each time.
@lru_cache(maxsize=4096)
def _name_forms(first_name: str, last_name: str, aliases: tuple[str, ...]) -> tuple[NameForm, ...]:
    forms = []
    given = " ".join(_words(normalise_name(first_name)))
    surname = "".join(_words(normalise_name(last_name)))
    if given or surname:
        shown = " ".join(p for p in (first_name.strip(), last_name.strip()) if p)
        forms.append(NameForm(given.split(" ")[0] if given else "", surname, shown))
    for alias in aliases:
        words = _words(normalise_name(alias))
        if len(words) >= 2:
            forms.append(NameForm(words[0], words[-1], alias.strip()))
    return tuple(forms)


def single_aliases(facts: ProfileFacts) -> frozenset[str]:
    """One-word aliases (street names such as "Dazza"), normalised."""
    return _single_aliases(facts.aliases)


@lru_cache(maxsize=4096)
def _single_aliases(aliases: tuple[str, ...]) -> frozenset[str]:
    return frozenset(
        words[0] for alias in aliases if len(words := _words(normalise_name(alias))) == 1
    )


@cache
def given_roots(given: str) -> frozenset[str]:
    """A given name with the full names it may be short for: "bill" -> bill, william, ..."""
    if len(given) <= 1:
        return frozenset({given})
    short = {SHORT_FORMS[given]} if given in SHORT_FORMS else set()
    return frozenset({given, *short, *_nicknamer().canonicals_of(given)})


@cache
def _sound(word: str) -> tuple[str, str]:
    return jellyfish.metaphone(word), jellyfish.nysiis(word)


def _close_spelling(a: str, b: str) -> bool:
    if min(len(a), len(b)) < 4:
        return False
    return jellyfish.damerau_levenshtein_distance(a, b) <= 1 or (
        jellyfish.jaro_winkler_similarity(a, b) >= 0.93
    )


def _sounds_alike(a: str, b: str) -> bool:
    sa, sb = _sound(a), _sound(b)
    return sa[0] == sb[0] or sa[1] == sb[1]


def _given_evidence(a: str, b: str, a_shown: str, b_shown: str) -> tuple[float, str | None]:
    if not a or not b:
        return 0.0, None
    if a == b:
        return 2.0, "same first name"
    if len(a) == 1 or len(b) == 1:
        if a[0] == b[0]:
            return 0.9, f"initial matches: {a_shown} / {b_shown}"
        return -1.0, None
    if given_roots(a) & given_roots(b):
        return 1.8, f"nickname of the same name: {a_shown} / {b_shown}"
    if _sounds_alike(a, b):
        return 1.6, f"first names sound alike: {a_shown} / {b_shown}"
    if _close_spelling(a, b):
        return 1.3, f"first names spelt alike: {a_shown} / {b_shown}"
    return -1.5, None


def _surname_evidence(a: str, b: str, a_shown: str, b_shown: str) -> tuple[float, str | None]:
    if not a or not b:
        return 0.0, None
    if a == b:
        return 3.0, "same surname"
    if _sounds_alike(a, b):
        return 2.3, f"surnames sound alike: {a_shown} / {b_shown}"
    if _close_spelling(a, b):
        return 2.0, f"surnames spelt alike: {a_shown} / {b_shown}"
    return -2.0, None


def _first_word(shown: str) -> str:
    return shown.split(" ")[0] if shown else ""


def _last_word(shown: str) -> str:
    return shown.split(" ")[-1] if shown else ""


def _names_evidence(a: ProfileFacts, b: ProfileFacts) -> tuple[float, list[str]]:
    best: tuple[float, list[str]] = (0.0, [])
    found = False
    for ia, fa in enumerate(name_forms(a)):
        for ib, fb in enumerate(name_forms(b)):
            given, given_reason = _given_evidence(
                fa.given, fb.given, _first_word(fa.shown), _first_word(fb.shown)
            )
            surname, surname_reason = _surname_evidence(
                fa.surname, fb.surname, _last_word(fa.shown), _last_word(fb.shown)
            )
            points = given + surname
            reasons = [r for r in (given_reason, surname_reason) if r]
            if (ia or ib) and points > 0:
                reasons = [f"known by the same name: {fa.shown} / {fb.shown}"]
            if not found or points > best[0]:
                best, found = (points, reasons), True
    common = single_aliases(a) & single_aliases(b)
    if common:
        points, reasons = best
        best = (points + 1.5, [*reasons, f"same alias: {sorted(common)[0].title()}"])
    return best


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _swapped(d: date) -> date | None:
    if d.day > 12 or d.day == d.month:
        return None
    try:
        return d.replace(month=d.day, day=d.month)
    except ValueError:
        return None


def _dates_evidence(a: ProfileFacts, b: ProfileFacts, today: date) -> tuple[float, str | None]:
    if a.date_of_birth and b.date_of_birth:
        if a.date_of_birth == b.date_of_birth:
            return 3.0, "same date of birth"
        if _swapped(a.date_of_birth) == b.date_of_birth:
            return 2.2, (
                "same date of birth with day and month swapped: "
                f"{a.date_of_birth:%d/%m/%Y} / {b.date_of_birth:%d/%m/%Y}"
            )
        if abs(a.date_of_birth.year - b.date_of_birth.year) <= 1 and (
            a.date_of_birth.month == b.date_of_birth.month
            or a.date_of_birth.day == b.date_of_birth.day
        ):
            return 0.5, None
        return -3.0, None
    for born, other in ((a.date_of_birth, b), (b.date_of_birth, a)):
        if born is not None and other.age_min is not None and other.age_max is not None:
            age = _age_on(born, today)
            if other.age_min - AGE_SLACK_YEARS <= age <= other.age_max + AGE_SLACK_YEARS:
                return 0.6, f"age {age} fits the apparent age {other.age_min} to {other.age_max}"
            return -2.0, None
    if (
        a.age_min is not None
        and a.age_max is not None
        and b.age_min is not None
        and b.age_max is not None
    ):
        if a.age_min <= b.age_max and b.age_min <= a.age_max:
            return 0.4, "apparent ages overlap"
        if a.age_min - AGE_SLACK_YEARS > b.age_max or b.age_min - AGE_SLACK_YEARS > a.age_max:
            return -1.5, None
    return 0.0, None


def photo_distance(a: int, b: int) -> int:
    """Bits that differ between two 64-bit perceptual hashes (stored signed)."""
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


def _photos_evidence(a: ProfileFacts, b: ProfileFacts) -> tuple[float, str | None]:
    if not a.phashes or not b.phashes:
        return 0.0, None
    nearest = min(photo_distance(x, y) for x in a.phashes for y in b.phashes)
    if nearest <= PHOTO_ALIKE_BITS:
        return 4.0, "photos alike"
    if nearest <= PHOTO_CLOSE_BITS:
        return 1.5, "photos somewhat alike"
    return 0.0, None


def match_score(a: ProfileFacts, b: ProfileFacts, today: date) -> Match:
    """How likely two profiles are the same person, in [0, 1], with the reasons for it."""
    names, reasons = _names_evidence(a, b)
    dates, date_reason = _dates_evidence(a, b, today)
    photos, photo_reason = _photos_evidence(a, b)
    points = names + dates + photos
    # Five points (a full name in common with nothing against it) is an even chance; no
    # evidence here makes it certain, which is why a person decides.
    score = min(1 / (1 + math.exp(-(points - 5.0))), 0.99)
    return Match(
        score=round(score, 4), reasons=[*reasons, *(r for r in (date_reason, photo_reason) if r)]
    )


def _initials(given: str) -> set[str]:
    if not given:
        return {""}
    return {root[0] for root in given_roots(given)}


def photo_bands(phash: int) -> list[str]:
    unsigned = phash & ((1 << 64) - 1)
    mask = (1 << PHOTO_BAND_BITS) - 1
    return [
        f"p{band}:{(unsigned >> (band * PHOTO_BAND_BITS)) & mask:04x}"
        for band in range(PHOTO_BANDS)
    ]


def match_keys(facts: ProfileFacts) -> set[str]:
    """The blocking keys of a profile: two profiles are compared only when they share one."""
    keys: set[str] = set()
    year = facts.date_of_birth.year if facts.date_of_birth else None
    for form in name_forms(facts):
        if form.surname:
            sound = _sound(form.surname)[0] or form.surname
            for initial in _initials(form.given):
                keys.add(f"s:{sound}:{initial}")
                # A typo changes one end of a surname, rarely both.
                if len(form.surname) >= 5:
                    keys.add(f"h:{form.surname[:3]}:{initial}")
                    keys.add(f"t:{form.surname[-3:]}:{initial}")
        if form.given and len(form.given) > 1 and year is not None:
            for root in given_roots(form.given):
                keys.add(f"g:{_sound(root)[0] or root}:{year}")
    keys.update(f"a:{alias}" for alias in single_aliases(facts))
    if facts.date_of_birth is not None:
        d = facts.date_of_birth
        # The same key for a date written day-first and month-first.
        keys.add(f"d:{d.year}:{min(d.day, d.month)}:{max(d.day, d.month)}")
    for phash in facts.phashes:
        keys.update(photo_bands(phash))
    return {key[:KEY_LENGTH] for key in keys}

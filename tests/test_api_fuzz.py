"""Schemathesis, run against a live server, finds nothing wrong with the API.

Every operation of the OpenAPI document is sent generated requests (valid ones, and ones that
break the schema on purpose) with the token of an administrator, a member and a police liaison
officer of one partnership, and with an outsider's token (an administrator of another
partnership, at this one's addresses). Every answer must conform to the document: no server
error, a documented status code and content type, a body matching its schema. The run's
stateful phase follows the links the document declares (the list to a profile, a profile to
its photos...): between the four runs every link from a read is followed at least once.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from bcrp.actors import Actor
from bcrp.models import User
from bulletins.services import bulletin_post
from offenders import services as offender_services
from partnerships.models import Partnership, Role
from sharing import services as sharing_services
from tests.factories import (
    BusinessFactory,
    GalleryFactory,
    PremisesFactory,
    ProfileFactory,
    api_token_for,
    image_on,
    incident_reported,
    membership_of,
    person_in,
)

pytestmark = pytest.mark.django_db(transaction=True)

ST = Path(sys.executable).parent / "st"
# Every check schemathesis has but one: `positive_data_acceptance` expects any request the
# schema allows to succeed, but a well-formed id of a gallery or partnership that is not this
# one's is rightly refused with a 400 naming the field.
EXCLUDED_CHECKS = "positive_data_acceptance"
EXAMPLES = 12
FUZZ_SEED = 11
# The stateful phase draws a random walk along the links. One walk of a few hundred scenarios
# left a link two steps from a list (a profile's thumbnail, the first partner) undrawn in some
# runs, as the records' ids, and so the walk, differ from run to run; three walks of 150 with
# different seeds (each with its own draws) have drawn every link in every run so far.
STATEFUL_SEEDS = (29, 47, 71)
STATEFUL_EXAMPLES = 150


@pytest.fixture
def fuzz_world(
    settings: Any,
    partnership_a: Partnership,
    partnership_b: Partnership,
    admin_a: User,
    member_a: User,
    police_a: User,
    admin_b: User,
) -> dict[str, str]:
    """Alpha shares with Bravo; each has profiles with photos, galleries, a notice, incidents
    and a bulletin. Returns a token per person, every scope their role may hold."""
    settings.API_RATE = "100000/minute"  # the fuzzer's pace is not what is being tested
    sharing_services.consent_request(
        partnership=partnership_a,
        partner=partnership_b,
        agreement_reference="ISA-1",
        actor=Actor(user=admin_a),
    )
    sharing_services.consent_accept(
        partnership=partnership_b, partner=partnership_a, actor=Actor(user=admin_b)
    )
    for partnership, admin in ((partnership_a, admin_a), (partnership_b, admin_b)):
        gallery = GalleryFactory(partnership=partnership)
        for seed in range(3):
            profile = ProfileFactory(partnership=partnership)
            image_on(profile, admin, seed=seed + 1)
            offender_services.placement_add(
                profile=profile, gallery=gallery, actor=Actor(user=admin)
            )
        offender_services.exclusion_issue(
            profile=profile, kind="warning", reason="Theft", actor=Actor(user=admin)
        )
        bulletin_post(
            partnership=partnership,
            title="Watch for a man in a red coat",
            body="Seen at two shops today.",
            critical=False,
            actor=Actor(user=admin),
        )
    premises = PremisesFactory(business=BusinessFactory(partnership=partnership_a))
    membership = membership_of(member_a, partnership_a)
    membership.premises = premises
    membership.business = premises.business
    membership.save()
    incident_reported(membership, photos=1)
    incident_reported(membership_of(person_in(partnership_b, Role.MEMBER), partnership_b))
    return {
        "admin": api_token_for(admin_a, partnership_a),
        "member": api_token_for(member_a, partnership_a),
        "police": api_token_for(police_a, partnership_a),
        "outsider": api_token_for(admin_b, partnership_b),
    }


def schemathesis_start(
    base_url: str, token: str, report_dir: Path, *, stateful: bool, outsider: bool, seed: int
) -> subprocess.Popen[str]:
    """One schemathesis run over the whole document as the token's holder, at /p/alpha/.

    The stateful phase runs on its own, with valid requests only: schemathesis counts a step
    whose invalid part a link then replaces with a real value as "schema-violating request
    accepted" (schemathesis/schemathesis#2983). The other phases send invalid requests too.
    """
    excluded = [EXCLUDED_CHECKS]
    if stateful:
        # With valid requests only, that check has nothing to find but its own mistake.
        excluded.append("negative_data_rejection")
    if outsider:
        # An outsider is told 404 before anything else, not which header they left out.
        excluded.append("missing_required_header")
    report_dir.mkdir(parents=True)
    config = report_dir / "schemathesis.toml"
    # No cache: a run leaves nothing behind in the checkout.
    config.write_text(
        '[cache]\nenabled = false\n\n[parameters]\n"path.slug" = "alpha"\n\n'
        # The links the document declares, not guessed ones, share the stateful phase's steps.
        "[phases.stateful.inference]\nalgorithms = []\n"
    )
    phases = (
        ["--phases", "stateful", "--mode", "positive"]
        if stateful
        else ["--phases", "examples,coverage,fuzzing", "--mode", "all"]
    )
    return subprocess.Popen(
        [
            str(ST),
            "--config-file",
            str(config),
            "run",
            f"{base_url}/api/v1/schema/",
            "--header",
            f"Authorization: Bearer {token}",
            *phases,
            "--checks",
            "all",
            "--exclude-checks",
            ",".join(excluded),
            "--max-examples",
            str(STATEFUL_EXAMPLES if stateful else EXAMPLES),
            "--seed",
            str(seed),
            "--generation-database",
            "none",
            "--no-color",
            "--report",
            "ndjson",
            "--report-dir",
            str(report_dir),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def report_events(report_dir: Path) -> list[Any]:
    return [
        json.loads(line)
        for path in report_dir.glob("*.ndjson")
        for line in path.read_text().splitlines()
        if line.strip()
    ]


def declared_links(schema: dict[str, Any], *, status: str) -> set[str]:
    """The names of the links declared on responses with `status`."""
    return {
        name
        for path_item in schema["paths"].values()
        for operation in path_item.values()
        for code, response in operation.get("responses", {}).items()
        if code == status
        for name in response.get("links", {})
    }


def links_followed(events: list[Any]) -> Iterator[str]:
    """The declared (not inferred) links the stateful phase applied."""
    for event in events:
        finished = event.get("ScenarioFinished")
        if not finished or finished["phase"] != "stateful":
            continue
        for case in (finished["recorder"].get("cases") or {}).values():
            transition = case.get("transition")
            if transition and not transition["is_inferred"] and case["is_transition_applied"]:
                # "GET /a -> [200] LinkName -> GET /b"
                yield transition["id"].split(" -> ")[1].split("] ", 1)[1]


def test_schemathesis_finds_nothing_for_any_role(
    live_server: Any, fuzz_world: dict[str, str], tmp_path: Path
) -> None:
    schema = Client().get("/api/v1/schema/?format=json").json()
    # Links from a read are followed by schemathesis. Links from a 201 need a body the rules
    # accept (a time in the past, premises of this partnership...), which the fuzzer reaches
    # too rarely: each app's API tests follow those (an incident's Location, a new notice's
    # reading and appeal).
    declared = declared_links(schema, status="200")
    assert len(declared) >= 3, declared
    assert declared_links(schema, status="201"), "the create operations declare their links"
    runs = {
        (person, seed): schemathesis_start(
            live_server.url,
            token,
            tmp_path / f"{person}-{seed}",
            stateful=seed in STATEFUL_SEEDS,
            outsider=person == "outsider",
            seed=seed,
        )
        for person, token in fuzz_world.items()
        for seed in (FUZZ_SEED, *STATEFUL_SEEDS)
    }
    followed: set[str] = set()
    for (person, seed), process in runs.items():
        output, _ = process.communicate(timeout=1200)
        assert process.returncode == 0, f"schemathesis as {person}:\n{output[-6000:]}"
        events = report_events(tmp_path / f"{person}-{seed}")
        phases = {
            event["PhaseFinished"]["phase"]["name"]: event["PhaseFinished"]["status"]
            for event in events
            if "PhaseFinished" in event
        }
        expected = ["stateful"] if seed in STATEFUL_SEEDS else ["coverage", "fuzzing"]
        for phase in expected:
            assert phases.get(phase) == "success", (person, phases)
        followed |= set(links_followed(events))
    assert followed >= declared, f"never followed: {sorted(declared - followed)}"

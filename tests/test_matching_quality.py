"""The matcher measured on a seeded network with planted people (devtools.network).

Three partnerships that all share, a few hundred profiles each with its own portrait, and people
planted in two or three of them under name variants, dates written the other way round or only
an apparent age range, and re-saved photos. The figures (devtools.network.matcher_figures):

- found: of every planted profile and each of its twins, the share whose twin is among the
  profile's top 5 candidates scoring at least the shown threshold: at least 95%;
- wrong: of every profile in the network that has any candidate at or above the threshold, the
  share whose top candidate is not one of its planted twins: at most 5%.
"""

from __future__ import annotations

import pytest

from devtools.network import NetworkSpec, matcher_figures, network_seed
from offenders.models import OffenderProfile


@pytest.mark.django_db(transaction=False)
def test_planted_people_are_found_and_top_candidates_are_rarely_wrong() -> None:
    spec = NetworkSpec(
        partnerships=3,
        profiles_per=300,
        density=1.0,
        seed=11,
        prefix="quality",
        distinct_portraits=True,
        planted=60,
    )
    network = network_seed(spec)
    assert len(network.planted) == 60
    assert {len(ids) for ids in network.planted} == {2, 3}
    everyone = list(OffenderProfile.objects.values_list("pk", flat=True))
    figures = matcher_figures(network, sample=everyone)
    print(
        f"found {figures.found_in_top5}/{figures.planted_pairs} ({figures.recall:.1%}); "
        f"top candidate wrong {figures.top_wrong}/{figures.profiles_with_candidates} "
        f"({figures.wrong_share:.1%})"
    )
    assert figures.recall >= 0.95
    assert figures.wrong_share <= 0.05

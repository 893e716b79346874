"""What a profile merge moves in incidents: the offender links of incidents and the evidence
packs built for the merged profile (registered with offenders.merge, below this app)."""

from __future__ import annotations

from incidents.models import EvidencePack, IncidentOffender, OffenderRole
from offenders.merge import merge_mover_register
from offenders.models import OffenderProfile


@merge_mover_register
def incident_links_move(kept: OffenderProfile, merged: OffenderProfile) -> dict[str, int]:
    """An incident naming both keeps one link, "identified" if either was."""
    moved = 0
    kept_links = {link.incident_id: link for link in IncidentOffender.objects.filter(profile=kept)}
    for link in IncidentOffender.objects.filter(profile=merged):
        mine = kept_links.get(link.incident_id)
        if mine is None:
            IncidentOffender.objects.filter(pk=link.pk).update(profile=kept)
            moved += 1
            continue
        if link.role == OffenderRole.IDENTIFIED and mine.role != OffenderRole.IDENTIFIED:
            IncidentOffender.objects.filter(pk=mine.pk).update(role=OffenderRole.IDENTIFIED)
        link.delete()
    packs = EvidencePack.objects.filter(profile=merged).update(profile=kept)
    return {"incidents": moved, "evidence packs": packs}

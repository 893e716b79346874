"""Background work for incidents: photo thumbnails, evidence packs, and the sweeps that find
lost work."""

from datetime import timedelta

from celery import shared_task

from incidents.models import IncidentPhoto
from incidents.packs import pack_build, packs_sweep
from photos.services import photos_requeue, thumbnail_process

SWEEP_AFTER = timedelta(minutes=2)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def incident_photo_process(photo_id: int) -> bool:
    return thumbnail_process(IncidentPhoto, photo_id)


@shared_task(acks_late=True, ignore_result=True)
def incident_photos_sweep(older_than: float = SWEEP_AFTER.total_seconds()) -> int:
    """Queue every photo whose thumbnail was never made (the broker or workers were down)."""
    return photos_requeue(IncidentPhoto, incident_photo_process, timedelta(seconds=older_than))


@shared_task(acks_late=True)
def evidence_pack_build(pack_id: int) -> bool:
    return pack_build(pack_id)


@shared_task(acks_late=True, ignore_result=True)
def evidence_packs_sweep() -> int:
    """Every 15 minutes: delete packs past their keeping time; re-queue any lost builds."""
    deleted, lost = packs_sweep()
    for pack_id in lost:
        evidence_pack_build.delay(pack_id)
    return deleted

"""Background work for incidents: photo thumbnails, and the sweep that finds lost work."""

from datetime import timedelta

from celery import shared_task

from incidents.models import IncidentPhoto
from photos.services import photos_requeue, thumbnail_process

SWEEP_AFTER = timedelta(minutes=2)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def incident_photo_process(photo_id: int) -> bool:
    return thumbnail_process(IncidentPhoto, photo_id)


@shared_task(acks_late=True, ignore_result=True)
def incident_photos_sweep(older_than: float = SWEEP_AFTER.total_seconds()) -> int:
    """Queue every photo whose thumbnail was never made (the broker or workers were down)."""
    return photos_requeue(IncidentPhoto, incident_photo_process, timedelta(seconds=older_than))

"""Background work for incidents: photo thumbnails, and the sweep that finds lost work."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from incidents.models import IncidentPhoto
from offenders.services import thumbnail_process

SWEEP_AFTER = timedelta(minutes=2)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def incident_photo_process(photo_id: int) -> bool:
    return thumbnail_process(IncidentPhoto, photo_id)


@shared_task(acks_late=True, ignore_result=True)
def incident_photos_sweep(older_than: float = SWEEP_AFTER.total_seconds()) -> int:
    """Queue every photo whose thumbnail was never made (the broker or workers were down)."""
    stale = IncidentPhoto.objects.filter(
        processed_at=None, created_at__lt=timezone.now() - timedelta(seconds=older_than)
    ).values_list("pk", flat=True)
    count = 0
    for photo_id in stale.iterator():
        incident_photo_process.delay(photo_id)
        count += 1
    return count

"""Background work for offender profiles: each task loads by id or sweeps, and calls a service."""

from datetime import timedelta

from celery import shared_task

from offenders.exports import export_build, exports_sweep
from offenders.models import OffenderImage
from offenders.retention import retention_run
from offenders.services import exclusions_lapse, image_process_now
from photos.services import photos_requeue

SWEEP_AFTER = timedelta(minutes=5)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def image_process(image_id: int) -> bool:
    return image_process_now(image_id)


@shared_task(acks_late=True, ignore_result=True)
def images_sweep() -> int:
    """Re-queue photos whose thumbnail was never made (the broker or a worker was down)."""
    return photos_requeue(OffenderImage, image_process, SWEEP_AFTER)


@shared_task(acks_late=True)
def notices_lapse() -> int:
    """Daily: warnings and exclusions past their end date lapse."""
    return exclusions_lapse()


@shared_task(acks_late=True)
def retention_sweep() -> dict[str, int]:
    """Daily: archive profiles past their partnership's retention period; purge the recycle bin."""
    run = retention_run()
    return {"archived": run.archived, "purged": run.purged}


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def subject_export_build(export_id: int) -> bool:
    return export_build(export_id)


@shared_task(acks_late=True, ignore_result=True)
def subject_exports_sweep() -> int:
    """Every 15 minutes: delete exports past their keeping time; re-queue any lost tasks."""
    deleted, lost = exports_sweep()
    for export_id in lost:
        subject_export_build.delay(export_id)
    return deleted

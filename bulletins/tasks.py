"""Background work for bulletins: each task calls a service, imported in its body."""

from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def bulletin_digest_weekly() -> int:
    """Mondays: each partnership's members get the week's new ID-sought and excluded people.
    A retry skips the partnerships already sent."""
    from bulletins.services import digest_send_all

    return digest_send_all()


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def bulletin_remind_send(reminder_id: int) -> int:
    """E-mail the members who have not acknowledged a critical bulletin; a re-run sends nothing."""
    from bulletins.services import reminder_send

    return reminder_send(reminder_id=reminder_id)

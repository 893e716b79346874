"""Platform-wide background work."""

import time

from celery import shared_task

from bcrp.health import BEAT_HEARTBEAT_KEY, redis_client
from bcrp.passwords import password_reset_email


@shared_task(acks_late=True, ignore_result=True)
def beat_heartbeat() -> None:
    """Run by celery beat every minute so /healthz can tell that beat is alive."""
    redis_client().set(BEAT_HEARTBEAT_KEY, str(time.time()), ex=3600)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def password_reset_send(user_id: int) -> bool:
    return password_reset_email(user_id)

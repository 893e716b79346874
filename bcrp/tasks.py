"""Platform-wide background work."""

import time

from celery import shared_task

from bcrp.health import BEAT_HEARTBEAT_KEY, redis_client


@shared_task(acks_late=True, ignore_result=True)
def beat_heartbeat() -> None:
    """Run by celery beat every minute so /healthz can tell that beat is alive."""
    redis_client().set(BEAT_HEARTBEAT_KEY, str(time.time()), ex=3600)

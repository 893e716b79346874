"""Enqueueing background work so that a down broker never loses or fails a user's request.

Work is sent only after the transaction commits. If the broker cannot be reached the error is
logged and swallowed: the database row is the record of work to do, and each kind of work has
a sweep (beat) that finds what was never processed.

Services name the task they queue (its module path) rather than import it: a task imports the
service it calls, and an import back would close a circle.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)

# Fail fast when Redis is unreachable: a person is waiting for the page.
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


def enqueue_on_commit(task_name: str, *args: Any) -> None:
    """Queue the task named `task_name` ("offenders.tasks.image_process") once committed."""

    def send() -> None:
        try:
            current_app.send_task(task_name, args=args, retry=True, retry_policy=PUBLISH_RETRY)
        except Exception:
            logger.warning("could not queue %s%r; its sweep will pick it up", task_name, args)

    transaction.on_commit(send)

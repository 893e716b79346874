"""Enqueueing background work so that a down broker never loses or fails a user's request.

Work is sent only after the transaction commits. If the broker cannot be reached the error is
logged and swallowed: the database row is the record of work to do, and each kind of work has
a sweep (beat) that finds what was never processed.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

# Fail fast when Redis is unreachable: a person is waiting for the page.
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


def enqueue_on_commit(task: Any, *args: Any) -> None:
    def send() -> None:
        try:
            task.apply_async(args=args, retry=True, retry_policy=PUBLISH_RETRY)
        except Exception:
            logger.warning("could not queue %s%r; its sweep will pick it up", task.name, args)

    transaction.on_commit(send)

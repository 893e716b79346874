"""Sign-ins: Django's database sessions and model backend, each reading its row on every request
by a query compiled once per process (bcrp.prepared) rather than built anew. What they read,
and when a session or a person counts as gone, is Django's own."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth import backends
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db.models import QuerySet
from django.utils import timezone

from bcrp.models import User
from bcrp.prepared import PreparedQuery


def _session(*, session_key: str, now: datetime) -> QuerySet[Session]:
    return Session.objects.filter(session_key=session_key, expire_date__gt=now)


def _user(*, pk: int) -> QuerySet[User]:
    return User._default_manager.filter(pk=pk)


_SESSION: PreparedQuery[Session] = PreparedQuery(_session, session_key=str, now=datetime)
_USER: PreparedQuery[User] = PreparedQuery(_user, pk=int)


class SessionStore(db.SessionStore):
    """settings.SESSION_ENGINE is this module."""

    def _get_session_from_db(self) -> Any:
        found = _SESSION.objects(session_key=self.session_key, now=timezone.now())
        if found:
            return found[0]
        self._session_key = None
        return None


class ModelBackend(backends.ModelBackend):
    """Django's, with the person behind a session read by a prepared query."""

    def get_user(self, user_id: Any) -> Any:
        found = _USER.objects(pk=user_id)
        if found and self.user_can_authenticate(found[0]):
            return found[0]
        return None

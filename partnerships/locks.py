"""The sharing lock: who may see a partnership's profiles changes only under its row lock.

The rule: every write that can change who sees a profile (consents, profile create and update,
archive, restore, local only, date of birth, retention, birthday sync, memberships, and anything
else that calls sharing.permissions) begins its transaction with `partnerships_lock` for every
partnership whose profiles or consents it touches, before any statement that reads the state the
guardian rows are computed from. Under READ COMMITTED each statement then sees the other writer's
committed change, so two writers cannot both compute from a world without the other's change
(a revoke deleting the peer's rows while a profile restore inserts one back, say).

Take every partnership a write needs in one call: they are locked in id order, so two writers
never deadlock (a second call later in the transaction would break that order). Sweeps over all
partnerships use `partnerships_lock_all`, which keeps the same order. The lock is
`FOR NO KEY UPDATE`: it conflicts with itself but not with the `FOR KEY SHARE` that inserting a
row referencing a partnership (a profile, an audit event) takes, so ordinary writes go on.

sharing.permissions refuses to change rows unless the current transaction holds the lock for the
partnerships concerned.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar

from django.db import connection
from django.db.transaction import TransactionManagementError

_LOCK = """
    SELECT id, pg_current_xact_id()::text FROM partnerships_partnership
    WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE
"""
_LOCK_ALL = """
    SELECT id, pg_current_xact_id()::text FROM partnerships_partnership
    ORDER BY id FOR NO KEY UPDATE
"""

# (PostgreSQL transaction id, partnerships it locked). The id makes a record left by an earlier
# transaction on this connection worthless: ids are never reused. (A savepoint rolled back after
# taking the lock releases it while the record stays; no sharing write does that.)
_held: ContextVar[tuple[str, frozenset[int]]] = ContextVar(
    "sharing_locks", default=("", frozenset())
)


class SharingLockMissing(TransactionManagementError):
    """Guardian rows were about to change without the partnerships' sharing lock."""


def _lock(sql: str, params: list[list[int]]) -> frozenset[int]:
    if not connection.in_atomic_block:
        raise TransactionManagementError(
            "The sharing lock lasts until the end of a transaction: open one first."
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return frozenset()
    xid = rows[0][1]
    held_xid, held = _held.get()
    locked = frozenset(row[0] for row in rows)
    _held.set((xid, locked | held if held_xid == xid else locked))
    return locked


def partnerships_lock(partnership_ids: Iterable[int]) -> None:
    """Lock these partnerships' rows (in id order) until the current transaction ends."""
    ids = sorted(set(partnership_ids))
    if ids:
        _lock(_LOCK, [ids])


def partnerships_lock_all() -> frozenset[int]:
    """For sweeps: lock every partnership, in id order. Returns the ids locked."""
    return _lock(_LOCK_ALL, [])


def locked_partnerships() -> frozenset[int]:
    """The partnerships whose sharing lock the current transaction holds."""
    held_xid, held = _held.get()
    if not held_xid or not connection.in_atomic_block:
        return frozenset()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id_if_assigned()::text")
        (xid,) = cursor.fetchone()
    return held if xid == held_xid else frozenset()


def require_locked(partnership_ids: Iterable[int]) -> frozenset[int]:
    """Raise unless the current transaction holds the lock of these partnerships (and of at
    least one). Returns all the partnerships it holds."""
    wanted = set(partnership_ids)
    held = locked_partnerships()
    if not held or not wanted <= held:
        raise SharingLockMissing(
            f"Sharing rows change only under partnerships.locks.partnerships_lock; this "
            f"transaction does not hold it for partnerships {sorted(wanted - held) or 'any'}."
        )
    return held

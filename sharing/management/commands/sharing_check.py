"""Recompute the sharing rule from the consent graph and compare it with the guardian rows."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from sharing.permissions import drift_check, drift_repair


class Command(BaseCommand):
    help = "Report (and with --repair, fix) any difference between the sharing rule and the rows."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--repair", action="store_true", help="Fix what differs.")

    def handle(self, *args: Any, repair: bool, **options: Any) -> None:
        with transaction.atomic():
            drift = drift_check()
            if drift.clean:
                self.stdout.write(self.style.SUCCESS("No drift: the rows equal the rule."))
                return
            self.stdout.write(
                f"Drift: {drift.missing} rows missing, {drift.extra} rows that should not exist."
            )
            for group_id, profile_id in drift.missing_sample:
                self.stdout.write(f"  missing: group {group_id} -> profile {profile_id}")
            for group_id, profile_id in drift.extra_sample:
                self.stdout.write(f"  extra:   group {group_id} -> profile {profile_id}")
            if not repair:
                raise CommandError("Drift found; run again with --repair to fix it.")
            inserted, deleted = drift_repair()
            self.stdout.write(self.style.SUCCESS(f"Repaired: {inserted} added, {deleted} removed."))

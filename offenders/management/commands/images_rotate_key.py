"""Re-encrypt every stored offender image under the newest key in IMAGE_ENCRYPTION_KEYS.

Put the new key first in IMAGE_ENCRYPTION_KEYS (keeping the old ones after it), run this,
then drop the old keys. Safe to run again: files already under the newest key are rewritten
under it once more.
"""

from typing import Any

from django.core.management.base import BaseCommand

from offenders.models import OffenderImage
from offenders.services import images_rotate_keys


class Command(BaseCommand):
    help = "Re-encrypt all stored offender images under the first (newest) key."

    def handle(self, *args: Any, **options: Any) -> None:
        total = OffenderImage.objects.count()
        done = 0

        def progress(_image: OffenderImage) -> None:
            nonlocal done
            done += 1
            if done % 100 == 0 or done == total:
                self.stdout.write(f"  {done}/{total} images")

        files = images_rotate_keys(progress=progress)
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {files} files of {total} images."))

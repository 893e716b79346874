"""Re-encrypt every stored photo (profile images and incident photos) under the newest key in
IMAGE_ENCRYPTION_KEYS.

Put the new key first in IMAGE_ENCRYPTION_KEYS (keeping the old ones after it), run this,
then drop the old keys. Safe to run again: files already under the newest key are rewritten
under it once more.
"""

from typing import Any

from django.core.management.base import BaseCommand

from photos.models import StoredPhoto
from photos.services import photo_files_rotate, stored_photo_models


class Command(BaseCommand):
    help = "Re-encrypt all stored photos under the first (newest) key."

    def handle(self, *args: Any, **options: Any) -> None:
        total = sum(model._default_manager.count() for model in stored_photo_models())
        done = 0

        def progress(_photo: StoredPhoto) -> None:
            nonlocal done
            done += 1
            if done % 100 == 0 or done == total:
                self.stdout.write(f"  {done}/{total} photos")

        files = photo_files_rotate(progress=progress)
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {files} files of {total} photos."))

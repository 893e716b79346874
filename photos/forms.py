"""Form pieces for choosing several photos in one field, for profiles and incidents alike."""

from __future__ import annotations

from typing import Any

from django import forms


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several files in one field, at most `max_files` of them."""

    def __init__(self, *, max_files: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_files = max_files

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data]
        files = [f for f in files if f]
        if not files:
            if not self.required:
                return []
            raise forms.ValidationError("Choose at least one photo.")
        if len(files) > self.max_files:
            raise forms.ValidationError(f"Choose at most {self.max_files} photos at a time.")
        return [super(MultiplePhotoField, self).clean(f, initial) for f in files]

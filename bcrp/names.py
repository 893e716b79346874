"""Normalised personal names: what name search and the same-person matcher compare."""

from __future__ import annotations

import unicodedata


def normalise_name(value: str) -> str:
    """Lower case, accents removed, single spaces: "  Zoë  O'Brien" -> "zoe o'brien"."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())

"""The consent graph between partnerships and everything that enforces it."""

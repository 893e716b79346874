"""Incident reports from members and their review."""

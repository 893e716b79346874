"""Offender profiles, galleries, images and exclusions."""

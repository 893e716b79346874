"""Synthetic demo content for `seed_demo` and the network seeding: no real people, no real faces."""

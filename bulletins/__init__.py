"""Bulletins: alerts administrators post to their partnership, the acknowledgements critical ones
need, and the weekly members' digest of newly circulated profiles."""

"""Text reuse: which passages articles share, how they were edited, and who took from whom.

Steps (each a pure function on plain values, callable per partition by the Spark engine):
`fingerprint(index, text)` -> `find_families(sketches, order)` (near-identical copies, see
`family.py`) -> `candidate_pairs(fingerprints, settings, family)` (or the two halves
`build_postings` / `anchors_from_postings`) -> `align_pair(fa, fb, pos_a, pos_b, frequent,
settings)` -> `build_link(a, b, passages, outlets_present)`; `detect_reuse` runs them locally.
"""
from __future__ import annotations

from .align import align_pair
from .candidates import (
           Candidates,
           anchors_from_postings,
           build_postings,
           candidate_pairs,
           group_anchors,
)
from .detect import ReuseLinks, build_link, detect_reuse, original_share, pair_link
from .family import find_families
from .fingerprint import Fingerprint, fingerprint
from .settings import ReuseSettings

__all__ = ["Candidates", "Fingerprint", "ReuseLinks", "ReuseSettings", "align_pair", "anchors_from_postings",
           "build_link", "build_postings", "candidate_pairs", "detect_reuse", "find_families", "fingerprint",
           "group_anchors", "original_share", "pair_link"]

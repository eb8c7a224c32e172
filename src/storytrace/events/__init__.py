"""Events across languages: group articles into real-world happenings, infer missing
publication years from the event joined, and align translated passages within events."""
from __future__ import annotations

from .cluster import cluster_events
from .encoder import get_encoder
from .similarity import EventSettings
from .years import infer_missing_years


def translation_links(articles, events, *, store=None, encoder=None):
    """Cross-language passage alignments within events (ReuseLink kind `translation`)."""
    from .translation import translation_links as _links

    return _links(articles, events, store=store, encoder=encoder)


__all__ = ["EventSettings", "cluster_events", "get_encoder", "infer_missing_years", "translation_links"]

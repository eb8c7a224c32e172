"""Events across languages: group articles into real-world happenings, infer missing
publication years from the event joined, and align translated passages within events.

How an event forms (the README paragraph): every pair of articles gets one score that adds
up the evidence: the cosine of multilingual-e5 embeddings of title + lead (counted only
above a floor, since any two news leads score about 0.8); TF-IDF overlap of title + body
in one shared vocabulary (Chinese read in Sino-Vietnamese, so zh-Hans, zh-Hant and vi share
words); shared named entities, keyed across scripts (习近平 / 習近平 / Tập Cận Bình / Xi
Jinping); and whether the leads name the same day (11月25日 = 25/11 = Nov 25). Time
subtracts: leads naming days more than 3 apart, publication gaps beyond a 2-day news cycle,
and a veto beyond 10 days; a substantial non-formula reuse link joins outright.
Cross-language pairs use a lower embedding floor and lean on shared names and dates.
Articles then group by average link, so a group must agree as a whole and one stock phrase
or one shared leader cannot chain two look-alike events together.
"""
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

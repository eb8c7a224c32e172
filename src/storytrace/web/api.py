"""The JSON API: articles, events, reuse and analysis status (described at /openapi.json).

Response models are pydantic classes so the OpenAPI description names every field; the
field meanings match docs/exports.md.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from ..model import Article, ReuseLink
from ..present.search import query_forms
from ..present.views import ReportData


class ArticleSummary(BaseModel):
    id: str
    title: str
    outlet: Optional[str] = None
    language: Optional[str] = None
    script: Optional[str] = None
    published: Optional[str] = None
    event: Optional[str] = None


class ArticleOut(ArticleSummary):
    text: str
    url: Optional[str] = None
    author: Optional[str] = None
    source_path: str
    published_precision: Optional[str] = None
    published_evidence: Optional[str] = None
    published_inferred: bool = False
    cited_sources: list[str] = []
    reuse_links: int = Field(0, description="links to other articles (see /api/reuse?article=ID)")


class EventSummary(BaseModel):
    id: str
    title: str
    size: int
    start: Optional[str] = None
    end: Optional[str] = None
    event_date: Optional[str] = None
    languages: list[str] = []
    outlets: list[str] = []


class EventOut(EventSummary):
    articles: list[ArticleSummary]
    cited_sources: dict[str, list[str]] = Field({}, description="source -> outlets citing it")


class PassageOut(BaseModel):
    a_start: int
    a_end: int
    b_start: int
    b_end: int
    similarity: float
    formula: bool = False
    edits: dict[str, Any] = {}


class ReuseOut(BaseModel):
    a: str
    b: str
    kind: str = Field(description="duplicate | reprint | partial | formula | translation")
    a_coverage: float
    b_coverage: float
    direction: str = Field(description="a->b | b->a | common-source | unknown")
    direction_evidence: str = ""
    common_source: Optional[str] = None
    passages: list[PassageOut] = []


class AnalysisStatus(BaseModel):
    state: str = Field(description="idle | running | done | failed")
    message: str
    step: str = ""
    done: int = 0
    total: Optional[int] = None
    started: Optional[float] = None
    finished: Optional[float] = None
    errors: list[dict[str, str]] = []


def _summary(article: Article, event: str | None) -> ArticleSummary:
    return ArticleSummary(id=article.id, title=article.title, outlet=article.outlet,
                          language=article.language, script=article.script,
                          published=article.published, event=event)


def _iso(when) -> str | None:
    return when.isoformat() if when else None


def build_router(data: Callable[[], ReportData], store, job) -> APIRouter:
    """Routes over `data()` (a cached store snapshot), the live `store` for search, and the job."""
    api = APIRouter(prefix="/api", tags=["api"])

    @api.get("/articles", response_model=list[ArticleSummary])
    def list_articles(q: str = Query("", description="search titles and texts, any script; a place "
                                                    "name also finds its names in other languages"),
                      event: str = "", limit: int = Query(100, ge=1, le=5000), offset: int = Query(0, ge=0)):
        d = data()
        if q:   # any script, and a place's names in other languages (present/search.py)
            ids = list(dict.fromkeys(i for form in query_forms(q)
                                     for i in store.search_articles(form, limit=offset + limit)))
        else:
            ids = list(d.articles)
        if event:
            ids = [i for i in ids if d.event_of.get(i) == event]
        return [_summary(d.articles[i], d.event_of.get(i)) for i in ids[offset:offset + limit]
                if i in d.articles]

    @api.get("/articles/{article_id}", response_model=ArticleOut)
    def get_article(article_id: str):
        d = data()
        art = d.articles.get(article_id)
        if art is None:
            raise HTTPException(404, "no such article")
        fields = art.to_dict()
        fields.update(event=d.event_of.get(art.id), reuse_links=len(d.links_of.get(art.id, [])))
        return ArticleOut(**{k: v for k, v in fields.items() if k in ArticleOut.model_fields})

    @api.get("/events", response_model=list[EventSummary])
    def list_events(limit: int = Query(1000, ge=1, le=100000), offset: int = Query(0, ge=0)):
        return [EventSummary(id=ev.id, title=ev.title, size=ev.size, start=_iso(ev.start), end=_iso(ev.end),
                             event_date=ev.event_date, languages=ev.languages, outlets=ev.outlets)
                for ev in data().events[offset:offset + limit]]

    @api.get("/events/{event_id}", response_model=EventOut)
    def get_event(event_id: str):
        ev = data().event_by_id.get(event_id)
        if ev is None:
            raise HTTPException(404, "no such event")
        return EventOut(id=ev.id, title=ev.title, size=ev.size, start=_iso(ev.start), end=_iso(ev.end),
                        event_date=ev.event_date, languages=ev.languages, outlets=ev.outlets,
                        articles=[_summary(m.article, ev.id) for m in ev.members],
                        cited_sources=dict(ev.cited))

    @api.get("/reuse", response_model=list[ReuseOut])
    def list_reuse(article: str = Query("", description="only links touching this article id"),
                   kind: str = Query("", description="only this kind")):
        links: list[ReuseLink] = data().links_of.get(article, []) if article else data().links
        return [l.to_dict() for l in links if not kind or l.kind == kind]

    @api.get("/analysis", response_model=AnalysisStatus)
    def analysis_status():
        return job.snapshot()

    @api.post("/analysis", response_model=AnalysisStatus, status_code=202)
    def start_analysis(request: Request):
        if not job.start():
            return JSONResponse(job.snapshot(), status_code=409)
        return job.snapshot()

    return api

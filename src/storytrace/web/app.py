"""The local web app: the report's pages live over the store, plus adding articles,
re-running the analysis with visible progress, and the JSON API (/openapi.json).

Safety with untrusted articles: pages come from the report's autoescaped templates; the
Content-Security-Policy allows only our own /static/report.js (no inline script at all);
the only files served are the two static assets named in `STATIC_FILES` (uploads are
never served back), so no URL reaches another file. POSTs from other sites are refused
(`cross_site`: Fetch Metadata first, the Origin header for browsers that send no
`Sec-Fetch-Site`) and only expected Host headers are answered (DNS rebinding).
"""
from __future__ import annotations

import re
import threading
from pathlib import Path
from urllib.parse import quote, urlencode

from fastapi import FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.middleware.trustedhost import TrustedHostMiddleware

from ..present.compare import build_pair
from ..present.report import STATIC, anchor, environment
from ..present.search import matches, query_forms
from ..present.views import SORTS, ReportData, sort_events
from ..store import Store
from .api import build_router
from .cache import PageCache
from .jobs import AnalysisJob
from .uploads import MAX_UPLOAD_BYTES, UploadRefused, UploadTooLarge, save_pasted, save_upload

# A request body declared larger than this is refused (413) before any of it is read, so a
# huge upload cannot fill the disk with spooled multipart data; each file is capped at MAX_UPLOAD_BYTES.
MAX_REQUEST_BYTES = 4 * MAX_UPLOAD_BYTES
STATIC_FILES = {"report.css": "text/css; charset=utf-8", "report.js": "text/javascript; charset=utf-8"}
LOCAL_HOSTS = ["127.0.0.1", "localhost", "[::1]", "::1", "testserver"]
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


def cross_site(headers) -> str | None:
    """Why a state-changing request must be refused as cross-site, or None when it may go on.

    Browsers mark every request with `Sec-Fetch-Site`: the app's own forms send `same-origin`
    and a typed URL or bookmark `none`; anything else (`same-site`: another port of this host,
    `cross-site`) comes from another page. Browsers too old for Fetch Metadata still send
    `Origin` on cross-origin POSTs, so a foreign or opaque (`null`) Origin is refused without it.
    Clients that are not browsers (curl, scripts) send neither and are let through: they
    cannot carry a visitor's session into this local app anyway.
    """
    site = headers.get("sec-fetch-site")
    if site is not None:
        return None if site in ("same-origin", "none") else f"Sec-Fetch-Site: {site}"
    origin = headers.get("origin")
    if origin is not None and origin.split("://", 1)[-1] != headers.get("host"):
        return f"Origin: {origin}"
    return None


class WebUrls:
    front = "/"

    def __init__(self, data: ReportData, uploads: Path | None = None):
        self._event_of = data.event_of
        self._uploads = (str(uploads), str(uploads.resolve())) if uploads else ()

    def event(self, event_id: str) -> str:
        return "/events/" + quote(event_id, safe="")

    def article(self, article_id: str) -> str:
        event = self._event_of.get(article_id)
        return (self.event(event) if event else "/") + "#" + anchor("article", article_id)

    def pair(self, a: str, b: str) -> str:
        return "/compare?" + urlencode({"a": a, "b": b})

    def needs_js(self, a: str, b: str) -> bool:
        return False

    @staticmethod
    def pair_id(a: str, b: str) -> str:
        return anchor("pair", "-".join(sorted((a, b))))

    def compare_action(self) -> str:
        return "/compare"

    def source_label(self, path: str) -> str:
        """Where an article came from, without the server's own folders: files added through
        the app are just that."""
        return "" if any(path.startswith(prefix) for prefix in self._uploads) else path


class _Snapshot:
    """ReportData rebuilt only when the database changed (SQLite's data_version says so)."""

    def __init__(self, store: Store):
        self.store = store
        self._lock = threading.Lock()
        self._key = None
        self._data: ReportData | None = None

    def __call__(self) -> ReportData:
        with self._lock:
            key = (self.store.data_version(), self.store.count_articles())
            if self._data is None or key != self._key:
                self._data, self._key = ReportData(self.store), key
            return self._data


def _filter_events(data: ReportData, store: Store, f: dict[str, str]):
    """Events passing the front page's filters, in the chosen order."""
    events = data.events
    if f.get("q"):
        # Any script or language: the folded query and, for a place, its other names, in
        # article texts and titles (the store's folded search) and in each event's title and
        # merged entity names.
        forms = query_forms(f["q"])
        hits = {i for form in forms for i in store.search_articles(form, limit=100000)}
        events = [ev for ev in events if matches(ev.search_index, forms)
                  or any(m.article.id in hits for m in ev.members)]
    if f.get("lang"):
        events = [ev for ev in events if f["lang"] in ev.languages]
    if f.get("outlet"):
        events = [ev for ev in events if f["outlet"] in ev.outlets]
    if f.get("from"):
        events = [ev for ev in events if ev.end and ev.end.strftime("%Y-%m-%d") >= f["from"]]
    if f.get("to"):
        events = [ev for ev in events if ev.start and ev.start.strftime("%Y-%m-%d") <= f["to"]]
    if f.get("multi"):
        events = [ev for ev in events if ev.size > 1]
    return sort_events(events, f.get("sort") or "day")


FILTERS = ("q", "lang", "outlet", "from", "to", "multi", "sort")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UPLOAD_NAME = re.compile(r"^[0-9a-f]{24}$")


PAGE_SIZE = 100   # events per front page: a store of thousands of events stays quick to open


def _pager(events: list, filters: dict[str, str], wanted: str, size: int):
    """(events on the requested page, pager for the template); page links keep the filters."""
    from urllib.parse import urlencode

    pages = max(1, -(-len(events) // size))
    page = min(max(1, int(wanted)) if wanted.isdigit() else 1, pages)

    def url(n: int) -> str:
        return "/?" + urlencode({**{k: v for k, v in filters.items() if v}, "page": n})

    pager = {"page": page, "pages": pages, "total": len(events), "first": (page - 1) * size + 1,
             "prev": url(page - 1) if page > 1 else None, "next": url(page + 1) if page < pages else None,
             "filtered": any(v for k, v in filters.items() if k != "sort"),
             "articles": sum(ev.size for ev in events)}
    return events[(page - 1) * size: page * size], pager


def create_app(store_path: str | Path, upload_dir: str | Path | None = None, *,
               allowed_hosts: list[str] | None = None, page_size: int = PAGE_SIZE) -> FastAPI:
    """The app over the store at `store_path`; uploads go to `upload_dir` (default: beside the store)."""
    store_path = Path(store_path)
    uploads = Path(upload_dir) if upload_dir else store_path.parent / "uploads"
    store = Store(store_path)
    snapshot = _Snapshot(store)
    job = AnalysisJob(store_path)
    env = environment()
    # max_body_size: every request body is counted as it streams in, chunked ones included,
    # and refused with 413 the moment it passes the cap (Starlette's RequestBodyLimitMiddleware).
    app = FastAPI(title="storytrace", version="0.1.0", docs_url=None, redoc_url=None,
                  description="Articles, events and text reuse found by storytrace.",
                  max_body_size=MAX_REQUEST_BYTES)
    app.state.store, app.state.job, app.state.uploads = store, job, uploads
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts or LOCAL_HOSTS)

    @app.middleware("http")
    async def guard(request: Request, call_next):
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            refused = cross_site(request.headers)
            if refused:
                return PlainTextResponse(f"cross-site request refused ({refused}): post from the app's own pages",
                                         status_code=403)
            length = request.headers.get("content-length", "0")
            if not length.isdigit() or int(length) > MAX_REQUEST_BYTES:
                return PlainTextResponse(f"request larger than {MAX_REQUEST_BYTES // 2**20} MB refused",
                                         status_code=413)
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        return response

    # Outermost: a rendered GET answer is repeated until the store or the job state changes
    # (web/cache.py); the analysis progress is never cached.
    app.add_middleware(PageCache, version=lambda: (store.data_version(), job.state),
                       skip=("/add", "/api/analysis"))

    def page(name: str, **context) -> HTMLResponse:
        data = snapshot()
        html = env.get_template(name).render(data=data, urls=WebUrls(data, uploads), mode="web",
                                             job=job.snapshot(), **context)
        return HTMLResponse(html)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def front(request: Request):
        filters = {k: request.query_params.get(k, "").strip() for k in FILTERS}
        for key in ("from", "to"):     # a half-typed date (0002-11-2) filters nothing
            if filters[key] and not _DATE.match(filters[key]):
                filters[key] = ""
        if filters["sort"] not in SORTS:
            filters["sort"] = ""
        data = snapshot()
        shown, pager = _pager(_filter_events(data, store, filters), filters,
                              request.query_params.get("page", "1"), page_size)
        count = (f"{pager['total']} of {len(data.events)} events" if pager["filtered"]
                 else f"{pager['total']} events")
        return page("web_front.html", events=shown, filters=filters, pager=pager, count_text=count)

    @app.get("/events/{event_id}", response_class=HTMLResponse, include_in_schema=False)
    def event(event_id: str):
        ev = snapshot().event_by_id.get(event_id)
        if ev is None:
            raise HTTPException(404, "no such event")
        return page("web_event.html", ev=ev)

    @app.get("/compare", response_class=HTMLResponse, include_in_schema=False)
    def compare(a: str, b: str):
        data = snapshot()
        if a not in data.articles or b not in data.articles:
            raise HTTPException(404, "no such article")
        pv = build_pair(data.articles[a], data.articles[b], data.link_between(a, b) if a != b else None)
        return page("web_pair.html", pv=pv, pid=WebUrls.pair_id(a, b), event_id=data.event_of.get(a))

    def _added_articles(data: ReportData, names: str) -> list:
        """Articles read from the uploads named (generated names) in `names`, with their events."""
        wanted = {n for n in names.split(",") if _UPLOAD_NAME.match(n)}
        if not wanted:
            return []
        found = []
        for art in data.articles.values():
            stem = Path(art.source_path.split("!", 1)[0].split("#", 1)[0]).name.split(".", 1)[0]
            if stem in wanted:
                event_id = data.event_of.get(art.id)
                found.append((art, data.event_by_id.get(event_id) if event_id else None))
        return found

    @app.get("/add", response_class=HTMLResponse, include_in_schema=False)
    def add_form(error: str = "", added: int = 0, files: str = ""):
        data = snapshot()
        return page("web_add.html", error=error, added=added, files=files,
                    added_articles=_added_articles(data, files))

    def _redirect_add(**params) -> RedirectResponse:
        return RedirectResponse("/add" + ("?" + urlencode(params) if params else ""), status_code=303)

    @app.post("/add/upload", include_in_schema=False)
    def add_upload(files: list[UploadFile] = File(...)):
        saved = []
        try:
            for upload in files:
                saved.append(str(save_upload(upload.file, upload.filename or "", uploads)))
        except UploadRefused as exc:
            for path in saved:
                Path(path).unlink(missing_ok=True)
            if isinstance(exc, UploadTooLarge):
                response = page("web_add.html", error=str(exc), added=0)
                response.status_code = 413
                return response
            return _redirect_add(error=str(exc))
        if not job.start(saved):
            return _redirect_add(error="an analysis is already running; add the files again when it ends")
        return _redirect_add(added=len(saved), files=",".join(Path(p).name.split(".", 1)[0] for p in saved))

    @app.post("/add/text", include_in_schema=False)
    def add_text(text: str = Form(...), title: str = Form(""), outlet: str = Form(""),
                 url: str = Form(""), published: str = Form("")):
        typed = {"text": text, "title": title, "outlet": outlet, "url": url, "published": published}

        def refused(reason: str, status: int) -> HTMLResponse:
            # The form comes back filled in, so nothing typed is lost.
            response = page("web_add.html", error=reason, added=0, files="", added_articles=[], typed=typed)
            response.status_code = status
            return response
        try:
            path = save_pasted(text, uploads, title=title, outlet=outlet, url=url, published=published)
        except UploadRefused as exc:
            return refused(str(exc), 413 if isinstance(exc, UploadTooLarge) else 400)
        if not job.start([str(path)]):
            Path(path).unlink(missing_ok=True)
            return refused("an analysis is already running; press the button again when it ends", 409)
        return _redirect_add(added=1, files=Path(path).name.split(".", 1)[0])

    @app.post("/analyze", include_in_schema=False)
    def reanalyze():
        if not job.start():
            return _redirect_add(error="an analysis is already running; wait for it to end")
        return _redirect_add()

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str):
        if name not in STATIC_FILES:  # a fixed list: nothing else on disk is reachable
            raise HTTPException(404)
        return Response((STATIC / name).read_bytes(), media_type=STATIC_FILES[name],
                        headers={"Cache-Control": "no-cache"})

    app.include_router(build_router(snapshot, store, job))
    return app

"""Fetch http(s) URLs politely: a real User-Agent, timeouts, a size cap, and a pause
between requests to the same host. One InputError per URL that fails, with the reason.

Why urllib and not trafilatura's downloader: we need the HTTP status, final URL and
charset of each response to report errors precisely, and urllib gives them directly.
"""
from __future__ import annotations

import time
import urllib.error
import urllib.request
from typing import Iterable, Iterator
from urllib.parse import urlsplit

from .. import __version__
from ..model import InputError, RawDocument
from .encoding import DecodeError, decode_bytes
from .formats import MAX_BYTES, looks_like_html

USER_AGENT = f"storytrace/{__version__} (news story tracker; +https://github.com/storytrace)"
TIMEOUT_S = 20.0
HOST_DELAY_S = 1.0
_last_request: dict[str, float] = {}


def _wait_for(host: str, delay: float) -> None:
    last = _last_request.get(host)
    if last is not None:
        pause = delay - (time.monotonic() - last)
        if pause > 0:
            time.sleep(pause)
    _last_request[host] = time.monotonic()


def fetch_url(url: str, *, timeout: float = TIMEOUT_S, delay: float | None = None) -> RawDocument | InputError:
    _wait_for(urlsplit(url).netloc, HOST_DELAY_S if delay is None else delay)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT,
                                                   "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = response.read(MAX_BYTES + 1)
            final_url = response.geturl()
            content_type = response.headers.get("Content-Type", "")
            charset = response.headers.get_content_charset()
    except urllib.error.HTTPError as exc:
        return InputError(url, f"HTTP {exc.code} {exc.reason}", stage="fetch")
    except urllib.error.URLError as exc:
        return InputError(url, f"cannot fetch: {exc.reason}", stage="fetch")
    except (TimeoutError, OSError, ValueError) as exc:
        return InputError(url, f"cannot fetch: {exc}", stage="fetch")
    if len(payload) > MAX_BYTES:
        return InputError(url, f"response larger than {MAX_BYTES} bytes", stage="fetch")
    mime = content_type.split(";")[0].strip().lower()
    if mime and not (mime.startswith("text/") or "html" in mime or "xml" in mime):
        return InputError(url, f"not a text page (Content-Type {mime})", stage="fetch")
    if not payload.strip():
        return InputError(url, "empty response", stage="fetch")
    try:
        text, encoding = decode_bytes(payload, declared=charset)
    except DecodeError as exc:
        return InputError(url, str(exc), stage="fetch")
    fmt = "text" if mime == "text/plain" and not looks_like_html(text) else "html"
    return RawDocument(source_path=url, content=text, format=fmt, metadata={"url": final_url}, encoding=encoding)


def fetch_urls(urls: Iterable[str]) -> Iterator[RawDocument | InputError]:
    for url in urls:
        yield fetch_url(url)

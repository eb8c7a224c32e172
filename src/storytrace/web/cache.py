"""Rendered answers kept until the store changes: page views stay fast under many readers.

Every GET page and API answer of the app is a function of the URL, the store's content and
whether an analysis is running (pages say so). SQLite's `data_version` changes whenever any
connection commits, so an answer stored under (data version, analysis state, host, URL) is
exact until the next commit: then everything is dropped at once. What changes without a
commit (the analysis progress on /add and /api/analysis) is never stored.

Why: the app runs in one Python process, and with 32 readers at once each request waits for
the others' rendering (issue 17 measured a p99 of 0.93 s with no analysis running); an
answer already rendered costs a dictionary look-up instead. The cache is bounded
(`max_entries` answers of at most `max_bytes` each, least recently used dropped first).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable

MAX_ENTRIES = 1024
MAX_BYTES = 2 * 1024 * 1024


class PageCache:
    """ASGI middleware: repeat the stored 200 answer to a GET while `version()` is unchanged."""

    def __init__(self, app, version: Callable[[], Hashable], *, skip: tuple[str, ...] = (),
                 max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES):
        self.app, self.version, self.skip = app, version, skip
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._lock = threading.Lock()
        self._version: Hashable = None
        self._entries: OrderedDict[tuple, tuple[list, bytes]] = OrderedDict()
        self.hits = self.misses = 0

    def _key(self, scope: dict[str, Any]) -> tuple:
        headers = dict(scope.get("headers") or [])
        return (headers.get(b"host", b""), scope.get("path", ""), scope.get("query_string", b""))

    def _lookup(self, version: Hashable, key: tuple):
        with self._lock:
            if version != self._version:
                self._entries.clear()
                self._version = version
                return None
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def _store(self, version: Hashable, key: tuple, headers: list, body: bytes) -> None:
        with self._lock:
            if version != self._version:
                return
            self._entries[key] = (headers, body)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    async def __call__(self, scope: dict[str, Any], receive, send) -> None:
        if (scope["type"] != "http" or scope.get("method") != "GET"
                or scope.get("path", "").startswith(self.skip)):
            await self.app(scope, receive, send)
            return
        version = self.version()
        key = self._key(scope)
        found = self._lookup(version, key)
        if found is not None:
            self.hits += 1
            headers, body = found
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        self.misses += 1
        start: dict[str, Any] = {}
        chunks: list[bytes] = []
        size = 0
        keep = True

        async def capture(message):
            nonlocal size, keep
            if message["type"] == "http.response.start":
                start.update(message)
                keep = message.get("status") == 200
            elif message["type"] == "http.response.body" and keep:
                size += len(message.get("body", b""))
                if size > self.max_bytes:
                    keep = False
                    chunks.clear()
                else:
                    chunks.append(message.get("body", b""))
                if not message.get("more_body", False) and keep:
                    self._store(version, key, list(start.get("headers", [])), b"".join(chunks))
            await send(message)

        await self.app(scope, receive, capture)

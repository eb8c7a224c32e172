/* storytrace report/app enhancements. Everything works without this file; it adds live
   filters and search (static report), comparing any two articles, level scrolling in
   side-by-side views, and analysis progress (web app). Article text is only ever read with
   textContent and written with textContent, never parsed as HTML. */
(function () {
  "use strict";
  var mode = document.body.getAttribute("data-mode") || "static";

  /* ---- script-insensitive search: same folding idea as storytrace.textfold ---- */
  var foldMap = null;
  function loadFoldMap() {
    if (foldMap) return foldMap;
    foldMap = new Map();
    var el = document.getElementById("fold-table");
    var pairs = el ? JSON.parse(el.textContent) : "";
    var chars = Array.from(pairs);
    for (var i = 0; i + 1 < chars.length; i += 2) foldMap.set(chars[i], chars[i + 1]);
    return foldMap;
  }
  function fold(text) {
    var map = loadFoldMap();
    var s = text.normalize("NFKC").toLowerCase();
    var out = "";
    for (var ch of s) { var f = map.get(ch); out += f === undefined ? ch : f; }
    return out;
  }

  /* ---- front page filters (static report: live, no reload) ---- */
  var searchIndex = null;
  function buildSearchIndex() {
    searchIndex = new Map();
    document.querySelectorAll("section.event-page").forEach(function (sec) {
      var parts = [sec.querySelector(".event-title") ? sec.querySelector(".event-title").textContent : ""];
      sec.querySelectorAll(".article-title, .fulltext").forEach(function (n) { parts.push(n.textContent); });
      searchIndex.set(sec.getAttribute("data-event"), fold(parts.join("\n")));
    });
  }
  function applyFilters() {
    var form = document.getElementById("filters");
    if (!form) return;
    var q = fold(form.q.value.trim());
    var lang = form.lang.value, outlet = form.outlet.value;
    var from = form.from.value, to = form.to.value, multi = form.multi.checked;
    if (q && !searchIndex) buildSearchIndex();
    var shown = 0, rows = document.querySelectorAll("#all-events .event-row");
    rows.forEach(function (row) {
      var ok = true;
      if (lang && (" " + row.dataset.langs + " ").indexOf(" " + lang + " ") < 0) ok = false;
      if (ok && outlet && JSON.parse(row.dataset.outlets).indexOf(outlet) < 0) ok = false;
      if (ok && from && (!row.dataset.end || row.dataset.end < from)) ok = false;
      if (ok && to && (!row.dataset.start || row.dataset.start > to)) ok = false;
      if (ok && multi && Number(row.dataset.size) < 2) ok = false;
      if (ok && q) { var text = searchIndex.get(row.dataset.event); ok = !!text && text.indexOf(q) >= 0; }
      row.hidden = !ok;
      if (ok) shown++;
    });
    document.getElementById("count").textContent = shown + " of " + rows.length + " events";
    var none = document.getElementById("no-results");
    if (none) none.hidden = shown > 0;
  }
  var filterForm = document.getElementById("filters");
  if (filterForm && mode === "static") {
    var timer = null;
    filterForm.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(applyFilters, 120); });
    filterForm.addEventListener("change", applyFilters);
    filterForm.addEventListener("submit", function (e) { e.preventDefault(); applyFilters(); });
    applyFilters();
  } else if (filterForm) {
    filterForm.querySelectorAll("select, input[type=checkbox], input[type=date]").forEach(function (el) {
      el.addEventListener("change", function () { filterForm.submit(); });
    });
  }

  /* ---- compare any two members (static report: pre-rendered pair, or plain texts) ---- */
  function textOf(id) {
    var d = document.querySelector('details.article[data-article="' + CSS.escape(id) + '"]');
    return d ? { title: d.querySelector(".article-title").textContent, meta: d.querySelector(".meta").textContent,
                 text: d.querySelector(".fulltext").textContent } : null;
  }
  function plainColumn(art) {
    var col = document.createElement("div"); col.className = "col";
    var head = document.createElement("header");
    var h = document.createElement("h3"); h.textContent = art.title; head.appendChild(h);
    var m = document.createElement("p"); m.className = "meta"; m.textContent = art.meta; head.appendChild(m);
    var body = document.createElement("div"); body.className = "text"; body.textContent = art.text;
    col.appendChild(head); col.appendChild(body);
    return col;
  }
  if (mode === "static") {
    document.querySelectorAll("form.compare-any").forEach(function (form) {
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        var a = form.a.value, b = form.b.value;
        var id = "pair-" + [a, b].sort().join("-").replace(/[^A-Za-z0-9_-]/g, "_");
        if (document.getElementById(id)) { location.hash = id; return; }
        var cols = document.getElementById("adhoc-cols");
        var left = textOf(a), right = textOf(b);
        if (!cols || !left || !right) return;
        cols.replaceChildren(plainColumn(left), plainColumn(right));
        location.hash = "adhoc";
      });
    });
  }

  /* ---- navigation: open the article a link points to, start pages at the top ---- */
  function onHash() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (target && target.tagName === "DETAILS") { target.open = true; target.scrollIntoView(); }
    else if (target && target.classList.contains("page")) { window.scrollTo(0, 0); }
  }
  window.addEventListener("hashchange", onHash);
  onHash();

  /* ---- side by side: linked passages and level scrolling ---- */
  function firstMarks(col) {
    var marks = new Map();
    col.querySelectorAll("mark[data-p]").forEach(function (m) { if (!marks.has(m.dataset.p)) marks.set(m.dataset.p, m); });
    return marks;
  }
  function topIn(col, el) { return el.getBoundingClientRect().top - col.getBoundingClientRect().top + col.scrollTop; }
  function anchors(src, dst) {
    /* Piecewise-linear map from src scroll position to dst, through passages in src order
       (keeping only those also in order in dst, so the map never runs backwards). */
    var a = firstMarks(src), b = firstMarks(dst), pts = [[0, 0]];
    var list = [];
    a.forEach(function (m, p) { if (b.has(p)) list.push([topIn(src, m), topIn(dst, b.get(p))]); });
    list.sort(function (x, y) { return x[0] - y[0]; });
    list.forEach(function (pt) { var last = pts[pts.length - 1]; if (pt[0] > last[0] && pt[1] > last[1]) pts.push(pt); });
    var endS = src.scrollHeight, endD = dst.scrollHeight, last = pts[pts.length - 1];
    if (endS > last[0] && endD > last[1]) pts.push([endS, endD]);
    return pts;
  }
  function mapY(pts, y) {
    for (var i = 0; i + 1 < pts.length; i++) {
      if (y < pts[i + 1][0]) return pts[i][1] + (y - pts[i][0]) * (pts[i + 1][1] - pts[i][1]) / (pts[i + 1][0] - pts[i][0]);
    }
    return pts[pts.length - 1][1];
  }
  document.querySelectorAll(".pair-cols").forEach(function (pair) {
    var cols = pair.querySelectorAll(".col");
    if (cols.length !== 2) return;
    var ignore = new WeakMap();
    function sync(src, dst) {
      if (ignore.get(src)) { ignore.set(src, false); return; }
      var focus = src.clientHeight / 3;
      var y = mapY(anchors(src, dst), src.scrollTop + focus) - focus;
      if (Math.abs(dst.scrollTop - y) > 1) { ignore.set(dst, true); dst.scrollTop = y; }
    }
    cols[0].addEventListener("scroll", function () { sync(cols[0], cols[1]); }, { passive: true });
    cols[1].addEventListener("scroll", function () { sync(cols[1], cols[0]); }, { passive: true });
    pair.addEventListener("click", function (e) {
      var hit = e.target.closest("mark[data-p], a.pnum");
      if (!hit) return;
      e.preventDefault();
      var src = hit.closest(".col"), dst = src === cols[0] ? cols[1] : cols[0];
      var other = dst.querySelector('mark[data-p="' + hit.dataset.p + '"]');
      if (!other) return;
      var mine = src.querySelector('mark[data-p="' + hit.dataset.p + '"]');
      ignore.set(dst, true);
      dst.scrollTop += other.getBoundingClientRect().top - mine.getBoundingClientRect().top;
      pair.querySelectorAll('mark[data-p="' + hit.dataset.p + '"]').forEach(function (m) {
        m.classList.add("flash"); setTimeout(function () { m.classList.remove("flash"); }, 1200);
      });
    });
  });

  /* ---- web app: analysis progress ---- */
  var progress = document.getElementById("analysis-progress");
  if (progress && progress.dataset.poll) {
    var bar = progress.querySelector("progress"), label = progress.querySelector(".label");
    var poll = function () {
      fetch(progress.dataset.poll, { headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          label.textContent = s.message || s.state;
          if (s.total) { bar.max = s.total; bar.value = s.done; } else { bar.removeAttribute("value"); }
          if (s.state === "running" || s.state === "queued") setTimeout(poll, 700);
          else if (s.state === "done" && progress.dataset.reload) location.reload();
        })
        .catch(function () { setTimeout(poll, 2000); });
    };
    poll();
  }
})();

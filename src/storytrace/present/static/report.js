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
  var FOLDABLE = /[\u2010-\u2027\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uff65]/g;
  function fold(text) {
    var map = loadFoldMap();
    return text.normalize("NFKC").toLowerCase().replace(FOLDABLE, function (ch) { return map.get(ch) || ch; });
  }

  /* ---- front page filters (static report: live, no reload) ---- */
  var searchIndex = null;
  function buildSearchIndex() {
    searchIndex = new Map();
    document.querySelectorAll("section.event-page").forEach(function (sec) {
      var parts = [sec.querySelector(".event-title") ? sec.querySelector(".event-title").textContent : "",
                   sec.getAttribute("data-names") || ""];
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
    sortRows(form.sort ? form.sort.value : "day");
  }
  function sortRows(how) {
    /* Same orders as storytrace.present.views.SORTS, from the rows' data attributes. */
    var list = document.getElementById("all-events");
    if (!list) return;
    function key(row) {
      var size = Number(row.dataset.size), outlets = JSON.parse(row.dataset.outlets).length;
      var langs = row.dataset.langs ? row.dataset.langs.split(" ").length : 0, time = row.dataset.time || "";
      if (how === "size") return [size, outlets, time];
      if (how === "outlets") return [outlets, size, time];
      if (how === "languages") return [langs, size, time];
      if (how === "newest") return [time];
      return [row.dataset.end || "", size, outlets, time];
    }
    var rows = Array.from(list.children), keys = new Map();
    rows.forEach(function (r) { keys.set(r, key(r)); });
    rows.sort(function (x, y) {
      var a = keys.get(x), b = keys.get(y);
      for (var i = 0; i < a.length; i++) { if (a[i] < b[i]) return 1; if (a[i] > b[i]) return -1; }
      return 0;
    });
    rows.forEach(function (r) { list.appendChild(r); });
  }
  var filterForm = document.getElementById("filters");
  if (filterForm && mode === "static") {
    var timer = null;
    filterForm.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(applyFilters, 120); });
    filterForm.addEventListener("change", applyFilters);
    filterForm.addEventListener("submit", function (e) { e.preventDefault(); applyFilters(); });
    applyFilters();
  } else if (filterForm) {
    /* Lists and the check box apply at once. A date applies when the person leaves the field
       (or presses Enter / Apply): while typing, Chromium reports every partial year
       (0002-11-23) as a change, so submitting on change would reload mid-typing. */
    filterForm.querySelectorAll("select, input[type=checkbox]").forEach(function (el) {
      el.addEventListener("change", function () { filterForm.submit(); });
    });
    filterForm.querySelectorAll("input[type=date]").forEach(function (el) {
      var initial = el.value;
      el.addEventListener("blur", function () {
        if (el.value !== initial && (el.value === "" || /^[1-9]\d{3}-\d\d-\d\d$/.test(el.value))) filterForm.submit();
      });
    });
  }

  /* ---- side-by-side views drawn from compact segments (static report) ---- */
  var pairsEl = document.getElementById("pairs-data");
  var pairsData = pairsEl ? JSON.parse(pairsEl.textContent) : {};
  var CLASSES = ["", "verbatim", "edited", "translated", "formula"];
  var pendingPair = null;

  function pairId(a, b) { return "pair-" + [a, b].sort().join("-").replace(/[^A-Za-z0-9_-]/g, "_"); }
  function articleOf(id) {
    var d = document.querySelector('details.article[data-article="' + CSS.escape(id) + '"]');
    return d && { title: d.querySelector(".article-title").textContent, meta: d.querySelector(".meta").textContent,
                  outlet: d.getAttribute("data-outlet"),
                  text: d.querySelector(".fulltext").textContent, lang: d.querySelector(".fulltext").getAttribute("lang") };
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function column(art, segs, side, other, pid) {
    var col = el("div", "col"); col.dataset.side = side;
    var head = el("header"), h = el("h2", "article-title", art.title);
    if (art.lang) h.lang = art.lang;
    head.appendChild(h); head.appendChild(el("p", "meta", art.meta));
    var body = el("div", "text"); if (art.lang) body.lang = art.lang;
    var chars = Array.from(art.text), pos = 0, seen = {};
    var total = segs.reduce(function (n, s) { return n + s[0]; }, 0);
    if (total !== chars.length) segs = [[chars.length, -1, 0]];  /* text changed in transit: show it plain */
    segs.forEach(function (s) {
      var piece = chars.slice(pos, pos + s[0]).join(""); pos += s[0];
      if (s[1] < 0) { body.appendChild(document.createTextNode(piece)); return; }
      if (!seen[s[1]]) {
        seen[s[1]] = true;
        var num = el("a", "pnum", String(s[1] + 1));
        num.id = pid + "-" + side + "-" + s[1]; num.href = "#" + pid + "-" + other + "-" + s[1]; num.dataset.p = s[1];
        body.appendChild(num);
      }
      var mark = el("mark", "p-" + CLASSES[s[2] >> 1]); mark.dataset.p = s[1];
      if (s[2] & 1) mark.appendChild(el(side === "a" ? "del" : "ins", "", piece)); else mark.textContent = piece;
      body.appendChild(mark);
    });
    col.appendChild(head); col.appendChild(body);
    return col;
  }
  function renderPair(pid, data) {
    var a = articleOf(data.a), b = articleOf(data.b);
    if (!a || !b) return null;
    var sec = el("section", "page pair-page"); sec.id = pid;
    var crumbs = el("p", "crumbs");
    if (data.event) { var back = el("a", "", "← Event"); back.href = "#event-" + data.event.replace(/[^A-Za-z0-9_-]/g, "_"); crumbs.appendChild(back); crumbs.appendChild(document.createTextNode(" · ")); }
    var all = el("a", "", "All events"); all.href = "#front"; crumbs.appendChild(all);
    var outletOf = function (art) { return art.outlet || "unknown outlet"; };
    sec.appendChild(crumbs); sec.appendChild(el("h1", "", "Side by side: " + outletOf(a) + " and " + outletOf(b)));
    var meta = el("p", "meta");
    if (data.kind) {
      meta.appendChild(el("span", "kind kind-" + data.kind, data.kind));
      var words = " · " + data.passages + " shared passage" + (data.passages === 1 ? "" : "s");
      Object.keys(data.counts).forEach(function (k) { words += " · " + data.counts[k] + " " + k; });
      if (data.direction === "common-source") words += " · both from a common source" + (data.common_source ? ": " + data.common_source + " (not in the collection)" : "");
      else if (data.source) words += " · the source is " + outletOf(data.source === "a" ? a : b) + " (" + (data.source === "a" ? "left" : "right") + ")";
      else words += " · direction unknown";
      if (data.evidence) words += " · " + data.evidence;
      meta.appendChild(document.createTextNode(words));
    } else if (data.a === data.b) { meta.textContent = "This is the same article on both sides: pick two different articles to compare.";
    } else { meta.textContent = "No shared passages were found between these two articles."; }
    sec.appendChild(meta);
    var legend = document.getElementById("legend-passages");
    if (legend) sec.appendChild(legend.content.cloneNode(true));
    var cols = el("div", "pair-cols"); cols.dataset.pair = pid;
    cols.appendChild(column(a, data.sa, "a", "b", pid)); cols.appendChild(column(b, data.sb, "b", "a", pid));
    sec.appendChild(cols);
    document.querySelector("main").appendChild(sec);
    wirePair(cols);
    return sec;
  }
  function plainPair(a, b) {
    var ta = articleOf(a), tb = articleOf(b);
    if (!ta || !tb) return null;
    return { a: a, b: b, kind: null, counts: {}, sa: [[Array.from(ta.text).length, -1, 0]], sb: [[Array.from(tb.text).length, -1, 0]] };
  }

  /* ---- navigation (static report): one page shown at a time ---- */
  function show() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id ? document.getElementById(id) : null;
    if (!target && id.indexOf("pair-") === 0) {
      var data = pairsData[id] || (pendingPair && pairId(pendingPair[0], pendingPair[1]) === id ? plainPair(pendingPair[0], pendingPair[1]) : null);
      if (data) target = renderPair(id, data);
    }
    var page = target ? (target.classList.contains("page") ? target : target.closest(".page")) : null;
    page = page || document.getElementById("front");
    document.querySelectorAll(".page.shown").forEach(function (p) { if (p !== page) p.classList.remove("shown"); });
    page.classList.add("shown");
    if (target && target.tagName === "DETAILS") { target.open = true; target.scrollIntoView(); }
    else if (target && target !== page) { target.scrollIntoView({ block: "center" }); }
    else { window.scrollTo(0, 0); }
  }
  if (mode === "static") {
    document.body.classList.add("js");
    window.addEventListener("hashchange", show);
    document.querySelectorAll("form.compare-any").forEach(function (form) {
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        pendingPair = [form.a.value, form.b.value];
        var id = pairId(form.a.value, form.b.value);
        if (location.hash === "#" + id) show(); else location.hash = id;
      });
    });
  }

  /* ---- side by side: linked passages and level scrolling ---- */
  function firstMarks(col) {
    var marks = new Map();
    col.querySelectorAll("mark[data-p]").forEach(function (m) { if (!marks.has(m.dataset.p)) marks.set(m.dataset.p, m); });
    return marks;
  }
  function topIn(col, el) { return el.getBoundingClientRect().top - col.getBoundingClientRect().top + col.scrollTop; }
  function anchors(src, dst) {
    /* Passages as (top in src, top in dst), in src order, keeping only those also in order
       in dst, so the mapping never runs backwards. */
    var a = firstMarks(src), b = firstMarks(dst), list = [], pts = [];
    a.forEach(function (m, p) { if (b.has(p)) list.push([topIn(src, m), topIn(dst, b.get(p))]); });
    list.sort(function (x, y) { return x[0] - y[0]; });
    list.forEach(function (pt) { var last = pts[pts.length - 1]; if (!last || (pt[0] > last[0] && pt[1] > last[1])) pts.push(pt); });
    return pts;
  }
  function focusLine(col) {
    /* The reading line moves from the top to the bottom of the column as it scrolls, so the
       first and last passages can be brought level too. */
    var range = Math.max(1, col.scrollHeight - col.clientHeight);
    return col.scrollTop + col.clientHeight * Math.min(1, col.scrollTop / range);
  }
  function offsetAt(pts, y) {
    /* dst top minus src top, interpolated between passages: a passage on the reading line is exactly level. */
    if (!pts.length) return null;
    if (y <= pts[0][0]) return pts[0][1] - pts[0][0];
    for (var i = 0; i + 1 < pts.length; i++) {
      if (y < pts[i + 1][0]) {
        var t = (y - pts[i][0]) / (pts[i + 1][0] - pts[i][0]);
        return (1 - t) * (pts[i][1] - pts[i][0]) + t * (pts[i + 1][1] - pts[i + 1][0]);
      }
    }
    var last = pts[pts.length - 1];
    return last[1] - last[0];
  }
  function wirePair(pair) {
    var cols = pair.querySelectorAll(".col");
    if (cols.length !== 2) return;
    var ignore = new WeakMap();
    function sync(src, dst) {
      if (ignore.get(src)) { ignore.set(src, false); return; }
      var offset = offsetAt(anchors(src, dst), focusLine(src));
      if (offset === null) return;
      var y = Math.max(0, src.scrollTop + offset);
      if (Math.abs(dst.scrollTop - y) > 1) { ignore.set(dst, true); dst.scrollTop = y; }
    }
    cols[0].addEventListener("scroll", function () { sync(cols[0], cols[1]); }, { passive: true });
    cols[1].addEventListener("scroll", function () { sync(cols[1], cols[0]); }, { passive: true });
    function linked(e, on) {
      var hit = e.target.closest && e.target.closest("mark[data-p]");
      if (hit) pair.querySelectorAll('mark[data-p="' + hit.dataset.p + '"]').forEach(function (m) { m.classList.toggle("linked", on); });
    }
    pair.addEventListener("mouseover", function (e) { linked(e, true); });
    pair.addEventListener("mouseout", function (e) { linked(e, false); });
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
  }
  document.querySelectorAll(".pair-cols").forEach(wirePair);
  if (mode === "static") show();

  /* ---- web app: analysis progress ---- */
  var progress = document.getElementById("analysis-progress");
  if (progress && progress.dataset.poll) {
    var bar = progress.querySelector("progress"), label = progress.querySelector(".label");
    var poll = function () {
      fetch(progress.dataset.poll, { headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          label.textContent = s.message || s.state;
          bar.hidden = s.state !== "running";
          document.querySelectorAll("button.needs-idle").forEach(function (b) { b.disabled = s.state === "running" || s.state === "queued"; });
          if (s.total) { bar.max = s.total; bar.value = s.done; } else { bar.removeAttribute("value"); }
          if (s.state === "running" || s.state === "queued") setTimeout(poll, 700);
          else if (s.state === "done" && progress.dataset.reload) location.reload();
        })
        .catch(function () { setTimeout(poll, 2000); });
    };
    poll();
  }
})();

"""Who took from whom, only with evidence; otherwise `unknown`.

Rules, first that applies wins:
1. Attribution: one article credits the other's outlet (`cited_sources` vs `outlet`) and
   was not published earlier -> the credited one is the source (earlier: `unknown`, the
   evidence conflicts).
2. Shared credit: both credit the same agency (neither being that agency's own article)
   -> `common-source`, named.
3. Publication order and containment: the times are known and differ, and the later
   article's shared text covers at least `CONTAINED` of it -> earlier->later.
4. One-sided credit: one credits an agency and the other credits no source besides itself
   (a wire's own dateline is not a credit) -> `common-source`, named; e.g. a newspaper
   citing Xinhua and China News Service's own wire carrying the same Xinhua account.
Never from order alone: two outlets printing one agency's copy at different minutes is the
normal case. Names are compared through a small alias table (Xinhua = 新华社 = 新華社 ...),
folded with textfold so Traditional and Simplified spellings agree.
"""
from __future__ import annotations

from datetime import datetime, timezone

from ..model import Article
from ..textfold import fold

CONTAINED = 0.5

_ALIASES = {
    "xinhua": ("xinhua", "xinhua news agency", "新华社", "新华网", "新华通讯社"),
    "china news service": ("china news service", "chinanews", "中新社", "中国新闻社", "中新网"),
    "afp": ("afp", "agence france-presse", "法新社"),
    "reuters": ("reuters", "路透社", "路透"),
    "ap": ("ap", "associated press", "美联社"),
    "cna": ("cna", "central news agency", "中央社", "中央通讯社", "focus taiwan"),
    "kyodo": ("kyodo", "kyodo news", "共同社"),
    "bbc": ("bbc", "bbc news", "英国广播公司"),
    "dw": ("dw", "deutsche welle", "德国之声"),
    "rfi": ("rfi", "radio france internationale", "法国国际广播电台", "法广"),
    "rthk": ("rthk", "香港电台", "港台"),
    "joins": ("joins", "joongang", "joongang ilbo", "中央日报"),
    "lianhe zaobao": ("lianhe zaobao", "联合早报", "zaobao"),
    "nhan dan": ("nhan dan", "nhân dân", "nhandan", "nhandan.vn"),
}
_CANON = {fold(alias): canon for canon, aliases in _ALIASES.items() for alias in aliases}


def canonical(name: str | None) -> str | None:
    """One key per news organisation, whatever script or language the name is written in."""
    if not name:
        return None
    key = fold(name.strip())
    return _CANON.get(key, key)


def _credits(article: Article) -> dict[str, str]:
    """Canonical key -> name as written, for sources other than the article's own outlet."""
    own = canonical(article.outlet)
    out: dict[str, str] = {}
    for name in article.cited_sources or []:
        key = canonical(name)
        if key and key != own:
            out.setdefault(key, name)
    return out


def _time(article: Article) -> tuple[datetime, str] | None:
    """(comparable time, precision) or None when the date cannot be trusted for ordering."""
    if not article.published or article.published_inferred or article.published_precision == "month-day":
        return None
    try:
        when = datetime.fromisoformat(article.published.replace("Z", "+00:00"))
    except ValueError:
        return None
    if article.published_precision == "date" or when.tzinfo is None or len(article.published) <= 10:
        return datetime(when.year, when.month, when.day, tzinfo=timezone.utc), "date"
    return when.astimezone(timezone.utc), "datetime"


def _order(a: Article, b: Article) -> int:
    """-1 when a is earlier, 1 when b is, 0 when unknown or the same time."""
    ta, tb = _time(a), _time(b)
    if ta is None or tb is None:
        return 0
    if "date" in (ta[1], tb[1]):
        da, db = ta[0].date(), tb[0].date()
        return (da > db) - (da < db)
    seconds = (ta[0] - tb[0]).total_seconds()
    return 0 if abs(seconds) < 60 else (1 if seconds > 0 else -1)


def _where(key: str, outlets_present: set[str]) -> str:
    if key in outlets_present:
        return " (an article by that source is in the collection: see its own links)"
    return "; that source is not in the collection"


def infer_direction(a: Article, b: Article, a_coverage: float, b_coverage: float,
                    outlets_present: set[str]) -> tuple[str, str, str | None]:
    """(direction, evidence, common_source) for the pair (a, b)."""
    order = _order(a, b)
    credits_a, credits_b = _credits(a), _credits(b)
    outlet_a, outlet_b = canonical(a.outlet), canonical(b.outlet)
    for src, copy, credits, arrow, against in ((a, b, credits_b, "a->b", order > 0),
                                               (b, a, credits_a, "b->a", order < 0)):
        outlet = canonical(src.outlet)
        if outlet and outlet in credits:
            if against:
                return "unknown", (f"{copy.id} credits {credits[outlet]}, the outlet of {src.id}, but was "
                                   "published earlier: the evidence conflicts"), None
            return arrow, f"{copy.id} credits {credits[outlet]}, the outlet of {src.id}", None
    for outlet in (outlet_a, outlet_b):         # an agency that is one of the pair is no common source
        credits_a.pop(outlet, None)
        credits_b.pop(outlet, None)
    shared = [key for key in credits_a if key in credits_b]
    if shared:
        name = credits_a[shared[0]]
        return ("common-source",
                f"both credit {name} and neither is {name}'s own copy{_where(shared[0], outlets_present)}", name)
    if order:
        early, late, late_cov = (a, b, b_coverage) if order < 0 else (b, a, a_coverage)
        if late_cov >= CONTAINED:
            return ("a->b" if order < 0 else "b->a"), (
                f"{early.id} was published first ({early.published} before {late.published}) "
                f"and {late_cov:.0%} of {late.id} lies inside it"), None
    for one, other, credits, other_credits in ((a, b, credits_a, credits_b), (b, a, credits_b, credits_a)):
        if credits and not other_credits:
            key = next(iter(credits))
            name = credits[key]
            evidence = (f"{one.id} credits {name} for its account and {other.id} credits no "
                        f"other source{_where(key, outlets_present)}")
            return "common-source", evidence, name
    if order:
        early, late, late_cov = (a, b, b_coverage) if order < 0 else (b, a, a_coverage)
        return "unknown", (f"{early.id} was published first, but only {late_cov:.0%} of {late.id} "
                           "is shared: a common source is as likely"), None
    return "unknown", "no attribution and no usable publication order", None

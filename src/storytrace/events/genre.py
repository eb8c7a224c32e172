"""Is a piece commentary rather than a report? Read from the headline's own label.

Why: analysis, columns, polls and press reviews discuss a theme that several reports
share ("the dollar", "the central bank's tightening"), so every text signal rates them
close to each other and to the reports, yet a piece of commentary belongs to an event
only when it is mainly about that one happening. Outlets label such pieces in the
headline (Reuters 焦点： / ANALYSIS-, RFI 要闻解说, press reviews), so the label is read
rather than guessed; the clusterer asks more evidence of pairs that include one.
"""
from __future__ import annotations

import re

from ..textfold import fold

# Folded (Simplified, half-width, lower case) headline labels, at the start or the end.
_LEADING = ("焦点", "分析", "综述", "调查", "专栏", "观点", "社论", "评论", "解读", "述评", "特稿",
            "analysis", "focus", "column", "commentary", "opinion", "editorial", "explainer",
            "breakingviews", "poll", "phân tích", "bình luận", "góc nhìn", "xã luận",
            "德语媒体", "press review", "điểm báo")   # press reviews: what other papers wrote
_TRAILING = ("路透调查", "要闻解说", "报纸摘要", "报章摘要", "reuters poll")
# Roundups string several happenings together (a week's review, a daily digest), so no one
# event is theirs; they are recognised anywhere in the headline.
_ROUNDUPS = ("一周回顾", "周回顾", "一周走势回顾", "要闻回顾", "新闻摘要", "最新情报", "关键事件", "week in review",
             "weekly review", "news roundup", "key events", "điểm tin", "tin tổng hợp")
# ("关键事件" / "key events": a war's or crisis's daily list of key events, e.g. "…war: key
# events on day 1,354" / "…战争：第1354天关键事件概述", a digest of that day's happenings.)
_ROUNDUP = re.compile("|".join(map(re.escape, _ROUNDUPS)))
_LABEL = re.compile(r"^\W*(?:" + "|".join(map(re.escape, _LEADING)) + r")\s*[:：\-–]")
_SUFFIX = re.compile(r"(?:" + "|".join(map(re.escape, _TRAILING)) + r")\W*(?:-.*)?$")


def is_commentary(title: str) -> bool:
    """True when the headline carries an analysis / column / poll / press-review / roundup label."""
    folded = fold((title or "").strip())
    return bool(_LABEL.search(folded) or _SUFFIX.search(folded) or _ROUNDUP.search(folded))

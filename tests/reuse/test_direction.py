"""Direction only with evidence: attribution, shared credit, order with containment."""
from reuse_samples import article

from storytrace.reuse.direction import canonical, infer_direction


def test_aliases_fold_across_languages_and_scripts():
    assert canonical("新華社") == canonical("Xinhua") == canonical("新华社")
    assert canonical("中央社") == canonical("CNA")
    assert canonical(None) is None


def test_credit_to_the_other_outlet_gives_direction():
    src = article("a", "x", outlet="CNA", published="2021-02-05T10:00:00+08:00", published_precision="datetime")
    copy = article("b", "x", outlet="RFI", cited_sources=["CNA"],
                   published="2021-02-05T12:00:00+08:00", published_precision="datetime")
    direction, evidence, source = infer_direction(src, copy, 0.3, 0.9, {"cna", "rfi"})
    assert direction == "a->b" and "credits CNA" in evidence and source is None
    assert infer_direction(copy, src, 0.9, 0.3, {"cna", "rfi"})[0] == "b->a"


def test_both_crediting_an_absent_agency_is_a_common_source():
    a = article("a", "x", outlet="RFI", cited_sources=["AFP"])
    b = article("b", "x", outlet="CNA", cited_sources=["法新社"])
    direction, evidence, source = infer_direction(a, b, 0.8, 0.7, {"rfi", "cna"})
    assert (direction, source) == ("common-source", "AFP")
    assert "not in the collection" in evidence


def test_one_credit_and_a_wire_dateline_is_a_common_source():
    paper = article("a", "x", outlet="Lianhe Zaobao", cited_sources=["Xinhua"],
                    published="2022-11-25T09:53:00Z", published_precision="datetime")
    wire = article("b", "x", outlet="China News Service", cited_sources=["China News Service"],
                   published="--11-25", published_precision="month-day")
    assert infer_direction(paper, wire, 0.7, 0.6, set())[::2] == ("common-source", "Xinhua")


def test_order_with_containment_gives_direction_but_order_alone_does_not():
    early = article("a", "x", published="2021-02-05", published_precision="date")
    late = article("b", "x", published="2021-02-06", published_precision="date")
    direction, evidence, _ = infer_direction(early, late, 0.4, 0.9, set())
    assert direction == "a->b" and "published first" in evidence
    assert infer_direction(early, late, 0.4, 0.2, set())[0] == "unknown"


def test_no_evidence_means_unknown():
    a, b = article("a", "x"), article("b", "x")
    assert infer_direction(a, b, 1.0, 1.0, set())[0] == "unknown"
    same = dict(published="2021-02-05T10:00:00+08:00", published_precision="datetime")
    assert infer_direction(article("a", "x", **same), article("b", "x", **same), 1.0, 1.0, set())[0] == "unknown"
    inferred = article("c", "x", published="2021-02-01", published_precision="date", published_inferred=True)
    assert infer_direction(inferred, article("d", "x", published="2021-02-09", published_precision="date"),
                           1.0, 1.0, set())[0] == "unknown"


def test_credit_against_publication_order_is_unknown_not_a_common_source():
    src = article("a", "x", outlet="CNA", published="2021-02-05T12:00:00+08:00", published_precision="datetime")
    copy = article("b", "x", outlet="RFI", cited_sources=["中央社"],
                   published="2021-02-05T10:00:00+08:00", published_precision="datetime")
    direction, evidence, source = infer_direction(src, copy, 0.5, 0.5, {"cna", "rfi"})
    assert (direction, source) == ("unknown", None) and "conflicts" in evidence

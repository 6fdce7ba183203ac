"""Render an evaluation report as a readable plain-text table."""

from __future__ import annotations

MODE_LABELS = (("hybrid", "hybrid"), ("lexical", "BM25"), ("dense", "dense"))


def _triple(figures: dict | None) -> str:
    """hit@1 / hit@5 / MRR@10 of one mode, or a dash."""
    if not figures:
        return "–"
    return f"{figures['hit@1']:.3f} / {figures['hit@5']:.3f} / {figures['mrr@10']:.3f}"


def set_rows(sets: dict) -> list[str]:
    """One line per answerable set: hybrid, BM25 and dense figures and key-sentence hit@1."""
    header = f"{'set':34} {'n':>5}  " + "  ".join(f"{label + ' h@1/h@5/MRR':>24}" for _, label in MODE_LABELS)
    lines = [header + f"  {'key sent.':>9}", "-" * (len(header) + 11)]
    for name, figures in sets.items():
        if "hybrid" not in figures:
            continue
        cells = "  ".join(f"{_triple(figures.get(mode)):>24}" for mode, _ in MODE_LABELS)
        lines.append(f"{name:34} {figures['hybrid']['n']:>5}  {cells}  {figures['key_sentence@1']:>9.3f}")
    return lines


def followup_rows(followups: dict) -> list[str]:
    """Turn 1, turn 2 with history and turn 2 alone."""
    lines = ["", "follow-ups (hybrid)                   n   h@1 / h@5 / MRR@10"]
    for key, label in (("turn1", "turn 1"), ("turn2_with_history", "turn 2 with history"),
                       ("turn2_alone", "turn 2 alone")):
        figures = followups.get(key)
        if figures:
            lines.append(f"  {label:32} {figures['n']:>5}   {_triple(figures)}")
    return lines


def _bands(figures: dict) -> str:
    """Shares shown as found / unsure / not found, when measured."""
    shares = figures.get("bands")
    if not shares:
        return ""
    return f"   found {shares['found']:.3f} / unsure {shares['unsure']:.3f} / not found {shares['not_found']:.3f}"


def abstention_rows(abstention: dict) -> list[str]:
    """Shares of questions flagged found=false (unsure or not found), out of the library and in it, and the
    share in each outcome band."""
    lines = ["", "abstention (share flagged found=false; then each outcome band)"]
    for language, figures in abstention.get("held_out", {}).items():
        out, kept = figures["out_of_library"], figures["answerable"]
        lines.append(f"  {language}: gold passage left out   {out['flagged']:.3f} of {out['n']}{_bands(out)}"
                     f"   (answer elsewhere, skipped: {figures['skipped_answer_elsewhere']})")
        lines.append(f"  {language}: gold passage present    {kept['flagged']:.3f} of {kept['n']}{_bands(kept)}")
    for name, figures in abstention.get("in_library_flagged", {}).items():
        lines.append(f"  answerable, full library: {name:24} {figures['flagged']:.3f} of {figures['n']}{_bands(figures)}")
    for name, figures in abstention.get("near_miss_unanswerable", {}).items():
        lines.append(f"  unanswerable, topic passage present: {name} {figures['flagged']:.3f} of {figures['n']}"
                     f"{_bands(figures)}")
    return lines


def shown_rows(sets: dict) -> list[str]:
    """Per answerable set: passages worth reading out of the first top_k, and the answer's presence in them."""
    rows = [(name, f["shown"]) for name, f in sets.items() if "shown" in f]
    if not rows:
        return []
    lines = ["", "passages shown (hybrid, of top_k)      avg shown   hit in shown   hit in top_k"]
    for name, shown in rows:
        lines.append(f"  {name:34} {shown['passages']:>9.2f}   {shown['hit']:>12.3f}   {shown['hit_top_k']:>12.3f}")
    return lines


def render(report: dict) -> str:
    """The whole report as text."""
    libraries = ", ".join(f"{lang}: {v['articles']} passages in {v['chunks']} chunks"
                          for lang, v in report.get("libraries", {}).items())
    lines = [f"libraries: {libraries}", f"settings: {report.get('settings', {})}", ""]
    lines += set_rows(report.get("sets", {}))
    lines += shown_rows(report.get("sets", {}))
    lines += followup_rows(report.get("followups", {}))
    lines += abstention_rows(report.get("abstention", {}))
    timing = report.get("latency")
    if timing:
        lines += ["", f"latency at {timing['chunks']} chunks (median, warm): "
                      f"dense search {timing['dense_plain_ms']} ms, full hybrid ask {timing['hybrid_ms']} ms, "
                      f"added {timing['added_ms']} ms"]
    lines.append(f"took {report.get('seconds', 0)} s")
    return "\n".join(lines)

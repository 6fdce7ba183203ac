"""Render the benchmark results as Markdown, with each target and whether it was met."""

from __future__ import annotations


def _f(value, digits: int = 1) -> str:
    """A number for a table cell ('–' when missing)."""
    return "–" if value is None else f"{value:,.{digits}f}"


def _verdict(ok: bool | None) -> str:
    return "–" if ok is None else ("met" if ok else "NOT met")


def _ingest(results: dict) -> list[str]:
    ingest = results.get("ingest")
    if not ingest:
        return []
    lines = ["## Ingest throughput", "",
             f"{ingest['articles']} real articles ({ingest['chunks']} chunks) from the shared evaluation corpora, "
             "parse → chunk → embed → store → index via `Library.add_articles`, against plain "
             "`SentenceTransformer.encode` (fp32, batch 32) of the same chunk texts in the same run "
             "(mean of a run before and after).", "",
             "| path | chunks/s | × raw fp32 encode |", "| --- | ---: | ---: |",
             f"| raw `SentenceTransformer.encode` | {_f(ingest['raw_encode_chunks_per_s'])} | 1.00 |"]
    for name, run in ingest["pipeline"].items():
        lines.append(f"| pipeline, backend `{name}` | {_f(run['chunks_per_s'])} | {_f(run['ratio_to_raw_fp32_encode'], 2)} |")
    return lines + [""]


def _memory(results: dict) -> list[str]:
    memory = results.get("memory")
    if not memory:
        return []
    lines = ["## Bulk ingest memory", "", f"Embedder: **{memory['embedder']}**.", "",
             "Both indexes are saved every 4,096 chunks and searched where they lie in their files, so memory holds "
             "only what was added since the last save; the last column is the size of the saved files (on disk, "
             "mapped, not resident).", "",
             "| articles | chunks | JSONL MiB | seconds | peak RSS MiB | index files MiB |",
             "| ---: | ---: | ---: | ---: | ---: | ---: |"]
    for run in memory["runs"]:
        lines.append(f"| {run['articles']:,} | {run['chunks']:,} | {_f(run['file_mb'])} | {_f(run['seconds'])} | "
                     f"{_f(run['peak_rss_mb'])} | {_f(run.get('index_serialised_mb'))} |")
    return lines + [""]


def _backends(results: dict) -> list[str]:
    backends = results.get("backends")
    if not backends:
        return []
    lines = ["## Embedding backends", "", "| backend | passages/s | query p50 ms | cosine to fp32 (min / mean) |",
             "| --- | ---: | ---: | --- |"]
    for name, run in backends.items():
        lines.append(f"| `{name}` | {_f(run['passages_per_s'])} | {_f(run['query_p50_ms'])} | "
                     f"{run['cosine_to_torch_min']:.4f} / {run['cosine_to_torch_mean']:.4f} |")
    return lines + [""]


def _quality(results: dict) -> list[str]:
    quality = results.get("quality")
    if not quality:
        return []
    backends = list(quality["backends"])
    limit = f"the first {quality['limit']} questions of each set" if quality.get("limit") else "every question"
    lines = ["## Quality by backend (`tanya eval` on the shared sets)", "",
             f"The same evaluation ({limit}) with each backend: `onnx` embeds passages with the fp32 graph and "
             "questions with the int8 one, `onnx-int8` both with int8, so the two differ in the passages' precision. "
             "Hybrid hit@1 / MRR@10 / key-sentence hit@1.", "", "| set | " + " | ".join(f"`{b}`" for b in backends) + " |",
             "| --- |" + " --- |" * len(backends)]
    for name, scores in quality["backends"][backends[0]].items():
        if "hybrid.hit@1" not in scores:
            continue
        cells = [" / ".join(_f(quality["backends"][backend].get(name, {}).get(figure), 3) for figure in scores)
                 for backend in backends]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines + [""]


def _query(results: dict) -> list[str]:
    query = results.get("query")
    if not query:
        return []
    lines = ["## Query latency (warm) and index by size", "",
             "Synthetic chunks (words drawn from the real corpora, vectors mixed from real passage embeddings plus "
             "noise) written to SQLite in bulk and indexed as `Library.reindex` does; real questions embedded by the real "
             f"model (backend `{results.get('meta', {}).get('query_backend', 'torch')}`). `ask` is `Library.ask` end to end "
             "(query cache cleared); the stages below are the times its pipeline reported for the same questions.", "",
             "| chunks | index | recall@10 | ask p50 | ask p95 | vector B/chunk | lexical file B/chunk |",
             "| ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
    runs = sorted(query.items(), key=lambda item: int(item[0]))
    for size, run in runs:
        lines.append(f"| {int(size):,} | {run['index_kind']} | {run['recall_at_10']:.3f} | "
                     f"{_f(run['ask_ms']['p50'])} | {_f(run['ask_ms']['p95'])} | "
                     f"{_f(run['vector_index_bytes_per_chunk'], 0)} | {_f(run['lexical_file_bytes_per_chunk'], 0)} |")
    lines += _stages(runs)
    for size, run in query.items():
        variant = run.get("approximate_variant")
        if variant:
            lines += ["", f"The {int(size):,}-chunk library with an approximate index instead ({variant['index_kind']}, "
                      f"nprobe {variant['nprobe']}, built in {variant['build_s']:.1f} s): recall@10 "
                      f"{variant['recall_at_10']:.3f}, vector search {variant['vector_search_ms_mean']:.2f} ms, "
                      f"ask p50 {variant['ask_ms']['p50']:.1f} ms / p95 {variant['ask_ms']['p95']:.1f} ms."]
    sweeps = [(size, run) for size, run in query.items() if run.get("nprobe_sweep")]
    for size, run in sweeps:
        lines += ["", f"IVF nprobe sweep at {int(size):,} chunks (default nprobe {run['nprobe']}):", "",
                  "| nprobe | recall@10 | search ms |", "| ---: | ---: | ---: |"]
        lines += [f"| {s['nprobe']} | {s['recall_at_10']:.3f} | {_f(s['search_ms'], 2)} |" for s in run["nprobe_sweep"]]
    return lines + [""]


def _stages(runs: list[tuple[str, dict]]) -> list[str]:
    """One row per ask pipeline stage, p50 / p95 ms per library size."""
    names = list(dict.fromkeys(name for _, run in runs for name in run.get("stages_ms", {})))
    if not names:
        return []
    lines = ["", "| stage (ms p50 / p95) | " + " | ".join(f"{int(size):,}" for size, _ in runs) + " |",
             "| --- |" + " ---: |" * len(runs)]
    for name in names:
        cells = [run["stages_ms"].get(name) for _, run in runs]
        lines.append(f"| {name} | " + " | ".join(f"{_f(c['p50'])} / {_f(c['p95'])}" if c else "" for c in cells) + " |")
    return lines


def _anchor(results: dict) -> list[str]:
    anchor = results.get("anchor")
    if not anchor:
        return []
    lines = ["## Anchor: txtai `Embeddings(hybrid=True)` on the same passages and questions", "",
             f"{anchor['tanya']['passages']} passages (Tanya's chunks of the first tydiqa-id and xquad-en documents) and "
             f"{anchor['questions']} of their questions; txtai loads the same bundled model folder (torch). hit@1: the "
             "first passage holds a gold answer.", ""]
    txtai = anchor.get("txtai", {})
    if "skipped" in txtai:
        return lines + [f"txtai skipped: {txtai['skipped']}.", ""]
    lines += ["| system | ingest passages/s | query p50 ms | query p95 ms | query embedding p50 ms | hit@1 |",
              "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, run in (("Tanya `ask`", anchor["tanya"]), ("txtai `search`", txtai)):
        embedding = run.get("query_embedding_ms", {}).get("p50")
        lines.append(f"| {name} | {_f(run['ingest_passages_per_s'])} | {_f(run['query_ms']['p50'])} | "
                     f"{_f(run['query_ms']['p95'])} | {_f(embedding)} | {run['hit_at_1']:.3f} |")
    return lines + [""]


def _startup(results: dict) -> list[str]:
    startup = results.get("startup")
    if not startup:
        return []
    lines = ["## Start-up to first answer (fresh process)", "",
             "| chunks | backend | imports s | model s | open library s | first answer s | total s | RSS at rest MiB | "
             "indexes+DB MiB |", "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for run in startup:
        lines.append(f"| {run['size']:,} | `{run['backend']}` | {_f(run['imports_s'], 2)} | {_f(run['model_s'], 2)} | "
                     f"{_f(run['library_open_s'], 2)} | {_f(run['first_answer_s'], 2)} | "
                     f"{_f(run['process_wall_s'], 2)} | {_f(run['rss_at_rest_mb'], 0)} | {_f(run['rss_indexes_db_mb'], 0)} |")
    return lines + [""]


def _feeds(results: dict) -> list[str]:
    """The feed polling figures of issue 13 (no target set: each is reported as measured)."""
    feeds = results.get("feeds")
    if not feeds:
        return []
    unchanged, new = feeds["unchanged"], feeds["new_round"]
    answerable = new["all_answerable_s"]
    return ["## Feed polling", "",
            "Feeds served by a local HTTP server on 127.0.0.1 that counts the response bytes it writes (headers and "
            f"body). The {unchanged['feeds']} unchanged feeds were stored by a first round (hashing embedder) and "
            f"made due again; the round of new entries is one feed of {new['entries']} real full-text passages, "
            f"embedded by `{new['embedder']}`, each asked by its title through `Library.ask`.", "",
            "| figure | measured | status |", "| --- | --- | --- |",
            f"| round over {unchanged['feeds']} unchanged feeds: wall time | {_f(unchanged['second_round_s'], 2)} s | "
            "no target |",
            f"| round over {unchanged['feeds']} unchanged feeds: response bytes on the wire | "
            f"{unchanged['second_round_bytes']:,} B ({_f(unchanged['second_round_bytes'] / unchanged['feeds'], 0)} "
            "B/feed) | no target |",
            f"| feeds answering 304 | {unchanged['not_modified']} of {unchanged['polled']} polled "
            f"({unchanged['errors']} errors, {unchanged['new_in_second_round']} new) | "
            f"{'all 304' if unchanged['not_modified'] == unchanged['feeds'] else 'NOT all 304'} |",
            f"| round of {new['entries']} new entries: poll (download, store, embed, index) | {_f(new['poll_s'], 2)} s "
            f"({new['new']} stored) | no target |",
            f"| round of {new['entries']} new entries: poll start until all answerable at rank 1 | "
            f"{_f(answerable, 2)} s ({new['answerable']} of {new['entries']} at rank 1; {new['asks']} asks, mean "
            f"{_f(new['ask_mean_ms'])} ms) | {'all answerable' if answerable is not None else 'NOT all answerable'} |",
            ""]


def targets(results: dict) -> list[tuple[str, str, bool | None]]:
    """(target, measured, met?) for each target of the issue that this run measured."""
    rows = []
    ingest = results.get("ingest", {}).get("pipeline", {})
    if "torch" in ingest:
        ratio = ingest["torch"]["ratio_to_raw_fp32_encode"]
        rows.append(("ingest ≥ 0.9× raw encode", f"{ratio:.2f}×", ratio >= 0.9))
    if "onnx-int8" in ingest:
        ratio = ingest["onnx-int8"]["ratio_to_raw_fp32_encode"]
        rows.append(("ingest with `onnx-int8` ≥ 1.8× raw fp32 encode (with the quality row: int8 for passages by default)",
                     f"{ratio:.2f}×", ratio >= 1.8))
    rows += _embedding_targets(results)
    query = results.get("query", {})
    for size, limit in (("100000", 20.0), ("1000000", 30.0)):
        if size in query:
            p50 = query[size]["ask_ms"]["p50"]
            c = query[size]["stages_ms"]
            search = sum(c[k]["p50"] for k in ("vector", "lexical", "fusion", "database"))
            rows.append((f"warm ask p50 ≤ {limit:.0f} ms at {int(size):,}",
                         f"ask {p50:.1f} ms (query embedding {c['embed']['p50']:.1f} ms; search + fusion + database "
                         f"{search:.1f} ms)", p50 <= limit))
            recall = query[size]["recall_at_10"]
            rows.append((f"recall@10 ≥ 0.95 at {int(size):,}", f"{recall:.3f}", recall >= 0.95))
    if "1000000" in query:
        run = query["1000000"]
        lexical = run["stages_ms"]["lexical"]
        rows.append(("lexical search p50 ≤ 5 ms at 1M", f"{lexical['p50']:.1f} ms (p95 {lexical['p95']:.1f} ms)",
                     lexical["p50"] <= 5))
        memory = run["vector_index_bytes_per_chunk"] + run["lexical_file_bytes_per_chunk"]
        rows.append(("index files ≤ 2 KB/chunk at 1M (serialised sizes)", f"{memory:,.0f} B", memory <= 2048))
    for run in results.get("startup", []):
        if run["size"] == 1_000_000:
            total = run["process_wall_s"]
            rows.append((f"start-up ≤ 10 s at 1M ({run['backend']})", f"{total:.1f} s", total <= 10))
            beyond = (run["rss_at_rest_mb"] - run["rss_after_imports_mb"] - run["rss_model_mb"]) * 2**20 / run["size"]
            rows.append((f"resident memory beyond the model ≤ 0.6 KB/chunk at 1M ({run['backend']})",
                         f"{beyond:,.0f} B/chunk", beyond <= 600))
    memory_runs = results.get("memory", {}).get("runs", [])
    if len(memory_runs) >= 2:
        small, large = memory_runs[0], memory_runs[-1]
        ratio = large["peak_rss_mb"] / small["peak_rss_mb"]
        rows.append((f"bulk ingest peak RSS, {large['articles']:,} vs {small['articles']:,} articles ≤ 1.5×",
                     f"{ratio:.2f}× ({large['peak_rss_mb']:,.0f} / {small['peak_rss_mb']:,.0f} MiB)", ratio <= 1.5))
    anchor = results.get("anchor", {})
    if anchor.get("txtai", {}).get("query_embedding_ms"):
        ask, embedding = anchor["tanya"]["query_ms"]["p50"], anchor["txtai"]["query_embedding_ms"]["p50"]
        rows.append(("Tanya's whole ask < txtai's query embedding alone (p50)", f"{ask:.1f} ms vs {embedding:.1f} ms",
                     ask < embedding))
    return rows


def largest_loss(quality: dict, reference: str, candidate: str) -> tuple[float, str]:
    """The largest drop, in points, of `candidate` below `reference` over every set and figure, and where."""
    worst, where = 0.0, ""
    for name, scores in quality["backends"][reference].items():
        for figure, value in scores.items():
            drop = (value - quality["backends"][candidate].get(name, {}).get(figure, 0.0)) * 100
            if drop > worst or not where:
                worst, where = drop, f"{name} {figure}"
    return worst, where


def _embedding_targets(results: dict) -> list[tuple[str, str, bool | None]]:
    """Question embedding time of the default backend, and how close the int8 graph stays to fp32."""
    rows = []
    backends = results.get("backends", {})
    default = results.get("meta", {}).get("backend", "onnx")
    if default in backends:
        p50 = backends[default]["query_p50_ms"]
        rows.append((f"question embedding p50 ≤ 5 ms (default `{default}`)", f"{p50:.1f} ms", p50 <= 5))
    if "onnx-int8" in backends:
        cosine = backends["onnx-int8"]["cosine_to_torch_min"]
        rows.append(("`onnx-int8` vectors: cosine to fp32 ≥ 0.9999 (passages)", f"{cosine:.5f} (min)", cosine >= 0.9999))
    quality = results.get("quality", {})
    if {"onnx", "onnx-int8"} <= set(quality.get("backends", {})):
        loss, where = largest_loss(quality, "onnx", "onnx-int8")
        rows.append(("`onnx-int8` within 0.5 points of fp32 on every set (`tanya eval`)",
                     f"largest drop {loss:.2f} points ({where})", loss <= 0.5))
    return rows


def markdown(results: dict) -> str:
    """The whole report."""
    meta = results.get("meta", {})
    lines = ["# Tanya Berita benchmark", "",
             f"{'Quick' if meta.get('quick') else 'Full'} run, {meta.get('when', '')}, {meta.get('machine', '')}, "
             f"Python {meta.get('python', '')}; load average {meta.get('load_average_at_start', 0):.1f} at start "
             f"(other work shares this machine, so absolute times are noisy; ratios are measured in the same run).", "",
             "Reproduce: `make bench` (full) or `tanya bench --quick`.", ""]
    rows = targets(results)
    if rows:
        lines += ["## Targets", "", "| target | measured | verdict |", "| --- | --- | --- |"]
        lines += [f"| {name} | {value} | {_verdict(ok)} |" for name, value, ok in rows] + [""]
    for part in (_ingest, _memory, _backends, _quality, _query, _startup, _anchor, _feeds):
        lines += part(results)
    return "\n".join(lines) + "\n"

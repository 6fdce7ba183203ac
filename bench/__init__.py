"""Benchmarks of ingest, query latency, index scale, embedding backends and start-up (`tanya bench`)."""

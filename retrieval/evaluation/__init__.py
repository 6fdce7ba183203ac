"""Evaluation: `tanya eval` over a folder of public question sets, with metrics and a plain-text report."""

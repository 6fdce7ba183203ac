"""Answering a question as explicit stages: find candidates, score them, pick passages, judge and mark them.

`query` holds what one question carries through the stages, the stage modules (`candidates`, `scoring`,
`sentences`, `selection`) one concern each, and `pipeline` which stages run in each search mode, timing each.
"""

"""Extractors that live with their capability: each module here defines `extract(registrations) -> Files`
and tools/artifacts.py picks it up, so adding a pipeline's render needs no edit elsewhere."""

"""Offline tooling: render under Pulumi's mock engine, benchmark, and diff renders."""

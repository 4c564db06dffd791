"""Grafana dashboards as code, one module per dashboard, built with grafana-foundation-sdk."""

"""Names that exist outside this repository: exporter metrics, chart objects."""

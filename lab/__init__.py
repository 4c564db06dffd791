"""The alert lab: the stack's rendered rules and routing on real Prometheus and Alertmanager servers."""

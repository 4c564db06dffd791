"""API versions of the custom resources this program creates: one spelling each."""

# Prometheus Operator: ServiceMonitor, PodMonitor, Probe, PrometheusRule.
MONITORING = "monitoring.coreos.com/v1"
# Prometheus Operator's ScrapeConfig is still alpha in the pinned CRDs (components/versions.py).
MONITORING_ALPHA = "monitoring.coreos.com/v1alpha1"
# Dapr's Configuration resource (installed with Dapr, not by this program).
DAPR_CONFIGURATION = "dapr.io/v1alpha1"

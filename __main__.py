"""todo-observability: the production observability stack of the Todo AI Chatbot.

Reads like a table of contents: load the stack's config, build each capability, export what
operators need. Each component lives in components/, its pure rendering in render/.
"""

import pulumi

from components.alert_rules import AlertRules, AlertRulesArgs
from components.alertmanager import AlertRouting, AlertRoutingArgs
from components.crds import PrometheusOperatorCrds, PrometheusOperatorCrdsArgs
from components.dashboards import Dashboards, DashboardsArgs
from components.health import HealthProbes, HealthProbesArgs
from components.kafka import KafkaMonitoring, KafkaMonitoringArgs
from components.logging import LoggingPipeline, LoggingPipelineArgs
from components.long_term_storage import LongTermStorageArgs, long_term_storage
from components.metrics import MetricsStack, MetricsStackArgs
from components.metrics_inputs import merge_grafana_inputs
from components.monitors import ScrapeTargets, ScrapeTargetsArgs
from components.namespaces import ObservabilityNamespaces, ObservabilityNamespacesArgs
from components.providers import build_providers
from components.tracing import TracingPipeline, TracingPipelineArgs
from settings import load_from_pulumi

stack = load_from_pulumi()
settings, secrets = stack.settings, stack.secrets
providers = build_providers(settings, secrets)

namespaces = ObservabilityNamespaces("observability", ObservabilityNamespacesArgs(settings, providers))
metrics_namespace = namespaces.metrics
crds = PrometheusOperatorCrds(
    "prometheus-operator-crds", PrometheusOperatorCrdsArgs(settings, providers, metrics_namespace)
)

alert_routing = AlertRouting("alert-routing", AlertRoutingArgs(settings, secrets, providers, metrics_namespace))
long_term = long_term_storage("long-term-storage", LongTermStorageArgs(settings, providers, crds, metrics_namespace))
logs = LoggingPipeline(
    "logging", LoggingPipelineArgs(settings, secrets, providers, namespaces.logging, metrics_namespace, crds)
)
tracing = TracingPipeline(
    "tracing",
    TracingPipelineArgs(
        settings,
        providers,
        namespaces.tracing,
        crds,
        azure_workspace_resource_id=logs.log_workspace_id,
        azure_grafana_reader_principal_id=logs.grafana_reader_principal_id,
    ),
)
metrics = MetricsStack(
    "metrics",
    MetricsStackArgs(
        settings,
        providers,
        crds,
        metrics_namespace,
        secrets,
        alertmanager=alert_routing.inputs,
        thanos=long_term.sidecar_inputs,
        grafana=merge_grafana_inputs(tracing.grafana, logs.grafana, long_term.grafana_inputs),
    ),
)
health = HealthProbes("health", HealthProbesArgs(settings, providers, crds, metrics_namespace))
scrape_targets = ScrapeTargets("scrape-targets", ScrapeTargetsArgs(settings, providers, crds, metrics_namespace))
kafka = KafkaMonitoring("kafka", KafkaMonitoringArgs(settings, secrets, providers, metrics_namespace, crds))
dashboards = Dashboards("dashboards", DashboardsArgs(settings, providers, metrics_namespace))
alert_rules = AlertRules("alert-rules", AlertRulesArgs(settings, providers, crds, metrics_namespace))

pulumi.export("namespace", metrics.namespace)
pulumi.export("prometheusService", metrics.prometheus_service)
pulumi.export("grafanaService", metrics.grafana_service)
pulumi.export("secretsToSet", secrets.placeholders)

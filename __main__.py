"""todo-observability: the production observability stack of the Todo AI Chatbot.

Reads like a table of contents: load the stack's config, pick its cloud's platform, build each
capability from its own config sections and the stack-wide context, export what operators need.
Each component lives in components/, its pure rendering in render/, what changes with the cloud in
components/<cloud>/platform.py (docs/architecture.md).
"""

import pulumi

from components.alert_rules import AlertRules, AlertRulesArgs
from components.alertmanager import AlertRouting, AlertRoutingArgs, receiver_credentials
from components.crds import PrometheusOperatorCrds, PrometheusOperatorCrdsArgs
from components.dashboards import Dashboards, DashboardsArgs
from components.grafana_identity import GrafanaIdentityArgs
from components.health import HealthProbes, HealthProbesArgs
from components.kafka import KafkaMonitoring, KafkaMonitoringArgs, KafkaSecrets
from components.logging import LoggingPipeline, LoggingPipelineArgs
from components.long_term_storage import LongTermStorageArgs, long_term_storage
from components.metrics import MetricsStack, MetricsStackArgs
from components.monitors import ScrapeTargets, ScrapeTargetsArgs
from components.namespaces import ObservabilityNamespaces, ObservabilityNamespacesArgs
from components.platform import platform_secrets
from components.platforms import load_from_pulumi, platform_for
from components.providers import build_providers
from components.tracing import TracingPipeline, TracingPipelineArgs
from contracts.inputs import merge_grafana_inputs
from dashboards.common import DashboardSections
from rules import RuleSections

stack = load_from_pulumi()
settings, secrets = stack.settings, stack.secrets
platform = platform_for(settings.cloud)
cloud = platform.section(settings)
context = settings.context()
providers = build_providers(settings, secrets, platform)
inherit = providers.options()

namespaces = ObservabilityNamespaces(
    "observability",
    ObservabilityNamespacesArgs(context, settings.logging.namespace, settings.tracing.namespace),
    inherit,
)
crds = PrometheusOperatorCrds(
    "prometheus-operator-crds", PrometheusOperatorCrdsArgs(context, namespaces.metrics), inherit
)
grafana_identity = platform.grafana_identity(
    "grafana-identity",
    GrafanaIdentityArgs(context, settings.cluster, cloud, metrics_namespace=namespaces.metrics),
    inherit,
)

alert_routing = AlertRouting(
    "alert-routing",
    AlertRoutingArgs(
        settings.alerting, context, receiver_credentials(settings.alerting, secrets), namespace=namespaces.metrics
    ),
    inherit,
)
long_term = long_term_storage(
    "long-term-storage",
    LongTermStorageArgs(
        settings.metrics.long_term,
        settings.cluster,
        cloud,
        context,
        namespace=namespaces.metrics,
        crds=crds,
        platform=platform,
        identity_provider=providers.identity,
    ),
    inherit,
)
logs = LoggingPipeline(
    "logging",
    LoggingPipelineArgs(
        settings.logging,
        settings.cluster,
        cloud,
        context,
        namespace=namespaces.logging,
        crds=crds,
        platform=platform,
        platform_secrets=platform_secrets(platform, secrets),
        grafana_identity=grafana_identity,
        identity_provider=providers.identity,
    ),
    inherit,
)
tracing = TracingPipeline(
    "tracing",
    TracingPipelineArgs(
        settings.tracing,
        settings.services,
        settings.application_namespaces,
        context,
        namespace=namespaces.tracing,
        crds=crds,
        platform=platform,
        cluster=settings.cluster,
        cloud=cloud,
        grafana_identity=grafana_identity,
        log_store_id=logs.log_store_id,
    ),
    inherit,
)
metrics = MetricsStack(
    "metrics",
    MetricsStackArgs(
        settings.metrics,
        settings.grafana,
        settings.cluster.name,
        settings.environment,
        context,
        crds=crds,
        namespace=namespaces.metrics,
        grafana_admin_password=secrets.get("grafanaAdminPassword"),
        alertmanager=alert_routing.inputs,
        thanos=long_term.sidecar_inputs,
        grafana=merge_grafana_inputs(
            grafana_identity.grafana if grafana_identity else None,
            tracing.grafana,
            logs.grafana,
            long_term.grafana_inputs,
        ),
    ),
    inherit,
)
health = HealthProbes("health", HealthProbesArgs(settings.services, context, crds, namespaces.metrics), inherit)
scrape_targets = ScrapeTargets(
    "scrape-targets",
    ScrapeTargetsArgs(
        settings.services,
        settings.application_namespaces,
        settings.metrics,
        settings.kafka,
        context,
        crds=crds,
        namespace=namespaces.metrics,
    ),
    inherit,
)
kafka = KafkaMonitoring(
    "kafka",
    KafkaMonitoringArgs(settings.kafka, context, KafkaSecrets.of(secrets), namespace=namespaces.metrics, crds=crds),
    inherit,
)
dashboards = Dashboards(
    "dashboards",
    DashboardsArgs(DashboardSections.of(settings, platform.logs_datasource_type), context, namespaces.metrics),
    inherit,
)
alert_rules = AlertRules(
    "alert-rules", AlertRulesArgs(RuleSections.of(settings), context, crds, namespaces.metrics), inherit
)

pulumi.export("namespace", metrics.namespace)
pulumi.export("prometheusService", metrics.prometheus_service)
pulumi.export("grafanaService", metrics.grafana_service)
pulumi.export("secretsToSet", secrets.placeholders)

"""Kafka observability: Kafka UI secured and read-only in production, credentials only in Secrets,
lag exporter and monitors per Kafka mode (local = Strimzi, prod-oci = managed Redpanda)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml

from components.platforms import parse_settings
from render.kafka_exporter import kafka_exporter_values, service_monitor
from render.kafka_scrape import strimzi_pod_monitors, vendor_metrics_username, vendor_scrape_config_spec
from render.kafka_ui import jaas_config, kafka_ui_values, login_mode
from settings import ConfigError
from settings.model import KafkaSaslSettings, StackSettings
from tests.harness import PRODUCTION_STACKS, Rendered, render_stack
from tools.stackfile import stack_file, stack_sections

CRD_RELEASE = "kubernetes:helm.sh/v3:Release::prometheus-operator-crds"
SECRET_TYPE = "kubernetes:core/v1:Secret"
CONFIG_MAP_TYPE = "kubernetes:core/v1:ConfigMap"
LOCAL: dict[str, Any] = {"environment": "development", "cloud": "local"}
MANAGED_KAFKA: dict[str, Any] = {
    "mode": "managed",
    "vendor": "redpanda",
    "bootstrapServers": "seed-0.example.cloud.redpanda.com:9092,seed-1.example.cloud.redpanda.com:9092",
    "tls": True,
    "sasl": {"mechanism": "SCRAM-SHA-256", "username": "todo"},
    "metricsEndpoint": "https://console-abc.byoc.prd.cloud.redpanda.com/api/cloud/prometheus/public_metrics",
}
# Text that only appears if a credential leaked: the offline render's placeholders, the mock
# engine's generated Kafka UI password, and a JAAS line (it embeds the SASL password).
LEAK_MARKERS = ("PLACEHOLDER-set-secrets", "mock-kafka-ui-login", "ScramLoginModule", "PlainLoginModule")


def settings_of(**overrides: Any) -> StackSettings:
    raw = copy.deepcopy(LOCAL)
    raw.update(overrides)
    return parse_settings(raw, "test")


def with_kafka_ui(raw: dict[str, Any], **ui: Any) -> dict[str, Any]:
    raw = copy.deepcopy(raw)
    raw.setdefault("kafka", {}).setdefault("ui", {}).update(ui)
    return raw


def plain_env(values: dict[str, Any]) -> dict[str, str]:
    return {entry["name"]: entry["value"] for entry in values["env"]}


# --- pure rendering ---------------------------------------------------------------------------


def test_login_form_with_generated_password_unless_oidc_is_configured() -> None:
    default = settings_of()
    values = kafka_ui_values(default.kafka, False, "creds", {})
    assert login_mode(default.kafka) == "LOGIN_FORM"
    assert plain_env(values)["AUTH_TYPE"] == "LOGIN_FORM"
    assert values["envs"]["secretMappings"]["SPRING_SECURITY_USER_PASSWORD"] == {
        "name": "creds",
        "keyName": "login-password",
    }

    oidc = settings_of(kafka={"ui": {"oidcIssuerUrl": "https://login.example.com/realms/todo", "oidcClientId": "ui"}})
    values = kafka_ui_values(oidc.kafka, False, "creds", {})
    env = plain_env(values)
    assert env["AUTH_TYPE"] == "OAUTH2"
    assert env["AUTH_OAUTH2_CLIENT_OIDC_ISSUERURI"] == "https://login.example.com/realms/todo"
    assert env["AUTH_OAUTH2_CLIENT_OIDC_CLIENTID"] == "ui"
    assert "SPRING_SECURITY_USER_PASSWORD" not in values["envs"]["secretMappings"]
    assert values["envs"]["secretMappings"]["AUTH_OAUTH2_CLIENT_OIDC_CLIENTSECRET"]["keyName"] == "oidc-client-secret"


def test_ui_values_carry_no_credential_and_no_configmap_config() -> None:
    settings = settings_of(kafka=MANAGED_KAFKA)
    values = kafka_ui_values(settings.kafka, False, "creds", {})
    env = plain_env(values)
    assert not [name for name in env if any(word in name for word in ("PASSWORD", "SECRET", "JAAS"))]
    assert set(values["envs"]) == {"secretMappings"}, "envs.secret/envs.config would put values in Helm"
    assert "yamlApplicationConfig" not in values and "existingConfigMap" not in values
    assert env["KAFKA_CLUSTERS_0_PROPERTIES_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert env["KAFKA_CLUSTERS_0_PROPERTIES_SASL_MECHANISM"] == "SCRAM-SHA-256"
    secret_keys = {mapping["keyName"] for mapping in values["envs"]["secretMappings"].values()}
    assert secret_keys == {"login-password", "sasl-jaas-config"}


def test_ui_is_read_only_in_production_and_cluster_ip_without_ingress() -> None:
    development = settings_of(kafka={"ui": {"readOnly": False}})
    assert plain_env(kafka_ui_values(development.kafka, False, "c", {}))["KAFKA_CLUSTERS_0_READONLY"] == "false"
    # A production stack is read-only even if its `readOnly` were false (validation refuses that today).
    values = kafka_ui_values(development.kafka, True, "c", {})
    assert plain_env(values)["KAFKA_CLUSTERS_0_READONLY"] == "true"
    assert values["service"]["type"] == "ClusterIP"
    assert values["ingress"] == {"enabled": False}


def test_ingress_only_with_tls() -> None:
    settings = settings_of(kafka={"ui": {"ingressHost": "kafka.example.com", "ingressTlsSecret": "kafka-tls"}})
    ingress = kafka_ui_values(settings.kafka, False, "c", {})["ingress"]
    assert ingress["enabled"] is True and ingress["host"] == "kafka.example.com"
    assert ingress["tls"] == {"enabled": True, "secretName": "kafka-tls"}


def test_jaas_config_escapes_quotes_and_backslashes() -> None:
    line = jaas_config(KafkaSaslSettings(mechanism="SCRAM-SHA-512", username='u"x'), 'p"a\\ss')
    assert line == (
        'org.apache.kafka.common.security.scram.ScramLoginModule required username="u\\"x" password="p\\"a\\\\ss";'
    )
    assert jaas_config(KafkaSaslSettings(mechanism="PLAIN", username="u"), "p").startswith(
        "org.apache.kafka.common.security.plain."
    )


def test_exporter_sasl_and_tls_come_from_config_and_a_secret() -> None:
    kafka = settings_of(kafka={**MANAGED_KAFKA, "tlsCaSecret": "kafka-ca"}).kafka
    values = kafka_exporter_values(kafka, "sasl-secret", {})
    assert values["kafkaServer"] == [
        "seed-0.example.cloud.redpanda.com:9092",
        "seed-1.example.cloud.redpanda.com:9092",
    ]
    assert values["sasl"]["scram"] == {"enabled": True, "mechanism": "scram-sha256", "secretName": "sasl-secret"}
    assert "password" not in values["sasl"]["scram"] and "username" not in values["sasl"]["scram"]
    assert values["tls"]["enabled"] is True and values["tls"]["secretName"] == "kafka-ca"
    assert values["prometheus"]["serviceMonitor"]["enabled"] is False
    plain = kafka_exporter_values(settings_of().kafka, "unused", {})
    assert plain["sasl"] == {"enabled": False} and plain["tls"] == {"enabled": False}
    monitor = service_monitor("kafka-exporter", "monitoring", "30s")
    assert (monitor.kind, monitor.name, monitor.namespace) == ("ServiceMonitor", "kafka-exporter", "monitoring")
    assert monitor.spec["selector"]["matchLabels"] == {"app": "prometheus-kafka-exporter", "release": "kafka-exporter"}
    assert monitor.spec["namespaceSelector"] == {"matchNames": ["monitoring"]}
    assert monitor.spec["endpoints"][0]["port"] == "exporter-port"


def test_strimzi_pod_monitors_select_the_cluster_by_component() -> None:
    kafka = settings_of().kafka
    manifests = strimzi_pod_monitors(kafka, "30s", "kafka", "monitoring")
    assert {(m.kind, m.namespace) for m in manifests} == {("PodMonitor", "monitoring")}
    monitors = {m.name.removeprefix("kafka-"): m.spec for m in manifests}
    assert set(monitors) == {"kafka-nodes", "entity-operator"}
    nodes = monitors["kafka-nodes"]
    assert nodes["selector"]["matchLabels"] == {
        "strimzi.io/kind": "Kafka",
        "strimzi.io/cluster": "todo-kafka",
        "strimzi.io/component-type": "kafka",
    }
    assert nodes["namespaceSelector"] == {"matchNames": ["kafka"]}
    assert [e["port"] for e in nodes["podMetricsEndpoints"]] == ["tcp-prometheus"]
    assert [e["port"] for e in monitors["entity-operator"]["podMetricsEndpoints"]] == [
        "healthcheck-to",
        "healthcheck-uo",
    ]
    with_exporter = settings_of(kafka={"strimziKafkaExporter": True}).kafka
    names = [m.name for m in strimzi_pod_monitors(with_exporter, "30s", "kafka", "monitoring")]
    assert "kafka-strimzi-kafka-exporter" in names


def test_vendor_scrape_config_reads_basic_auth_from_a_secret() -> None:
    redpanda = settings_of(kafka=MANAGED_KAFKA).kafka
    spec = vendor_scrape_config_spec(redpanda, "vendor-creds")
    assert spec["scheme"] == "HTTPS"
    assert spec["staticConfigs"][0]["targets"] == ["console-abc.byoc.prd.cloud.redpanda.com"]
    assert spec["metricsPath"] == "/api/cloud/prometheus/public_metrics"
    assert spec["basicAuth"] == {
        "username": {"name": "vendor-creds", "key": "username"},
        "password": {"name": "vendor-creds", "key": "password"},
    }
    assert "params" not in spec
    assert vendor_metrics_username(redpanda) == "prometheus"

    confluent = settings_of(
        kafka={
            **MANAGED_KAFKA,
            "vendor": "confluent",
            "metricsEndpoint": "https://api.telemetry.confluent.cloud/v2/metrics/cloud/export?resource.kafka.id=lkc-1",
            "metricsUsername": "APIKEY1",
        }
    ).kafka
    spec = vendor_scrape_config_spec(confluent, "vendor-creds")
    assert spec["params"] == {"resource.kafka.id": ["lkc-1"]}
    assert spec["metricsPath"] == "/v2/metrics/cloud/export"
    assert spec["scrapeInterval"] == "60s"
    assert vendor_metrics_username(confluent) == "APIKEY1"


# (case, raw config, text the error must contain)
BAD_INPUTS: list[tuple[str, dict[str, Any], str]] = [
    (
        "writable UI in production",
        with_kafka_ui(stack_sections("prod-oci"), readOnly=False),
        "todo-observability:kafka.ui.readOnly must be true in a production stack",
    ),
    (
        "metrics endpoint over http",
        {**LOCAL, "kafka": {**MANAGED_KAFKA, "metricsEndpoint": "http://metrics.example.com/metrics"}},
        "todo-observability:kafka.metricsEndpoint must be an https:// URL",
    ),
    (
        "metrics endpoint with Strimzi",
        {**LOCAL, "kafka": {"metricsEndpoint": "https://metrics.example.com/metrics"}},
        "todo-observability:kafka.metricsEndpoint is only for kafka.mode managed",
    ),
    (
        "Confluent endpoint without API key",
        {
            **LOCAL,
            "kafka": {
                **MANAGED_KAFKA,
                "vendor": "confluent",
                "metricsEndpoint": "https://api.telemetry.confluent.cloud/v2/metrics/cloud/export",
            },
        },
        "todo-observability:kafka.metricsUsername is required when kafka.vendor is confluent",
    ),
    (
        "Strimzi exporter on managed Kafka",
        {**LOCAL, "kafka": {**MANAGED_KAFKA, "strimziKafkaExporter": True}},
        "todo-observability:kafka.strimziKafkaExporter can be true only when kafka.mode is strimzi",
    ),
    (
        "ingress without TLS",
        {**LOCAL, "kafka": {"ui": {"ingressHost": "kafka.example.com"}}},
        "todo-observability:kafka.ui.ingressTlsSecret is required when kafka.ui.ingressHost is set",
    ),
    (
        "unknown SASL mechanism",
        {**LOCAL, "kafka": {**MANAGED_KAFKA, "sasl": {"mechanism": "GSSAPI", "username": "u"}}},
        "todo-observability:kafka.sasl.mechanism must be one of SCRAM-SHA-256, SCRAM-SHA-512, PLAIN",
    ),
]


@pytest.mark.parametrize(("case", "raw", "expected"), BAD_INPUTS, ids=[row[0] for row in BAD_INPUTS])
def test_bad_kafka_input_is_rejected_with_the_key_named(case: str, raw: dict[str, Any], expected: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_settings(raw, "teststack")
    assert expected in str(error.value), f"{case}: {error.value}"


# --- the rendered stacks ----------------------------------------------------------------------


def kafka_children(rendered: Rendered) -> list[dict[str, Any]]:
    return [r for r in rendered.resources if r["parent"] == "todo-observability:kafka:KafkaMonitoring::kafka"]


def test_kafka_ui_has_auth_on_in_every_stack(rendered: Rendered) -> None:
    assert "kafka-ui" in rendered.releases(), rendered.stack
    values = rendered.helm_values("kafka-ui")
    env = plain_env(values)
    assert env["AUTH_TYPE"] in ("LOGIN_FORM", "OAUTH2")
    mappings = values["envs"]["secretMappings"]
    if env["AUTH_TYPE"] == "LOGIN_FORM":
        assert env["SPRING_SECURITY_USER_NAME"] and "SPRING_SECURITY_USER_PASSWORD" in mappings
    assert not {"yamlApplicationConfig", "existingConfigMap", "yamlApplicationConfigConfigMap"} & set(values)
    assert "secret" not in values["envs"] and "config" not in values["envs"]
    assert values["service"]["type"] == "ClusterIP"


def test_no_credential_in_configmaps_plain_values_or_any_rendered_file(rendered: Rendered) -> None:
    for path in rendered.files("**/*"):
        if path.is_file():
            text = path.read_text()
            leaked = [marker for marker in LEAK_MARKERS if marker in text]
            assert not leaked, f"{rendered.stack}: {path.relative_to(rendered.dir)} contains {leaked}"
    for config_map in rendered.of_type(CONFIG_MAP_TYPE):
        # A Pulumi secret placed in a ConfigMap shows up masked: that alone is a leak.
        assert "[secret]" not in json.dumps(config_map["inputs"]), f"{rendered.stack}: {config_map['name']}"
    for child in kafka_children(rendered):
        if child["type"] == SECRET_TYPE:
            assert child["inputs"]["stringData"] == "[secret]", f"{child['name']} must hold secret values only"


def test_every_credential_reference_resolves_to_a_secret_key(rendered: Rendered) -> None:
    document = rendered.yaml("kafka/credentials.yaml")
    secrets, references = document["secrets"], document["references"]
    assert references["kafka-ui"], "Kafka UI reads at least its login secret"
    for owner, refs in references.items():
        for ref in refs:
            assert ref["key"] in secrets.get(ref["secret"], []), f"{rendered.stack}: {owner} {ref['use']}"
    namespaces = {r["inputs"]["metadata"]["namespace"] for r in kafka_children(rendered) if r["type"] == SECRET_TYPE}
    release_namespaces = {
        r["inputs"]["namespace"] for r in rendered.releases().values() if r["name"].startswith("kafka")
    }
    assert namespaces <= release_namespaces, "a Secret must live where the pod that mounts it runs"


@pytest.mark.parametrize("stack", PRODUCTION_STACKS)
def test_kafka_ui_is_read_only_in_production(stack: str, renders: dict[str, Rendered]) -> None:
    assert plain_env(renders[stack].helm_values("kafka-ui"))["KAFKA_CLUSTERS_0_READONLY"] == "true"


def test_every_kafka_monitor_is_selected_by_prometheus_and_waits_for_crds(rendered: Rendered) -> None:
    monitors = [r for r in kafka_children(rendered) if r["type"].startswith("kubernetes:monitoring.coreos.com/")]
    assert monitors, rendered.stack
    for monitor in monitors:
        assert monitor["inputs"]["metadata"]["labels"]["release"] == "kube-prometheus-stack", monitor["name"]
        assert CRD_RELEASE in monitor["dependsOn"], monitor["name"]


def test_strimzi_stack_scrapes_pods_and_runs_the_lag_exporter(renders: dict[str, Rendered]) -> None:
    local = renders["local"]
    assert "kafka-exporter" in local.releases()
    pod_monitors = {r["name"]: r for r in local.custom_resources("PodMonitor")}
    assert {"kafka-kafka-nodes", "kafka-entity-operator"} <= set(pod_monitors)
    assert "kafka-exporter" in {r["name"] for r in local.custom_resources("ServiceMonitor")}
    assert not [r for r in local.custom_resources("ScrapeConfig") if r["name"].startswith("kafka-")]
    assert local.helm_values("kafka-exporter")["sasl"] == {"enabled": False}


def test_managed_stack_scrapes_the_vendor_with_credentials_from_a_secret(renders: dict[str, Rendered]) -> None:
    oci = renders["prod-oci"]
    assert "mode: managed" in stack_file("prod-oci").read_text()
    scrape = oci.named("kafka-redpanda-metrics", "kubernetes:monitoring.coreos.com/v1alpha1:ScrapeConfig")
    basic_auth = scrape["inputs"]["spec"]["basicAuth"]
    assert basic_auth["password"] == {"name": "kafka-redpanda-metrics", "key": "password"}
    assert "kubernetes:core/v1:Secret::kafka-redpanda-metrics" in scrape["dependsOn"]
    assert not [r for r in oci.custom_resources("PodMonitor") if r["name"].startswith("kafka-")]
    exporter = oci.helm_values("kafka-exporter")
    assert exporter["sasl"]["scram"]["secretName"] == "kafka-exporter-sasl"
    assert exporter["tls"]["enabled"] is True
    assert "secrets.kafkaMetricsPassword" in oci.read("secrets-to-set.txt")


# --- variants the committed stacks do not cover -------------------------------------------------


@pytest.fixture(scope="module")
def variant(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """local with OIDC login, an ingress, TLS to Strimzi with a CA Secret, and Strimzi's own exporter."""
    base = tmp_path_factory.mktemp("kafka-variant")
    document = yaml.safe_load(stack_file("local").read_text())
    document["config"]["todo-observability:kafka"] = {
        "bootstrapServers": "todo-kafka-kafka-bootstrap.kafka.svc:9093",
        "tls": True,
        "tlsCaSecret": "todo-kafka-cluster-ca-cert",
        "strimziKafkaExporter": True,
        "ui": {
            "oidcIssuerUrl": "https://login.example.com/realms/todo",
            "oidcClientId": "kafka-ui",
            "ingressHost": "kafka.todo.example.com",
            "ingressTlsSecret": "kafka-ui-tls",
        },
    }
    config_file = base / "Pulumi.kafka-variant.yaml"
    config_file.write_text(yaml.safe_dump(document))
    out = base / "out"
    done = render_stack("kafka-variant", out, config_file)
    assert done.returncode == 0, done.stderr
    return Rendered("kafka-variant", out, done.stdout)


def test_variant_uses_oidc_ingress_tls_and_strimzis_exporter(variant: Rendered) -> None:
    values = variant.helm_values("kafka-ui")
    env = plain_env(values)
    assert env["AUTH_TYPE"] == "OAUTH2"
    assert env["SERVER_FORWARDHEADERSSTRATEGY"] == "framework"
    assert env["KAFKA_CLUSTERS_0_PROPERTIES_SECURITY_PROTOCOL"] == "SSL"
    assert values["volumes"][0]["secret"]["secretName"] == "todo-kafka-cluster-ca-cert"
    assert values["ingress"]["tls"] == {"enabled": True, "secretName": "kafka-ui-tls"}
    credentials = variant.yaml("kafka/credentials.yaml")
    assert credentials["secrets"]["kafka-ui-credentials"] == ["oidc-client-secret"]
    assert "kafka-exporter" not in variant.releases(), "Strimzi's exporter replaces the chart"
    assert "kafka-strimzi-kafka-exporter" in {r["name"] for r in variant.custom_resources("PodMonitor")}
    assert "secrets.kafkaUiOidcClientSecret" in variant.read("secrets-to-set.txt")
    assert not [r for r in variant.of_type("random:index/randomPassword:RandomPassword") if "kafka" in r["name"]]
    for path in variant.files("**/*"):
        if path.is_file():
            assert "PLACEHOLDER-set-secrets" not in path.read_text(), path


def test_kafka_monitoring_gets_its_own_secrets_only() -> None:
    """Not the stack's secrets: the three Kafka monitoring reads, None where the stack has none."""
    from components.kafka import KafkaMonitoringArgs, KafkaSecrets
    from settings import StackSecrets
    from settings.secrets import KNOWN_SECRETS
    from tests.arg_types import wide_fields

    assert wide_fields(KafkaMonitoringArgs) == {}
    every = StackSecrets(values={name: f"value-of-{name}" for name in KNOWN_SECRETS})  # type: ignore[misc]
    assert KafkaSecrets.of(every) == KafkaSecrets(
        sasl_password="value-of-kafkaPassword",  # type: ignore[arg-type]
        metrics_password="value-of-kafkaMetricsPassword",  # type: ignore[arg-type]
        ui_oidc_client_secret="value-of-kafkaUiOidcClientSecret",  # type: ignore[arg-type]
    )
    assert KafkaSecrets.of(StackSecrets()) == KafkaSecrets()

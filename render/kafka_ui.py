"""Kafka UI (kafbat `kafka-ui` chart) values, from the `kafka` settings.

Everything is configured through environment variables, never through the chart's
`yamlApplicationConfig` (a ConfigMap). Spring Boot binds a list such as `kafka.clusters` from one
property source only, so a cluster defined in YAML and its SASL password given as an environment
variable would silently lose the YAML half; with every key in the environment there is one source.
Plain settings go to the chart's `env`; credentials go to `envs.secretMappings`, which reads them from
a Kubernetes Secret this program creates, so no credential lands in Helm values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from settings.model import KafkaSaslSettings, KafkaSettings

LOGIN_USER = "admin"
CA_MOUNT_PATH = "/etc/kafka-ca"
CA_VOLUME = "kafka-ca"
# The single OAuth2 registration; it also names the callback path /login/oauth2/code/oidc.
OIDC_REGISTRATION = "oidc"

LoginMode = Literal["LOGIN_FORM", "OAUTH2"]

JAAS_LOGIN_MODULES: dict[str, str] = {
    "SCRAM-SHA-256": "org.apache.kafka.common.security.scram.ScramLoginModule",
    "SCRAM-SHA-512": "org.apache.kafka.common.security.scram.ScramLoginModule",
    "PLAIN": "org.apache.kafka.common.security.plain.PlainLoginModule",
}


@dataclass(frozen=True)
class KafkaUiSecretKeys:
    """Keys of the Kafka UI credentials Secret; each becomes one environment variable."""

    login_password: str = "login-password"
    sasl_jaas_config: str = "sasl-jaas-config"
    oidc_client_secret: str = "oidc-client-secret"


SECRET_KEYS = KafkaUiSecretKeys()


def login_mode(kafka: KafkaSettings) -> LoginMode:
    """OAuth2/OIDC when the stack names an issuer and client, otherwise the login form."""
    return "OAUTH2" if kafka.ui.oidc_issuer_url and kafka.ui.oidc_client_id else "LOGIN_FORM"


def security_protocol(kafka: KafkaSettings) -> str:
    if kafka.sasl is not None:
        return "SASL_SSL" if kafka.tls else "SASL_PLAINTEXT"
    return "SSL" if kafka.tls else "PLAINTEXT"


def read_only(kafka: KafkaSettings, production: bool) -> bool:
    # Validation already rejects a writable UI in production; this keeps it true even if that changes.
    return kafka.ui.read_only or production


def jaas_config(sasl: KafkaSaslSettings, password: str) -> str:
    """The Kafka client's `sasl.jaas.config` line; quotes and backslashes in values are escaped."""

    def quoted(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    module = JAAS_LOGIN_MODULES[sasl.mechanism]
    return f"{module} required username={quoted(sasl.username)} password={quoted(password)};"


def _env(name: str, value: str) -> dict[str, str]:
    return {"name": name, "value": value}


def cluster_env(kafka: KafkaSettings, production: bool) -> list[dict[str, str]]:
    prefix = "KAFKA_CLUSTERS_0_"
    env = [
        _env(prefix + "NAME", kafka.cluster_name),
        _env(prefix + "BOOTSTRAPSERVERS", kafka.bootstrap_servers),
        _env(prefix + "READONLY", "true" if read_only(kafka, production) else "false"),
        _env(prefix + "PROPERTIES_SECURITY_PROTOCOL", security_protocol(kafka)),
    ]
    if kafka.sasl is not None:
        env.append(_env(prefix + "PROPERTIES_SASL_MECHANISM", kafka.sasl.mechanism))
    if kafka.tls and kafka.tls_ca_secret:
        env += [
            _env(prefix + "PROPERTIES_SSL_TRUSTSTORE_TYPE", "PEM"),
            _env(prefix + "PROPERTIES_SSL_TRUSTSTORE_LOCATION", f"{CA_MOUNT_PATH}/ca.crt"),
        ]
    return env


def auth_env(kafka: KafkaSettings) -> list[dict[str, str]]:
    ui = kafka.ui
    mode = login_mode(kafka)
    env = [_env("AUTH_TYPE", mode)]
    if mode == "LOGIN_FORM":
        return [*env, _env("SPRING_SECURITY_USER_NAME", LOGIN_USER)]
    prefix = f"AUTH_OAUTH2_CLIENT_{OIDC_REGISTRATION.upper()}_"
    env += [
        _env(prefix + "PROVIDER", OIDC_REGISTRATION),
        _env(prefix + "CLIENTNAME", "Single sign-on"),
        _env(prefix + "CLIENTID", ui.oidc_client_id),
        _env(prefix + "ISSUERURI", ui.oidc_issuer_url),
        _env(prefix + "SCOPE", "openid,profile,email"),
        _env(prefix + "USERNAMEATTRIBUTE", "email"),
        _env(prefix + "CUSTOMPARAMS_TYPE", "oauth"),
    ]
    if ui.ingress_host:
        # Behind the ingress the OAuth2 callback URL must use the public https host, which Spring
        # only learns from the X-Forwarded-* headers.
        env.append(_env("SERVER_FORWARDHEADERSSTRATEGY", "framework"))
    return env


def secret_mappings(kafka: KafkaSettings, secret_name: str) -> dict[str, dict[str, str]]:
    """Environment variables read from the credentials Secret (chart key `envs.secretMappings`)."""

    def ref(key: str) -> dict[str, str]:
        return {"name": secret_name, "keyName": key}

    mappings: dict[str, dict[str, str]] = {}
    if login_mode(kafka) == "LOGIN_FORM":
        mappings["SPRING_SECURITY_USER_PASSWORD"] = ref(SECRET_KEYS.login_password)
    else:
        mappings[f"AUTH_OAUTH2_CLIENT_{OIDC_REGISTRATION.upper()}_CLIENTSECRET"] = ref(SECRET_KEYS.oidc_client_secret)
    if kafka.sasl is not None:
        mappings["KAFKA_CLUSTERS_0_PROPERTIES_SASL_JAAS_CONFIG"] = ref(SECRET_KEYS.sasl_jaas_config)
    return mappings


def ingress_values(kafka: KafkaSettings) -> dict[str, Any]:
    ui = kafka.ui
    if not ui.ingress_host:
        return {"enabled": False}
    return {
        "enabled": True,
        "host": ui.ingress_host,
        "ingressClassName": ui.ingress_class,
        "tls": {"enabled": True, "secretName": ui.ingress_tls_secret},
    }


def kafka_ui_values(
    kafka: KafkaSettings, production: bool, credentials_secret: str, labels: dict[str, str]
) -> dict[str, Any]:
    """Values for the kafbat `kafka-ui` chart (keys checked against its values.yaml at the pinned version)."""
    values: dict[str, Any] = {
        "replicaCount": 1,
        "env": cluster_env(kafka, production) + auth_env(kafka),
        "envs": {"secretMappings": secret_mappings(kafka, credentials_secret)},
        "service": {"type": "ClusterIP", "port": 80},
        "ingress": ingress_values(kafka),
        "podLabels": labels,
        "labels": labels,
        "resources": {
            "requests": {"cpu": "100m", "memory": "384Mi"},
            "limits": {"memory": "768Mi"},
        },
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
        # A JVM on a 100m CPU request can take minutes to boot Spring: the chart's startup probe
        # (its own /actuator/health path) gets 5 minutes before liveness may restart it.
        "probes": {"startup": {"periodSeconds": 10, "failureThreshold": 30, "timeoutSeconds": 10}},
    }
    if kafka.tls and kafka.tls_ca_secret:
        values["volumes"] = [{"name": CA_VOLUME, "secret": {"secretName": kafka.tls_ca_secret}}]
        values["volumeMounts"] = [{"name": CA_VOLUME, "mountPath": CA_MOUNT_PATH, "readOnly": True}]
    return values

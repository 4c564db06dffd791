"""The contract between LoggingPipeline and the per-cloud log sinks (components/<cloud>/log_sink.py):
what a sink gives Fluent Bit besides its destinations. No component lives here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi_kubernetes.core.v1 import Namespace

from components.metrics_inputs import GrafanaInputs
from components.providers import Providers
from render.fluent_bit import SinkOutputs
from settings import StackSecrets, StackSettings

# The chart's fullname with `fullnameOverride`: DaemonSet, ServiceAccount and Service carry it.
FLUENT_BIT_NAME = "fluent-bit"


@dataclass
class LogSinkArgs:
    settings: StackSettings
    secrets: StackSecrets
    providers: Providers
    logging_namespace: Namespace
    metrics_namespace: Namespace


@dataclass
class SinkBinding:
    """What a sink hands to Fluent Bit: its outputs (once cloud ids are known) and how the pod gets
    credentials: env vars from Secrets, files mounted from Secrets, or a cloud identity."""

    outputs: pulumi.Output[SinkOutputs]
    env: list[dict[str, Any]] = field(default_factory=list)
    volumes: list[dict[str, Any]] = field(default_factory=list)
    volume_mounts: list[dict[str, Any]] = field(default_factory=list)
    service_account_annotations: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    grafana: GrafanaInputs | None = None
    depends_on: list[pulumi.Resource] = field(default_factory=list)
    # Annotations of Fluent Bit's pods: a credential's id here rolls the DaemonSet when it is rotated.
    pod_annotations: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    # The Log Analytics workspace where the sink has one (Azure): traces land there too.
    log_workspace_id: pulumi.Output[str] | None = None
    # Grafana's Azure reader (service principal object id): the tracing capability grants it read
    # access to Application Insights, so one identity reads logs and traces.
    grafana_reader_principal_id: pulumi.Output[str] | None = None


def secret_env(variable: str, secret_name: str, key: str) -> dict[str, Any]:
    return {"name": variable, "valueFrom": {"secretKeyRef": {"name": secret_name, "key": key}}}

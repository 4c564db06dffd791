"""Serves the Todo system's metrics as Prometheus would scrape them in the cluster, for a scenario.

Every simulated scrape target (each app pod, its Dapr sidecar, kube-state-metrics, the kubelet's
cAdvisor, kafka_exporter) answers at /targets/<id>/metrics; the lab's Prometheus scrapes each one
with the labels the ServiceMonitors and PodMonitors of this project would give it (`job`,
`namespace`, `service`, `pod`, `container`), so the rendered rules see the series they expect.
Counters grow with real time at the rates the scenario sets; a target the scenario takes down
answers 503, so `up` is 0 exactly as for an unreachable pod.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from lab.scenarios import Knobs
from lab.sinks import LOOPBACK, LoopbackHttpServer, QuietReplies
from settings.defaults import APP_LATENCY_BUCKETS_SECONDS, DAPR_LATENCY_BUCKETS_MS
from settings.model import ServiceSettings, StackSettings

NODES = ("lab-node-1", "lab-node-2")
DAPR_SIDECAR_JOB_SUFFIX = "dapr-sidecars"
KSM_JOB = "kube-state-metrics"
KUBELET_JOB = "kubelet"
KAFKA_EXPORTER_JOB = "kafka-exporter"
DAPR_SIDECAR_CONTAINER = "daprd"
PARTITIONS = (0, 1, 2)
# Every container's limits, and what it uses (well under the resource alerts' threshold).
CONTAINER_LIMITS = {"cpu": (0.5, "core"), "memory": (536870912.0, "byte")}
CPU_CORES_USED = 0.05
MEMORY_BYTES_USED = 134217728.0
INITIAL_OFFSET = 100000.0
# A consumer that keeps up still trails the head by a few messages.
STEADY_LAG = 2.0

Labels = tuple[tuple[str, str], ...]


def labels_of(**labels: str) -> Labels:
    return tuple(sorted(labels.items()))


def pod_name(service: str) -> str:
    digest = hashlib.sha256(service.encode()).hexdigest()
    return f"{service}-{digest[:10]}-{digest[10:15]}"


def node_of(service: ServiceSettings) -> str:
    # Workers share the second node, so taking it down shows several pod alerts muted by one node alert.
    return NODES[1] if service.kind == "worker" else NODES[0]


@dataclass
class Target:
    """One scrape target: its target labels and the samples it exposes."""

    id: str
    labels: dict[str, str]
    counters: dict[tuple[str, Labels], float] = field(default_factory=dict)
    gauges: dict[tuple[str, Labels], float] = field(default_factory=dict)
    up: bool = True

    def add(self, name: str, labels: Labels, amount: float) -> None:
        self.counters[(name, labels)] = self.counters.get((name, labels), 0.0) + amount

    def touch(self, name: str, labels: Labels) -> None:
        """Declares a counter at its current value, so rates over it are 0 instead of absent."""
        self.counters.setdefault((name, labels), 0.0)

    def set(self, name: str, labels: Labels, value: float) -> None:
        self.gauges[(name, labels)] = value

    def exposition(self) -> str:
        lines = []
        for (name, labels), value in sorted({**self.counters, **self.gauges}.items()):
            rendered = ",".join(f'{k}="{v}"' for k, v in labels)
            lines.append(f"{name}{{{rendered}}} {_number(value)}")
        return "\n".join(lines) + "\n"


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf"
    return repr(float(value))


def _le(boundary: float) -> str:
    # The app's Python client writes boundaries as floats ("1.0"); daprd (Go) writes "1000" (see _dapr_histogram).
    return repr(float(boundary))


class TodoSystem:
    """The simulated cluster: targets per service plus the shared exporters, advanced in time."""

    def __init__(self, settings: StackSettings, knobs: Knobs) -> None:
        self.settings = settings
        self.knobs = knobs
        self.last = time.monotonic()
        self.lock = threading.Lock()
        self.services = list(settings.services)
        self.targets: dict[str, Target] = {}
        metrics_ns = settings.metrics.namespace
        for index, service in enumerate(self.services):
            pod = pod_name(service.name)
            common = {"namespace": service.namespace, "pod": pod}
            if service.exposes_metrics:
                self.targets[f"app-{service.name}"] = Target(
                    f"app-{service.name}",
                    {
                        **common,
                        "job": service.name,
                        "service": service.name,
                        "container": service.name,
                        "endpoint": "http",
                        "instance": f"10.0.{index}.10:{service.port}",
                    },
                )
            self.targets[f"dapr-{service.name}"] = Target(
                f"dapr-{service.name}",
                {
                    **common,
                    "job": f"{metrics_ns}/{DAPR_SIDECAR_JOB_SUFFIX}",
                    "container": DAPR_SIDECAR_CONTAINER,
                    "endpoint": "dapr-metrics",
                    "instance": f"10.0.{index}.10:9090",
                },
            )
        exporter = {"namespace": metrics_ns, "container": "exporter"}
        release = settings.metrics.release_name
        self.targets["ksm"] = Target(
            "ksm", {**exporter, "job": KSM_JOB, "service": f"{release}-{KSM_JOB}", "instance": "10.2.0.1:8080"}
        )
        for index, node in enumerate(NODES):
            # kube-prometheus-stack's kubelet ServiceMonitor: one target per node, cAdvisor path as a label.
            self.targets[f"kubelet-{node}"] = Target(
                f"kubelet-{node}",
                {
                    "job": KUBELET_JOB,
                    "namespace": "kube-system",
                    "service": f"{release}-{KUBELET_JOB}",
                    "node": node,
                    "metrics_path": "/metrics/cadvisor",
                    "instance": f"10.1.0.{index + 1}:10250",
                },
            )
        self.targets["kafka-exporter"] = Target(
            "kafka-exporter",
            {**exporter, "job": KAFKA_EXPORTER_JOB, "service": KAFKA_EXPORTER_JOB, "instance": "kafka-exporter:9308"},
        )
        kafka = settings.kafka
        if kafka.mode == "strimzi":
            # Strimzi's KRaft controller pod, scraped by the Kafka capability's PodMonitor (JMX exporter).
            self.targets["kafka-controller"] = Target(
                "kafka-controller",
                {
                    "job": f"{metrics_ns}/{kafka.cluster_name}-kafka-nodes",
                    "namespace": kafka.namespace,
                    "pod": f"{kafka.cluster_name}-controller-0",
                    "container": "kafka",
                    "instance": "10.3.0.1:9404",
                },
            )
        elif kafka.vendor in ("redpanda", "confluent"):
            # The managed vendor's metrics endpoint, scraped by the ScrapeConfig with `kafka_cluster`.
            self.targets["kafka-vendor"] = Target(
                "kafka-vendor",
                {"job": f"scrapeConfig/{metrics_ns}/kafka-vendor", "kafka_cluster": kafka.cluster_name},
            )
        self.produced: dict[tuple[str, int], float] = {}
        self.consumed: dict[tuple[str, str, int], float] = {}
        self.advance()

    def use(self, knobs: Knobs) -> None:
        with self.lock:
            self.knobs = knobs

    # ---- time ---------------------------------------------------------------------------------

    def advance(self) -> None:
        with self.lock:
            now = time.monotonic()
            dt = now - self.last
            self.last = now
            for service in self.services:
                self._service(service, dt)
            self._kubernetes(dt)
            self._kafka(dt)

    def node_ready(self, node: str) -> bool:
        return node not in self.knobs.not_ready_nodes

    def pod_running(self, service: ServiceSettings) -> bool:
        return self.node_ready(node_of(service))

    def _service(self, service: ServiceSettings, dt: float) -> None:
        knobs = self.knobs
        running = self.pod_running(service)
        app = self.targets.get(f"app-{service.name}")
        dapr = self.targets[f"dapr-{service.name}"]
        sidecar_up = running and service.name not in knobs.sidecars_down
        dapr.up = sidecar_up
        if app is not None:
            app.up = running
        if not running:
            return
        rate = self.request_rate(service.name) * dt
        error_ratio = knobs.error_ratio.get(service.name, knobs.baseline_error_ratio)
        latency = knobs.latency_seconds.get(service.name, knobs.baseline_latency_seconds)
        handlers = self.user_handlers(service)
        if app is not None:
            for handler in handlers:
                per_handler = rate / len(handlers)
                for status, share in (("2xx", 1 - error_ratio), ("5xx", error_ratio)):
                    labels = labels_of(handler=handler, method="POST", status=status)
                    app.add("http_requests_total", labels, per_handler * share)
                self._histogram(
                    app, "http_request_duration_seconds", {"handler": handler, "method": "POST"}, per_handler, latency
                )
                app.set("http_requests_inprogress", labels_of(handler=handler, method="POST"), 0)
            for probe in (service.health_path, service.liveness_path):
                app.add("http_requests_total", labels_of(handler=probe, method="GET", status="2xx"), 0.2 * dt)
            if service.kind == "api":
                self._chat(app, rate, error_ratio, latency)
            for topic in service.subscribes:
                for outcome in ("ok", "retry", "error"):
                    share = 1.0 if outcome == "ok" else 0.0
                    handled = self.consume_rate(service.name, topic) * dt * share
                    app.add("todo_events_handled_total", labels_of(topic=topic, outcome=outcome), handled)
            if service.name == "notification-service":
                for outcome in ("ok", "error"):
                    app.add(
                        "todo_reminders_sent_total",
                        labels_of(channel="email", outcome=outcome),
                        knobs.event_rate * dt * (1.0 if outcome == "ok" else 0.0),
                    )
        if sidecar_up:
            self._dapr(dapr, service, dt, error_ratio, latency)

    def request_rate(self, service: str) -> float:
        return self.knobs.service_request_rate.get(service, self.knobs.request_rate)

    @staticmethod
    def user_handlers(service: ServiceSettings) -> list[str]:
        handlers = list(service.critical_routes or [r for r in service.routes if r not in ("/healthz", "/readyz")])
        return [h for h in handlers if h != service.metrics_path] or ["/"]

    def history(self, now: float, day_seconds: float, step: float) -> str:
        """OpenMetrics text of the app pods' request counters, labelled exactly as the lab's scrape labels
        them, for `promtool tsdb create-blocks-from`: the same hours a day earlier (from an hour before to
        three hours after this moment) at the scenario's `history_request_rate`, and the last hour up to
        now at today's rate, so 5m and 1h rates are real from the first scrape (a range with only seconds
        of data is not a rate)."""
        knobs = self.knobs
        # (start, span, request rates, error ratios): yesterday healthy, the last hour as the scenario is now.
        windows = (
            (now - day_seconds - 3600, 4 * 3600, knobs.history_request_rate, {}),
            (now - 3600, 3600 - 2 * step, {}, knobs.error_ratio),
        )
        lines = []
        for service in self.services:
            app = self.targets.get(f"app-{service.name}")
            if app is None:
                continue
            handlers = self.user_handlers(service)
            for handler in handlers:
                for status in ("2xx", "5xx"):
                    labels = {**app.labels, "handler": handler, "method": "POST", "status": status}
                    rendered = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
                    for start, span, rates, errors in windows:
                        rate = rates.get(service.name, self.request_rate(service.name))
                        failing = errors.get(service.name, knobs.baseline_error_ratio)
                        share = failing if status == "5xx" else 1 - failing
                        per_step = rate / len(handlers) * share * step
                        lines += [
                            f"http_requests_total{{{rendered}}} {i * per_step!r} {start + i * step:.3f}"
                            for i in range(int(span // step) + 1)
                        ]
        return "\n".join([*lines, "# EOF", ""])

    def _chat(self, app: Target, rate: float, error_ratio: float, latency: float) -> None:
        for outcome, share in (("ok", 1 - error_ratio), ("error", error_ratio), ("timeout", 0.0)):
            app.add("todo_chat_requests_total", labels_of(outcome=outcome), rate * share)
        self._histogram(app, "todo_llm_request_duration_seconds", {"model": "gpt-4o-mini"}, rate, latency)
        for tool in ("add_task", "list_tasks", "complete_task", "delete_task", "update_task"):
            app.add("todo_agent_tool_calls_total", labels_of(tool=tool, outcome="ok"), rate / 5)
            app.touch("todo_agent_tool_calls_total", labels_of(tool=tool, outcome="error"))
        app.add("todo_tasks_created_total", (), rate / 5)
        app.add("todo_tasks_completed_total", (), rate / 10)

    def _histogram(self, target: Target, name: str, base: dict[str, str], count: float, value: float) -> None:
        for boundary in (*APP_LATENCY_BUCKETS_SECONDS, math.inf):
            le = "+Inf" if math.isinf(boundary) else _le(boundary)
            target.add(f"{name}_bucket", labels_of(**base, le=le), count if value <= boundary else 0.0)
        target.add(f"{name}_sum", labels_of(**base), count * value)
        target.add(f"{name}_count", labels_of(**base), count)

    def _dapr(self, dapr: Target, service: ServiceSettings, dt: float, error_ratio: float, latency: float) -> None:
        knobs = self.knobs
        app_id = service.name
        pubsub = self.settings.kafka.pubsub_component
        requests = self.request_rate(app_id) * dt
        for status, share in (("200", 1 - error_ratio), ("500", error_ratio)):
            dapr.add(
                "dapr_http_server_request_count",
                labels_of(app_id=app_id, method="POST", path="/v1.0/invoke", status=status),
                requests * share,
            )
        self._dapr_histogram(
            dapr,
            "dapr_http_server_latency",
            {"app_id": app_id, "method": "POST", "path": "/v1.0/invoke", "status": "200"},
            requests,
            latency * 1000,
        )
        for topic in service.subscribes:
            events = self.consume_rate(app_id, topic) * dt
            for process_status, share in (("success", 1.0), ("retry", 0.0), ("drop", 0.0)):
                dapr.add(
                    "dapr_component_pubsub_ingress_count",
                    labels_of(
                        app_id=app_id,
                        component=pubsub,
                        process_status=process_status,
                        status=process_status,
                        topic=topic,
                    ),
                    events * share,
                )
            processing_ms = knobs.processing_ms.get(app_id, knobs.baseline_processing_ms)
            self._dapr_histogram(
                dapr,
                "dapr_component_pubsub_ingress_latencies",
                {"app_id": app_id, "component": pubsub, "process_status": "success", "topic": topic},
                events,
                processing_ms,
            )
        for topic in service.publishes:
            dapr.add(
                "dapr_component_pubsub_egress_count",
                labels_of(app_id=app_id, component=pubsub, success="true", topic=topic),
                self.produce_rate(topic) * dt,
            )
            dapr.touch(
                "dapr_component_pubsub_egress_count",
                labels_of(app_id=app_id, component=pubsub, success="false", topic=topic),
            )
        dapr.set(
            "dapr_resiliency_cb_state",
            labels_of(
                app_id=app_id,
                name="pubsub",
                policy="default",
                flow_direction="outbound",
                target=f"component_{pubsub}",
                status="closed",
            ),
            1,
        )

    def _dapr_histogram(self, target: Target, name: str, base: dict[str, str], count: float, value_ms: float) -> None:
        for boundary in (*DAPR_LATENCY_BUCKETS_MS, math.inf):
            le = "+Inf" if math.isinf(boundary) else f"{boundary:g}"
            target.add(f"{name}_bucket", labels_of(**base, le=le), count if value_ms <= boundary else 0.0)
        target.add(f"{name}_sum", labels_of(**base), count * value_ms)
        target.add(f"{name}_count", labels_of(**base), count)

    def _kubernetes(self, dt: float) -> None:
        ksm = self.targets["ksm"]
        ksm.gauges.clear()
        for node in NODES:
            ready = self.node_ready(node)
            for status in ("true", "false", "unknown"):
                value = 1.0 if status == ("true" if ready else "false") else 0.0
                ksm.set("kube_node_status_condition", labels_of(node=node, condition="Ready", status=status), value)
            ksm.set("kube_node_info", labels_of(node=node, kernel_version="6.1.0", kubelet_version="v1.31.0"), 1)
            ksm.set("kube_node_spec_unschedulable", labels_of(node=node), 0)
            self.targets[f"kubelet-{node}"].up = ready
        for index, service in enumerate(self.services):
            pod = pod_name(service.name)
            node = node_of(service)
            ns = service.namespace
            uid = f"uid-{pod}"
            running = self.pod_running(service)
            sidecar_ready = running and service.name not in self.knobs.sidecars_down
            pod_ready = running and sidecar_ready
            info = labels_of(
                namespace=ns, pod=pod, node=node, created_by_kind="ReplicaSet", pod_ip=f"10.0.{index}.10", uid=uid
            )
            ksm.set("kube_pod_info", info, 1)
            for condition in ("true", "false"):
                value = 1.0 if (condition == "true") == pod_ready else 0.0
                ksm.set("kube_pod_status_ready", labels_of(namespace=ns, pod=pod, condition=condition, uid=uid), value)
            ksm.set("kube_pod_status_phase", labels_of(namespace=ns, pod=pod, phase="Running", uid=uid), 1.0)
            ksm.set(
                "kube_pod_owner",
                labels_of(
                    namespace=ns,
                    pod=pod,
                    owner_kind="ReplicaSet",
                    owner_name=pod.rsplit("-", 1)[0],
                    owner_is_controller="true",
                    uid=uid,
                ),
                1,
            )
            kubelet = self.targets[f"kubelet-{node}"]
            for container, ready in ((service.name, running), (DAPR_SIDECAR_CONTAINER, sidecar_ready)):
                base = {"namespace": ns, "pod": pod, "container": container, "uid": uid}
                ksm.set("kube_pod_container_status_ready", labels_of(**base), 1.0 if ready else 0.0)
                ksm.set("kube_pod_container_status_running", labels_of(**base), 1.0 if ready else 0.0)
                ksm.set("kube_pod_container_status_restarts_total", labels_of(**base), 0.0)
                for resource, (limit, unit) in CONTAINER_LIMITS.items():
                    per_resource = labels_of(**base, node=node, resource=resource, unit=unit)
                    ksm.set("kube_pod_container_resource_limits", per_resource, limit)
                    ksm.set("kube_pod_container_resource_requests", per_resource, limit / 2)
                cadvisor = labels_of(
                    namespace=ns,
                    pod=pod,
                    container=container,
                    image=f"{container}:lab",
                    id=f"/kubepods/{pod}/{container}",
                )
                if running:
                    kubelet.add("container_cpu_usage_seconds_total", cadvisor, CPU_CORES_USED * dt)
                    kubelet.set("container_memory_working_set_bytes", cadvisor, MEMORY_BYTES_USED)
            ksm.set("kube_deployment_spec_replicas", labels_of(namespace=ns, deployment=service.name), 1)
            ksm.set(
                "kube_deployment_status_replicas_available",
                labels_of(namespace=ns, deployment=service.name),
                1.0 if pod_ready else 0.0,
            )

    def produce_rate(self, topic: str) -> float:
        return self.knobs.topic_rate.get(topic, self.knobs.event_rate)

    def consume_rate(self, group: str, topic: str) -> float:
        return self.produce_rate(topic) * self.knobs.consume_share.get(group, 1.0)

    def _kafka(self, dt: float) -> None:
        exporter = self.targets["kafka-exporter"]
        exporter.gauges.clear()
        exporter.set("kafka_brokers", (), 3)
        controller = self.targets.get("kafka-controller")
        if controller is not None:
            controller.set("kafka_controller_kafkacontroller_activecontrollercount", (), 1)
            controller.set("kafka_controller_kafkacontroller_offlinepartitionscount", (), 0)
        vendor = self.targets.get("kafka-vendor")
        if vendor is not None:
            vendor.set("redpanda_cluster_brokers", (), 3)
            vendor.set("redpanda_cluster_unavailable_partitions", (), 0)
            vendor.set("confluent_kafka_server_partition_count", labels_of(topic="task-events"), 3)
        topics = sorted({*self.settings.kafka.topics, *(t for s in self.services for t in s.subscribes)})
        for topic in topics:
            for partition in PARTITIONS:
                key = (topic, partition)
                produced = self.produced.get(key, INITIAL_OFFSET) + self.produce_rate(topic) * dt / len(PARTITIONS)
                self.produced[key] = produced
                part = labels_of(topic=topic, partition=str(partition))
                exporter.set("kafka_topic_partition_current_offset", part, produced)
                exporter.set("kafka_topic_partition_under_replicated_partition", part, 0)
                exporter.set("kafka_topic_partition_in_sync_replica", part, 3)
                exporter.set("kafka_topic_partition_replicas", part, 3)
        for service in self.services:
            group = service.name
            for topic in service.subscribes:
                lag_total = consumed_total = 0.0
                for partition in PARTITIONS:
                    key = (group, topic, partition)
                    produced = self.produced[(topic, partition)]
                    consumed = self.consumed.get(key, produced - STEADY_LAG)
                    consumed = min(produced, consumed + self.consume_rate(group, topic) * dt / len(PARTITIONS))
                    self.consumed[key] = consumed
                    labels = labels_of(consumergroup=group, topic=topic, partition=str(partition))
                    exporter.set("kafka_consumergroup_lag", labels, produced - consumed)
                    exporter.set("kafka_consumergroup_current_offset", labels, consumed)
                    lag_total += produced - consumed
                    consumed_total += consumed
                exporter.set("kafka_consumergroup_lag_sum", labels_of(consumergroup=group, topic=topic), lag_total)
                exporter.set(
                    "kafka_consumergroup_current_offset_sum",
                    labels_of(consumergroup=group, topic=topic),
                    consumed_total,
                )
            if service.subscribes:
                exporter.set("kafka_consumergroup_members", labels_of(consumergroup=group), 1)

    # ---- serving ------------------------------------------------------------------------------

    def scrape(self, target_id: str) -> tuple[int, str]:
        self.advance()
        with self.lock:
            target = self.targets.get(target_id)
            if target is None:
                return 404, "no such target\n"
            if not target.up:
                return 503, "target down\n"
            return 200, target.exposition()


class Simulator(LoopbackHttpServer):
    """HTTP front of a TodoSystem on loopback."""

    def __init__(self, system: TodoSystem) -> None:
        self.system = system
        simulator = self

        class Handler(QuietReplies, BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = self.path.strip("/").split("/")
                if len(parts) == 3 and parts[0] == "targets" and parts[2] == "metrics":
                    status, body = simulator.system.scrape(parts[1])
                else:
                    status, body = 404, "not found\n"
                self.reply(status, "text/plain; version=0.0.4", body.encode())

        super().__init__(Handler, "simulator")

    def scrape_targets(self) -> list[dict[str, Any]]:
        """Prometheus `static_configs` entries, one per target, with its cluster labels."""
        entries = []
        for target in self.system.targets.values():
            entries.append(
                {
                    "targets": [f"{LOOPBACK}:{self.port}"],
                    # A target label `instance` wins over the address, so each keeps its cluster identity.
                    "labels": {**target.labels, "__metrics_path__": f"/targets/{target.id}/metrics"},
                }
            )
        return entries

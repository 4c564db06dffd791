"""Health probing: a Probe per service readiness endpoint through the blackbox exporter."""

from __future__ import annotations

from components.platforms import parse_settings
from render.blackbox import MODULE, PORT, RELEASE_NAME
from tests.harness import Rendered
from tools.stackfile import stack_sections

BLACKBOX_RELEASE_DEPENDENCY = f"kubernetes:helm.sh/v3:Release::{RELEASE_NAME}"


def series_labels(probe: dict) -> dict[str, str]:
    """The target labels Prometheus gives a Probe's series: the static labels, plus `namespace: <the
    Probe's namespace>` only where the static labels lack `namespace` (prometheus-operator's
    generateProbeConfig in pkg/prometheus/promcfg.go)."""
    static = dict(probe["spec"]["targets"]["staticConfig"].get("labels") or {})
    static.setdefault("namespace", probe["metadata"]["namespace"])
    return static


def test_one_probe_per_service_readiness_endpoint(rendered: Rendered) -> None:
    settings = parse_settings(stack_sections(rendered.stack), rendered.stack)
    probes = {p["inputs"]["metadata"]["name"]: p["inputs"] for p in rendered.custom_resources("Probe")}
    assert set(probes) == {f"{s.name}-readiness" for s in settings.services}
    for service in settings.services:
        probe = probes[f"{service.name}-readiness"]
        static = probe["spec"]["targets"]["staticConfig"]
        assert static["static"] == [
            f"http://{service.name}.{service.namespace}.svc:{service.port}{service.health_path}"
        ]
        assert static["labels"]["service"] == service.name
        assert probe["spec"]["module"] == MODULE
        assert probe["spec"]["prober"]["url"] == f"{RELEASE_NAME}.{settings.metrics.namespace}.svc:{PORT}"


def test_probes_live_in_the_metrics_namespace_and_series_keep_the_service_namespace(rendered: Rendered) -> None:
    settings = parse_settings(stack_sections(rendered.stack), rendered.stack)
    created = {r["inputs"]["metadata"]["name"] for r in rendered.of_type("kubernetes:core/v1:Namespace")}
    probes = {p["inputs"]["metadata"]["name"]: p["inputs"] for p in rendered.custom_resources("Probe")}
    assert probes
    for service in settings.services:
        probe = probes[f"{service.name}-readiness"]
        # A namespace this program creates: the app's may not exist when `pulumi up` runs.
        assert probe["metadata"]["namespace"] == settings.metrics.namespace
        assert probe["metadata"]["namespace"] in created
        assert service.namespace not in created, "the services' namespace belongs to the app"
        # Alerts, SLOs and dashboards group probe series by the service's namespace, not the Probe's.
        assert series_labels(probe)["namespace"] == service.namespace


def test_series_labels_follow_the_operator_rule() -> None:
    probe = {
        "metadata": {"namespace": "monitoring"},
        "spec": {"targets": {"staticConfig": {"labels": {"service": "chat-api"}}}},
    }
    assert series_labels(probe)["namespace"] == "monitoring"
    probe["spec"]["targets"]["staticConfig"]["labels"]["namespace"] = "todo"
    assert series_labels(probe)["namespace"] == "todo"


def test_frontend_is_probed_on_its_own_health_path(renders: dict[str, Rendered]) -> None:
    probes = {p["inputs"]["metadata"]["name"]: p["inputs"] for p in renders["local"].custom_resources("Probe")}
    assert probes["frontend-readiness"]["spec"]["targets"]["staticConfig"]["static"] == [
        "http://frontend.todo.svc:3000/api/health"
    ]


def test_probes_wait_for_the_crds_and_the_exporter_and_the_module_exists(rendered: Rendered) -> None:
    for probe in rendered.custom_resources("Probe"):
        assert any("prometheus-operator-crds" in dep for dep in probe["dependsOn"])
        assert BLACKBOX_RELEASE_DEPENDENCY in probe["dependsOn"], probe["name"]
    values = rendered.helm_values(RELEASE_NAME)
    assert values["fullnameOverride"] == RELEASE_NAME
    module = values["config"]["modules"][MODULE]
    assert module["prober"] == "http" and module["http"]["valid_status_codes"] == [200]
    # Helm gets JSON numbers: 200, not 200.0 (the engine's doubles are written back as integers).
    assert all(type(code) is int for code in module["http"]["valid_status_codes"])
    # The chart's own probes are left on: nothing in the values overrides them.
    assert "livenessProbe" not in values and "readinessProbe" not in values
    assert values["serviceMonitor"]["selfMonitor"]["enabled"] is True

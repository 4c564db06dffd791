"""Health probing: a Probe per service readiness endpoint through the blackbox exporter."""

from __future__ import annotations

from render.blackbox import MODULE, PORT, RELEASE_NAME
from settings import parse_settings
from tests.harness import Rendered
from tests.test_config import stack_raw


def test_one_probe_per_service_readiness_endpoint(rendered: Rendered) -> None:
    settings = parse_settings(stack_raw(rendered.stack), rendered.stack)
    probes = {p["inputs"]["metadata"]["name"]: p["inputs"] for p in rendered.custom_resources("Probe")}
    assert set(probes) == {f"{s.name}-readiness" for s in settings.services}
    for service in settings.services:
        probe = probes[f"{service.name}-readiness"]
        assert probe["metadata"]["namespace"] == service.namespace
        static = probe["spec"]["targets"]["staticConfig"]
        assert static["static"] == [
            f"http://{service.name}.{service.namespace}.svc:{service.port}{service.health_path}"
        ]
        assert static["labels"]["service"] == service.name
        assert probe["spec"]["module"] == MODULE
        assert probe["spec"]["prober"]["url"] == f"{RELEASE_NAME}.{settings.metrics.namespace}.svc:{PORT}"


def test_frontend_is_probed_on_its_own_health_path(renders: dict[str, Rendered]) -> None:
    probes = {p["inputs"]["metadata"]["name"]: p["inputs"] for p in renders["local"].custom_resources("Probe")}
    assert probes["frontend-readiness"]["spec"]["targets"]["staticConfig"]["static"] == [
        "http://frontend.todo.svc:3000/api/health"
    ]


def test_probes_wait_for_the_crds_and_the_exporter_module_exists(rendered: Rendered) -> None:
    for probe in rendered.custom_resources("Probe"):
        assert any("prometheus-operator-crds" in dep for dep in probe["dependsOn"])
    values = rendered.helm_values(RELEASE_NAME)
    assert values["fullnameOverride"] == RELEASE_NAME
    module = values["config"]["modules"][MODULE]
    assert module["prober"] == "http" and module["http"]["valid_status_codes"] == [200]
    # The chart's own probes are left on: nothing in the values overrides them.
    assert "livenessProbe" not in values and "readinessProbe" not in values
    assert values["serviceMonitor"]["selfMonitor"]["enabled"] is True

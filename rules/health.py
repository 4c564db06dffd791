"""Health of the app seen from outside: the blackbox exporter's probes of each readiness endpoint."""

from __future__ import annotations

from contracts import uids
from render.blackbox import PROBE_JOB
from rules.model import Alert, Rule, RuleGroup, alike, service_matcher
from settings.model import ServiceSettings

# Three failed probes in a row (30s interval): longer than a rolling restart keeps a pod unready.
PROBE_FAILING_FOR = "2m"


def build(services: list[ServiceSettings]) -> list[RuleGroup]:
    alerts: list[Rule] = [
        Alert(
            "ServiceHealthProbeFailing",
            f'probe_success{{job="{PROBE_JOB}", {service_matcher(part)}}} == 0',
            severity="critical" if part[0].critical else "warning",
            duration=PROBE_FAILING_FOR,
            summary="{{ $labels.service }} does not answer its readiness probe",
            description=(
                f"The blackbox exporter's GET of {{{{ $labels.instance }}}} has failed for {PROBE_FAILING_FOR} "
                "(probe_success = {{ $value }}): the service is not ready to serve "
                "(database, Dapr sidecar or the service itself)."
            ),
            dashboard=uids.OVERVIEW,
        )
        # Each probe's series carries its service (render/blackbox.py, the Probe's target labels).
        for part in alike(services, lambda service: service.critical)
    ]
    return [RuleGroup("health", alerts)]

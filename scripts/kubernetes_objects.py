"""The Kubernetes objects this program creates directly (Namespaces, Secrets, ConfigMaps, Services, Deployments...),
validated with kubernetes-validate against the target Kubernetes version (components.versions.KUBERNETES_VERSION).

Custom resources (ServiceMonitor, Probe, Dapr Configuration...) are left to kubeconform with the CRDs' schemas
(scripts/verify_charts.py); Helm releases are validated there too.

    python -m scripts.kubernetes_objects build/prod/resources.json [...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate

from components.versions import KUBERNETES_VERSION

SECRET_PLACEHOLDER = "[secret]"
# API groups served by every Kubernetes API server (the rest are CRDs).
BUILT_IN_GROUPS = frozenset(
    {
        "core",
        "apps",
        "batch",
        "policy",
        "autoscaling",
        "networking.k8s.io",
        "rbac.authorization.k8s.io",
        "storage.k8s.io",
        "scheduling.k8s.io",
        "coordination.k8s.io",
        "admissionregistration.k8s.io",
        "apiextensions.k8s.io",
    }
)


def built_in_type(type_token: str) -> bool:
    """`kubernetes:apps/v1:Deployment` yes; `kubernetes:monitoring.coreos.com/v1:Probe`, `...:helm.sh/v3:Release` no."""
    provider, _, rest = type_token.partition(":")
    group = rest.split("/", 1)[0]
    return provider == "kubernetes" and group in BUILT_IN_GROUPS


def manifest(resource: dict[str, Any]) -> dict[str, Any]:
    """The object as the API server receives it; a Secret's redacted payload becomes one placeholder key."""
    body = json.loads(json.dumps(resource["inputs"]))
    if body.get("kind") == "Secret":
        for field in ("data", "stringData"):
            if body.get(field) == SECRET_PLACEHOLDER:
                body[field] = {"redacted": "cGxhY2Vob2xkZXI=" if field == "data" else SECRET_PLACEHOLDER}
    return body


def supported_versions() -> list[str]:
    """The Kubernetes minors the installed kubernetes-validate ships schemas for."""
    minors = {".".join(v.split(".")[:2]) for v in kubernetes_validate.utils.all_versions()}
    return sorted(minors, key=lambda v: tuple(int(p) for p in v.split(".")))


def problems(resources: list[dict[str, Any]], version: str = KUBERNETES_VERSION) -> list[str]:
    minor = ".".join(version.split(".")[:2])
    if minor not in supported_versions():
        raise ValueError(f"kubernetes-validate {kubernetes_validate.version.__version__} has no schemas for {minor}")
    found = []
    for resource in resources:
        if not built_in_type(resource["type"]):
            continue
        try:
            kubernetes_validate.validate(manifest(resource), version, strict=True)
        except kubernetes_validate.ValidationError as error:
            path = ".".join(str(p) for p in error.path)
            found.append(f"{resource['type']} {resource['name']}: {path}: {error.message}")
        except kubernetes_validate.SchemaNotFoundError as error:
            found.append(f"{resource['type']} {resource['name']}: no schema for Kubernetes {version}: {error}")
    return found


def main(argv: list[str] | None = None) -> int:
    files = [Path(a) for a in (argv if argv is not None else sys.argv[1:])]
    failed = 0
    for path in files:
        for problem in problems(json.loads(path.read_text())):
            print(f"{path}: {problem}")
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

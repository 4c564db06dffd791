"""`make verify-charts STACK=<stack>`: every pinned chart of a rendered stack, templated as deployed and validated.

Per Helm release in build/<stack>/resources.json: pull the chart at its pinned version (`helm pull --repo`),
`helm template` it with build/<stack>/helm/<release>.values.yaml, the release's name and namespace, the target
Kubernetes version (components.versions.KUBERNETES_VERSION) and the CRD API versions (`--api-versions`, read from the
CRD charts); validate every manifest, and the custom resources the program creates itself, with kubeconform
(`-strict`, that version, JSON schemas generated here from the pinned Prometheus Operator and Dapr CRDs); then check
that every Secret, ConfigMap and ServiceAccount a workload references is created by a chart or by the program.
Writes build/<stack>/verify/summary.md (and appends it to $GITHUB_STEP_SUMMARY when set); exits 1 on any problem.

    python -m scripts.verify_charts --stack prod [--build DIR] [--chart NAME=DIR ...]

Needs helm, kubeconform and the chart repositories (and kubeconform's default schema location for built-in kinds).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from components.versions import ALL_CHARTS, KUBERNETES_VERSION, VALIDATION_CHARTS, ChartPin

ROOT = Path(__file__).resolve().parent.parent
RELEASE_TYPE = "kubernetes:helm.sh/v3:Release"
REFERENCED_KINDS = ("Secret", "ConfigMap", "ServiceAccount")
SCHEMA_TEMPLATE = "{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"
# Objects that exist without any manifest: Kubernetes makes them in every namespace.
ALWAYS_PRESENT = {("ServiceAccount", "default"), ("ConfigMap", "kube-root-ca.crt")}
# Objects a chart's hook Job or an operator creates at run time (never in `helm template` output): kind, name regex.
RUNTIME_CREATED: dict[tuple[str, str], str] = {
    ("Secret", r".+-admission"): "kube-prometheus-stack's admission-webhook certgen hook Job creates it",
}


@dataclass(frozen=True)
class Release:
    name: str
    namespace: str
    pin: ChartPin
    values: Path


@dataclass
class Reference:
    kind: str
    namespace: str
    name: str
    by: str  # "<Kind>/<name> <where>"


@dataclass
class Report:
    stack: str
    manifests: dict[str, int] = field(default_factory=dict)  # release -> objects templated
    kubeconform: dict[str, Any] = field(default_factory=dict)
    invalid: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.invalid or self.missing or self.errors)


# --- inputs ---------------------------------------------------------------------------------------------------------


def releases(build: Path) -> list[Release]:
    """The stack's Helm releases as deployed, each checked against its pin in components/versions.py."""
    pins = {pin.chart: pin for pin in ALL_CHARTS}
    found = []
    for resource in json.loads((build / "resources.json").read_text()):
        if resource["type"] != RELEASE_TYPE:
            continue
        inputs = resource["inputs"]
        pin = pins.get(inputs["chart"])
        repo = inputs.get("repositoryOpts", {}).get("repo", "")
        if pin is None or (pin.version, pin.repo.rstrip("/")) != (inputs["version"], repo.rstrip("/")):
            raise ValueError(
                f"release {inputs['name']}: {inputs['chart']} {inputs['version']} from {repo} is not a pin"
            )
        values = build / "helm" / f"{inputs['name']}.values.yaml"
        if not values.is_file():
            raise ValueError(f"release {inputs['name']}: {values} missing (render the stack first)")
        found.append(Release(inputs["name"], inputs["namespace"], pin, values))
    # CRD charts first: their CRDs give the other charts' --api-versions and kubeconform's schemas.
    return sorted(found, key=lambda r: (not r.pin.chart.endswith("-crds"), r.name))


def program_objects(build: Path) -> list[dict[str, Any]]:
    """The Kubernetes objects the program creates itself (not Helm releases), as manifests."""
    objects = []
    for resource in json.loads((build / "resources.json").read_text()):
        if resource["type"].startswith("kubernetes:") and resource["type"] != RELEASE_TYPE:
            body = json.loads(json.dumps(resource["inputs"]))
            for key in ("data", "stringData"):
                if body.get(key) == "[secret]":
                    body[key] = {"redacted": "[secret]"}
            if "kind" in body:
                objects.append(body)
    return objects


# --- commands -------------------------------------------------------------------------------------------------------


def pull_command(helm: str, pin: ChartPin, into: Path) -> list[str]:
    return [helm, "pull", pin.chart, "--repo", pin.repo, "--version", pin.version, "--untar", "--untardir", str(into)]


def template_command(helm: str, release: Release, chart_dir: Path, api_versions: Iterable[str]) -> list[str]:
    command = [helm, "template", release.name, str(chart_dir), "--namespace", release.namespace]
    command += ["--values", str(release.values), "--kube-version", KUBERNETES_VERSION, "--include-crds"]
    for api in sorted(set(api_versions)):
        command += ["--api-versions", api]
    return command


def kubeconform_command(kubeconform: str, schemas: Path, files: list[Path]) -> list[str]:
    return [
        kubeconform,
        "-strict",
        "-summary",
        "-output",
        "json",
        "-kubernetes-version",
        KUBERNETES_VERSION,
        "-schema-location",
        "default",
        "-schema-location",
        f"{schemas}/{SCHEMA_TEMPLATE}",
        *[str(f) for f in files],
    ]


# --- CRDs -----------------------------------------------------------------------------------------------------------


def crds(documents: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for d in documents if d.get("kind") == "CustomResourceDefinition"]


def crd_api_versions(definitions: Iterable[dict[str, Any]]) -> set[str]:
    """`group/version` and `group/version/Kind` of every served CRD version, as `helm template --api-versions`."""
    found = set()
    for crd in definitions:
        spec = crd["spec"]
        for version in spec["versions"]:
            if version.get("served", True):
                found |= {
                    f"{spec['group']}/{version['name']}",
                    f"{spec['group']}/{version['name']}/{spec['names']['kind']}",
                }
    return found


def strict_schema(schema: Any) -> Any:
    """kubeconform -strict for CRDs: an object with declared properties accepts no others (unless it says so)."""
    if isinstance(schema, list):
        return [strict_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: strict_schema(v) for k, v in schema.items()}
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


def write_crd_schemas(definitions: Iterable[dict[str, Any]], into: Path) -> list[Path]:
    """One JSON schema per CRD version, laid out as SCHEMA_TEMPLATE expects."""
    written = []
    for crd in definitions:
        spec = crd["spec"]
        for version in spec["versions"]:
            schema = version.get("schema", {}).get("openAPIV3Schema")
            if schema is None:
                continue
            path = into / spec["group"] / f"{spec['names']['kind'].lower()}_{version['name']}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(strict_schema(schema), indent=1, sort_keys=True))
            written.append(path)
    return written


# --- references -----------------------------------------------------------------------------------------------------


def pod_specs(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    kind, spec = document.get("kind"), document.get("spec") or {}
    if kind == "Pod":
        yield "spec", spec
    elif kind == "CronJob":
        yield (
            "spec.jobTemplate.spec.template.spec",
            spec.get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec", {}),
        )
    elif kind in {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}:
        yield "spec.template.spec", spec.get("template", {}).get("spec", {})


def pod_references(pod: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(kind, name, where) of every required Secret/ConfigMap/ServiceAccount a pod spec refers to."""
    if pod.get("serviceAccountName"):
        yield "ServiceAccount", pod["serviceAccountName"], "serviceAccountName"
    for secret in pod.get("imagePullSecrets") or []:
        yield "Secret", secret["name"], "imagePullSecrets"
    for volume in pod.get("volumes") or []:
        where = f"volumes[{volume.get('name')}]"
        if "secret" in volume and not volume["secret"].get("optional"):
            yield "Secret", volume["secret"]["secretName"], where
        if "configMap" in volume and not volume["configMap"].get("optional"):
            yield "ConfigMap", volume["configMap"]["name"], where
        for source in (volume.get("projected") or {}).get("sources") or []:
            for key, kind in (("secret", "Secret"), ("configMap", "ConfigMap")):
                if key in source and not source[key].get("optional"):
                    yield kind, source[key]["name"], where
    for container in [*(pod.get("initContainers") or []), *(pod.get("containers") or [])]:
        where = f"containers[{container.get('name')}]"
        for env in container.get("env") or []:
            source = env.get("valueFrom") or {}
            for key, kind in (("secretKeyRef", "Secret"), ("configMapKeyRef", "ConfigMap")):
                if key in source and not source[key].get("optional"):
                    yield kind, source[key]["name"], f"{where}.env[{env['name']}]"
        for env_from in container.get("envFrom") or []:
            for key, kind in (("secretRef", "Secret"), ("configMapRef", "ConfigMap")):
                if key in env_from and not env_from[key].get("optional"):
                    yield kind, env_from[key]["name"], f"{where}.envFrom"


def operator_references(document: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """What a Prometheus, Alertmanager or ThanosRuler resource makes the operator mount."""
    if not document.get("apiVersion", "").startswith("monitoring.coreos.com/"):
        return
    if document.get("kind") not in {"Prometheus", "Alertmanager", "ThanosRuler"}:
        return
    spec = document.get("spec") or {}
    if spec.get("serviceAccountName"):
        yield "ServiceAccount", spec["serviceAccountName"], "spec.serviceAccountName"
    for name in spec.get("secrets") or []:
        yield "Secret", name, "spec.secrets"
    for name in spec.get("configMaps") or []:
        yield "ConfigMap", name, "spec.configMaps"
    for key in ("additionalScrapeConfigs", "additionalAlertManagerConfigs", "additionalAlertRelabelConfigs"):
        if isinstance(spec.get(key), dict) and not spec[key].get("optional"):
            yield "Secret", spec[key]["name"], f"spec.{key}"
    storage = (spec.get("thanos") or {}).get("objectStorageConfig")
    if isinstance(storage, dict) and storage.get("name") and not storage.get("optional"):
        yield "Secret", storage["name"], "spec.thanos.objectStorageConfig"
    if spec.get("configSecret"):
        yield "Secret", spec["configSecret"], "spec.configSecret"


def references(documents: Iterable[dict[str, Any]], default_namespace: str = "default") -> list[Reference]:
    found = []
    for document in documents:
        namespace = document.get("metadata", {}).get("namespace") or default_namespace
        owner = f"{document.get('kind')}/{document.get('metadata', {}).get('name')}"
        pairs = list(operator_references(document))
        for path, pod in pod_specs(document):
            pairs += [(kind, name, f"{path}.{where}") for kind, name, where in pod_references(pod)]
        found += [Reference(kind, namespace, name, f"{owner} {where}") for kind, name, where in pairs]
    return found


def created(documents: Iterable[dict[str, Any]], default_namespace: str = "default") -> set[tuple[str, str, str]]:
    return {
        (d["kind"], d.get("metadata", {}).get("namespace") or default_namespace, d["metadata"]["name"])
        for d in documents
        if d.get("kind") in REFERENCED_KINDS
    }


def missing_references(documents: list[dict[str, Any]]) -> list[str]:
    """Every reference to an object that no chart and not the program creates (nor Kubernetes, nor a hook Job)."""
    existing = created(documents)
    problems = []
    for ref in references(documents):
        if (ref.kind, ref.namespace, ref.name) in existing or (ref.kind, ref.name) in ALWAYS_PRESENT:
            continue
        if any(kind == ref.kind and re.fullmatch(pattern, ref.name) for kind, pattern in RUNTIME_CREATED):
            continue
        problems.append(
            f"{ref.by}: {ref.kind} {ref.namespace}/{ref.name} is created by no chart and not by the program"
        )
    return sorted(set(problems))


# --- running --------------------------------------------------------------------------------------------------------


def load_documents(text: str, namespace: str) -> list[dict[str, Any]]:
    documents = [d for d in yaml.safe_load_all(text) if isinstance(d, dict) and d.get("kind")]
    for document in documents:
        # helm template leaves metadata.namespace out where the chart does; the release namespace applies.
        if document["kind"] != "CustomResourceDefinition" and not document["kind"].startswith("Cluster"):
            document.setdefault("metadata", {}).setdefault("namespace", namespace)
    return documents


def run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)


def verify(stack: str, build: Path, helm: str, kubeconform: str, local_charts: dict[str, Path]) -> Report:
    report = Report(stack)
    work = build / "verify"
    shutil.rmtree(work, ignore_errors=True)
    charts_dir, manifests_dir, schemas_dir = work / "charts", work / "manifests", work / "schemas"
    for directory in (charts_dir, manifests_dir, schemas_dir):
        directory.mkdir(parents=True)

    def chart_dir(pin: ChartPin) -> Path | None:
        if pin.chart in local_charts:
            return local_charts[pin.chart]
        done = run(pull_command(helm, pin, charts_dir / f"{pin.chart}-{pin.version}"))
        if done.returncode != 0:
            report.errors.append(f"helm pull {pin.chart} {pin.version}: {done.stderr.strip()}")
            return None
        return charts_dir / f"{pin.chart}-{pin.version}" / pin.chart

    all_documents: list[dict[str, Any]] = []
    definitions: list[dict[str, Any]] = []
    for pin in VALIDATION_CHARTS:  # pulled for their CRDs only
        directory = chart_dir(pin)
        if directory is not None:
            release = Release(pin.chart, "default", pin, directory / "values.yaml")
            done = run(template_command(helm, release, directory, ()))
            if done.returncode != 0:
                report.errors.append(f"helm template {pin.chart} (CRDs): {done.stderr.strip()}")
            else:
                definitions += crds(load_documents(done.stdout, "default"))
    files = []
    for release in releases(build):
        directory = chart_dir(release.pin)
        if directory is None:
            continue
        done = run(template_command(helm, release, directory, crd_api_versions(definitions)))
        if done.returncode != 0:
            report.errors.append(f"helm template {release.name}: {done.stderr.strip()}")
            continue
        documents = load_documents(done.stdout, release.namespace)
        definitions += crds(documents)
        report.manifests[release.name] = len(documents)
        path = manifests_dir / f"{release.name}.yaml"
        path.write_text(yaml.safe_dump_all(documents, sort_keys=False))
        files.append(path)
        all_documents += documents
    ours = program_objects(build)
    report.manifests["(program)"] = len(ours)
    program_file = manifests_dir / "program-objects.yaml"
    # Built-in kinds are also validated by kubernetes-validate in `make test`; here every object goes through.
    program_file.write_text(yaml.safe_dump_all(ours, sort_keys=False))
    files.append(program_file)
    all_documents += ours
    write_crd_schemas(definitions, schemas_dir)

    done = run(kubeconform_command(kubeconform, schemas_dir, files))
    try:
        result = json.loads(done.stdout or "{}")
    except json.JSONDecodeError:
        result = {}
        report.errors.append(f"kubeconform: {done.stdout.strip()} {done.stderr.strip()}")
    report.kubeconform = result.get("summary", {})
    for resource in result.get("resources", []):
        if resource.get("status") in {"statusInvalid", "statusError"}:
            report.invalid.append(
                f"{resource.get('filename')}: {resource.get('kind')}/{resource.get('name')}: {resource.get('msg')}"
            )
    if done.returncode != 0 and not report.invalid and not report.errors:
        report.errors.append(f"kubeconform exited {done.returncode}: {done.stderr.strip()}")
    report.missing = missing_references(all_documents)
    return report


def summary(report: Report) -> str:
    lines = [f"### verify-charts: {report.stack} {'passed' if report.ok else 'FAILED'}", ""]
    lines += [f"Kubernetes `{KUBERNETES_VERSION}`; charts as pinned in `components/versions.py`.", ""]
    lines += ["| release | objects |", "|---|---|"]
    lines += [f"| {name} | {count} |" for name, count in report.manifests.items()]
    if report.kubeconform:
        counts = ", ".join(f"{k} {v}" for k, v in report.kubeconform.items())
        lines += ["", f"kubeconform: {counts}"]
    for title, items in (
        ("errors", report.errors),
        ("invalid manifests", report.invalid),
        ("missing references", report.missing),
    ):
        if items:
            lines += ["", f"**{title}**", *[f"- {item}" for item in items]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--build", type=Path, help="rendered stack folder (default build/<stack>)")
    parser.add_argument("--helm", default=os.environ.get("HELM", "helm"))
    parser.add_argument("--kubeconform", default=os.environ.get("KUBECONFORM", "kubeconform"))
    parser.add_argument("--chart", action="append", default=[], metavar="NAME=DIR", help="use a local chart folder")
    args = parser.parse_args(argv)
    build = args.build or ROOT / "build" / args.stack
    local_charts = {name: Path(path) for name, _, path in (c.partition("=") for c in args.chart)}
    for tool in (args.helm, args.kubeconform):
        if shutil.which(tool) is None:
            print(
                f"error: {tool} not found (the pull-request workflow's verify-charts job installs both)",
                file=sys.stderr,
            )
            return 2
    try:
        report = verify(args.stack, build, args.helm, args.kubeconform, local_charts)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    text = summary(report)
    (build / "verify" / "summary.md").write_text(text)
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(os.environ["GITHUB_STEP_SUMMARY"], "a") as out:
            out.write(text)
    print(text, end="")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())

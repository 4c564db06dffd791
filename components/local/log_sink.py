"""Loki in the cluster as Fluent Bit's sink for local stacks: one monolithic Loki on a filesystem
volume, audit records as their own stream with the longer retention, and Grafana's `logs` datasource."""

from __future__ import annotations

import pulumi

from components.helm import chart_release
from components.log_sink import LogSinkArgs, SinkBinding
from components.versions import LOKI
from contracts.inputs import GrafanaInputs
from render.fluent_bit import loki_outputs
from render.log_datasources import loki_datasource
from render.loki import HTTP_PORT, RELEASE_NAME, render_loki_values, service_host


class LocalLogSink(pulumi.ComponentResource):
    def __init__(self, name: str, args: LogSinkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:logging:LocalLogSink", name, None, opts)
        namespace = args.namespace.name
        self.release = chart_release(
            RELEASE_NAME,
            LOKI,
            namespace,
            render_loki_values(args.logging, args.context.storage_class),
            pulumi.ResourceOptions(parent=self, depends_on=[args.namespace.resource]),
        )
        host = service_host(namespace)
        self.binding = SinkBinding(
            outputs=pulumi.Output.from_input(loki_outputs(host, HTTP_PORT, args.cluster.name)),
            grafana=GrafanaInputs(
                datasources=[loki_datasource(f"http://{host}:{HTTP_PORT}")], depends_on=[self.release]
            ),
            depends_on=[self.release],
        )
        self.register_outputs({"release": self.release.name})

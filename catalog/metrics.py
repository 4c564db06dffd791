"""The metric names the exporters and the app really expose (the app's: docs/app-contract.md; each
exporter's group says where its names were checked). Every alert expression and dashboard query may
use only these, plus the recording rules this project defines; tests parse every query and fail on any other name.

Add a name here only after checking it against the exporter's source or documentation, and say
where in the comment of its group.
"""

from __future__ import annotations

# prometheus-fastapi-instrumentator with the app's buckets, and the app's business metrics
# (docs/app-contract.md).
APP = {
    "http_requests_total",
    "http_request_duration_seconds_bucket",
    "http_request_duration_seconds_sum",
    "http_request_duration_seconds_count",
    "http_request_duration_highr_seconds_bucket",
    "http_request_duration_highr_seconds_sum",
    "http_request_duration_highr_seconds_count",
    "http_requests_inprogress",
    "todo_chat_requests_total",
    "todo_llm_request_duration_seconds_bucket",
    "todo_llm_request_duration_seconds_sum",
    "todo_llm_request_duration_seconds_count",
    "todo_agent_tool_calls_total",
    "todo_tasks_created_total",
    "todo_tasks_completed_total",
    "todo_reminders_sent_total",
    "todo_events_handled_total",
}

# Dapr sidecar (daprd, port 9090): OpenCensus-era names, counters without `_total`,
# latencies in milliseconds.
DAPR_SIDECAR = {
    "dapr_http_server_request_count",
    "dapr_http_server_latency_bucket",
    "dapr_http_server_latency_sum",
    "dapr_http_server_latency_count",
    "dapr_http_server_response_count",
    "dapr_http_client_completed_count",
    "dapr_http_client_roundtrip_latency_bucket",
    "dapr_grpc_io_server_completed_rpcs",
    "dapr_grpc_io_server_server_latency_bucket",
    "dapr_grpc_io_client_completed_rpcs",
    "dapr_grpc_io_client_roundtrip_latency_bucket",
    "dapr_component_pubsub_ingress_count",
    "dapr_component_pubsub_ingress_latencies_bucket",
    "dapr_component_pubsub_ingress_latencies_sum",
    "dapr_component_pubsub_ingress_latencies_count",
    "dapr_component_pubsub_egress_count",
    "dapr_component_pubsub_egress_latencies_bucket",
    "dapr_component_loaded",
    "dapr_runtime_component_init_fail_total",
    "dapr_runtime_component_loaded",
    "dapr_resiliency_cb_state",
    "dapr_resiliency_count",
}

# Dapr control plane (dapr-system, port `metrics`).
DAPR_CONTROL_PLANE = {
    "dapr_operator_service_created_total",
    "dapr_operator_service_deleted_total",
    "dapr_sentry_cert_sign_request_received_total",
    "dapr_sentry_cert_sign_success_total",
    "dapr_sentry_cert_sign_failure_total",
    "dapr_sentry_issuercert_expiry_timestamp",
    "dapr_injector_sidecar_injection_requests_total",
    "dapr_injector_sidecar_injection_succeeded_total",
    "dapr_injector_sidecar_injection_failed_total",
    "dapr_placement_runtimes_total",
}

# kube-state-metrics 2.20.
KUBE_STATE_METRICS = {
    "kube_pod_container_status_waiting_reason",
    "kube_pod_status_reason",
    "kube_node_status_condition",
    "kube_pod_container_status_last_terminated_reason",
    "kube_pod_container_status_restarts_total",
    "kube_pod_container_resource_limits",
    "kube_pod_container_resource_requests",
    "kube_pod_container_status_ready",
    "kube_pod_container_info",
    "kube_pod_info",
    "kube_pod_status_ready",
    "kube_pod_status_phase",
    "kube_deployment_spec_replicas",
    "kube_deployment_status_replicas_available",
    "kube_daemonset_status_number_unavailable",
    "kube_daemonset_status_desired_number_scheduled",
    "kube_statefulset_status_replicas_ready",
    "kube_statefulset_replicas",
}

# kubelet and cAdvisor (job kubelet).
KUBELET = {
    "container_cpu_usage_seconds_total",
    "container_memory_working_set_bytes",
    "container_cpu_cfs_throttled_periods_total",
    "container_cpu_cfs_periods_total",
    "container_network_receive_bytes_total",
    "container_network_transmit_bytes_total",
    "container_oom_events_total",
    "kubelet_volume_stats_used_bytes",
    "kubelet_volume_stats_capacity_bytes",
    "kubelet_volume_stats_available_bytes",
}

# node-exporter.
NODE_EXPORTER = {
    "node_cpu_seconds_total",
    "node_memory_MemAvailable_bytes",
    "node_memory_MemTotal_bytes",
    "node_filesystem_avail_bytes",
    "node_filesystem_size_bytes",
    "node_network_receive_bytes_total",
    "node_network_transmit_bytes_total",
}

# danielqsj/kafka_exporter v1.9 (prometheus-kafka-exporter chart).
KAFKA_EXPORTER = {
    "kafka_brokers",
    "kafka_consumergroup_lag",
    "kafka_consumergroup_lag_sum",
    "kafka_consumergroup_current_offset",
    "kafka_consumergroup_current_offset_sum",
    "kafka_consumergroup_members",
    "kafka_topic_partitions",
    "kafka_topic_partition_current_offset",
    "kafka_topic_partition_oldest_offset",
    "kafka_topic_partition_in_sync_replica",
    "kafka_topic_partition_leader",
    "kafka_topic_partition_leader_is_preferred",
    "kafka_topic_partition_replicas",
    "kafka_topic_partition_under_replicated_partition",
}

# Strimzi brokers and controllers through the JMX exporter with Strimzi's example rules.
STRIMZI_KAFKA = {
    "kafka_server_replicamanager_underreplicatedpartitions",
    "kafka_server_replicamanager_underminisrpartitioncount",
    "kafka_server_replicamanager_partitioncount",
    "kafka_server_replicamanager_leadercount",
    "kafka_server_replicamanager_isrshrinks_total",
    "kafka_server_replicamanager_isrexpands_total",
    "kafka_controller_kafkacontroller_activecontrollercount",
    "kafka_controller_kafkacontroller_offlinepartitionscount",
    "kafka_server_brokertopicmetrics_messagesin_total",
    "kafka_server_brokertopicmetrics_bytesin_total",
    "kafka_server_brokertopicmetrics_bytesout_total",
    "kafka_server_brokertopicmetrics_totalproducerequests_total",
    "kafka_server_brokertopicmetrics_failedproducerequests_total",
    "kafka_server_brokertopicmetrics_totalfetchrequests_total",
    "kafka_server_brokertopicmetrics_failedfetchrequests_total",
    "kafka_log_log_size",
    "jvm_memory_used_bytes",
    "process_cpu_seconds_total",
    # Broker disk I/O, idle ratios and min-ISR state: Strimzi's examples/metrics/kafka-metrics.yaml
    # rules as its grafana-dashboards/strimzi-kafka.json queries them.
    "kafka_server_kafkaserver_linux_disk_read_bytes",
    "kafka_server_kafkaserver_linux_disk_write_bytes",
    "kafka_network_socketserver_networkprocessoravgidle_percent",
    "kafka_server_kafkarequesthandlerpool_requesthandleravgidle_percent",
    "kafka_cluster_partition_underminisr",
}

# Redpanda Cloud's Prometheus endpoint (/public_metrics; docs.redpanda.com "Public Metrics").
# The cpu/memory/storage names are per-broker public metrics that Redpanda Cloud's endpoint does not
# serve ("Monitor Redpanda Cloud": no OS- or node-level metrics); the Kafka dashboard does not use them.
REDPANDA_CLOUD = {
    "redpanda_cluster_brokers",
    "redpanda_cluster_unavailable_partitions",
    "redpanda_cpu_busy_seconds_total",
    "redpanda_memory_allocated_memory",
    "redpanda_memory_available_memory",
    "redpanda_storage_disk_free_bytes",
    "redpanda_storage_disk_total_bytes",
    "redpanda_kafka_under_replicated_replicas",
    "redpanda_kafka_max_offset",
    "redpanda_kafka_consumer_group_committed_offset",
    "redpanda_kafka_request_bytes_total",
    "redpanda_kafka_records_produced_total",
    "redpanda_kafka_records_fetched_total",
    "redpanda_kafka_request_latency_seconds_bucket",
    "redpanda_rpc_request_errors_total",
    "redpanda_raft_leadership_changes",
}

# Confluent Cloud Metrics API export endpoint (/v2/metrics/cloud/export), as Prometheus names it.
CONFLUENT_CLOUD = {
    "confluent_kafka_server_consumer_lag_offsets",
    "confluent_kafka_server_partition_count",
    "confluent_kafka_server_request_count",
    "confluent_kafka_server_sent_records",
    "confluent_kafka_server_active_connection_count",
    # Per topic (label `topic`, cluster `kafka_id`): docs.confluent.io Metrics API reference and
    # grafana.com's Confluent Cloud integration, which scrapes this export. cluster_load_percent
    # exists on Dedicated clusters only.
    "confluent_kafka_server_received_bytes",
    "confluent_kafka_server_sent_bytes",
    "confluent_kafka_server_received_records",
    "confluent_kafka_server_retained_bytes",
    "confluent_kafka_server_cluster_load_percent",
}

# Prometheus, Alertmanager and the operator themselves.
PROMETHEUS = {
    "up",
    "ALERTS",
    "scrape_samples_scraped",
    # Per target, also when the scrape failed on its sample_limit (prometheus/prometheus#7342).
    "scrape_samples_post_metric_relabeling",
    "scrape_series_added",
    "prometheus_rule_evaluation_failures_total",
    "prometheus_rule_group_iterations_missed_total",
    "prometheus_notifications_dropped_total",
    "prometheus_notifications_errors_total",
    "prometheus_notifications_sent_total",
    "prometheus_tsdb_head_series",
    "prometheus_tsdb_head_samples_appended_total",
    "prometheus_sd_discovered_targets",
    "alertmanager_notifications_total",
    "alertmanager_notifications_failed_total",
    "alertmanager_alerts",
}

# Thanos 0.42 sidecar, store gateway, compactor and query.
THANOS = {
    "thanos_shipper_uploads_total",
    "thanos_shipper_upload_failures_total",
    "thanos_compact_halted",
    "thanos_compact_group_compactions_failures_total",
    "thanos_compact_iterations_total",
    "thanos_objstore_bucket_operations_total",
    "thanos_objstore_bucket_operation_failures_total",
    "thanos_bucket_store_blocks_loaded",
    "thanos_sidecar_prometheus_up",
}

# Fluent Bit's /api/v2/metrics/prometheus.
FLUENT_BIT = {
    "fluentbit_input_records_total",
    "fluentbit_input_bytes_total",
    "fluentbit_output_proc_records_total",
    "fluentbit_output_proc_bytes_total",
    "fluentbit_output_errors_total",
    "fluentbit_output_retries_total",
    "fluentbit_output_retries_failed_total",
    "fluentbit_output_dropped_records_total",
    "fluentbit_filter_drop_records_total",
    "fluentbit_uptime",
}

# OpenTelemetry Collector's own telemetry (counters carry `_total` since it moved to the OTel SDK).
OTEL_COLLECTOR = {
    "otelcol_receiver_accepted_spans_total",
    "otelcol_receiver_refused_spans_total",
    "otelcol_exporter_sent_spans_total",
    "otelcol_exporter_send_failed_spans_total",
    "otelcol_exporter_enqueue_failed_spans_total",
    "otelcol_exporter_queue_size",
    "otelcol_exporter_queue_capacity",
    "otelcol_processor_incoming_items_total",
    "otelcol_processor_outgoing_items_total",
    "otelcol_process_memory_rss_bytes",
    # Receiver helper (collector core metadata.yaml): spans a receiver could not hand on.
    "otelcol_receiver_failed_spans_total",
    # tail_sampling (contrib processor/tailsamplingprocessor/documentation.md): traces evicted before
    # their decision (num_traces too small) and the sampled/not-sampled split.
    "otelcol_processor_tail_sampling_sampling_trace_dropped_too_early_total",
    "otelcol_processor_tail_sampling_global_count_traces_sampled_total",
    # loadbalancing exporter (contrib exporter/loadbalancingexporter/README.md): replicas it routes to.
    "otelcol_loadbalancer_num_backends",
    "otelcol_loadbalancer_backend_outcome_total",
}

# blackbox_exporter probes.
BLACKBOX = {
    "probe_success",
    "probe_duration_seconds",
    "probe_http_status_code",
}

SOURCES: dict[str, set[str]] = {
    "app": APP,
    "dapr-sidecar": DAPR_SIDECAR,
    "dapr-control-plane": DAPR_CONTROL_PLANE,
    "kube-state-metrics": KUBE_STATE_METRICS,
    "kubelet": KUBELET,
    "node-exporter": NODE_EXPORTER,
    "kafka-exporter": KAFKA_EXPORTER,
    "strimzi": STRIMZI_KAFKA,
    "redpanda-cloud": REDPANDA_CLOUD,
    "confluent-cloud": CONFLUENT_CLOUD,
    "prometheus": PROMETHEUS,
    "thanos": THANOS,
    "fluent-bit": FLUENT_BIT,
    "otel-collector": OTEL_COLLECTOR,
    "blackbox": BLACKBOX,
}

EXPORTED: frozenset[str] = frozenset().union(*SOURCES.values())

"""Pure rendering: functions from settings to values, configs and manifests (no Pulumi resources)."""

"""Pulumi components: one module per capability, per-cloud resources in their own subpackages."""

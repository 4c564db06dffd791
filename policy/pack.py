"""The guardrails as CrossGuard policies (kept apart from __main__.py so tests can build them)."""

from __future__ import annotations

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from guardrails import GUARDRAILS, Guardrail


def as_policy(guardrail: Guardrail) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        for problem in guardrail.check(args.resource_type, args.props, args.get_config()):
            report_violation(f"{args.name}: {problem}", None)

    schema = PolicyConfigSchema(properties=dict(guardrail.config_properties)) if guardrail.config_properties else None
    return ResourceValidationPolicy(
        name=guardrail.name, description=guardrail.description, validate=validate, config_schema=schema
    )


POLICIES: list[ResourceValidationPolicy] = [as_policy(guardrail) for guardrail in GUARDRAILS]

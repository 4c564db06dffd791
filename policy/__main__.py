"""CrossGuard policy pack: `pulumi preview --policy-pack policy` (see docs/guardrails.md).

Policy config (`--policy-pack-config`): `minimumLogRetentionDays` (30) and `allowedHelmRepositories`.
Children of a helm.v3.Release are invisible to policies; the chart values are checked instead.
"""

from pulumi_policy import EnforcementLevel, PolicyPack

from pack import POLICIES

PolicyPack(name="todo-observability-guardrails", enforcement_level=EnforcementLevel.MANDATORY, policies=POLICIES)

"""todo-observability: the production observability stack of the Todo AI Chatbot.

Reads like a table of contents: load the stack's config, build each capability, export what
operators need. Each component lives in components/, its pure rendering in render/.
"""

import pulumi

from components.crds import PrometheusOperatorCrds
from components.namespaces import ObservabilityNamespaces
from components.providers import build_providers
from settings import load_from_pulumi

stack = load_from_pulumi()
settings, secrets = stack.settings, stack.secrets
providers = build_providers(settings, secrets)

namespaces = ObservabilityNamespaces("observability", settings, providers)
crds = PrometheusOperatorCrds(
    "prometheus-operator-crds", settings, providers, namespaces.get(settings.metrics.namespace)
)

pulumi.export("namespace", settings.metrics.namespace)
pulumi.export("secretsToSet", secrets.placeholders)

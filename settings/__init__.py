"""The stack configuration: typed model, defaults, validation and secrets."""

from settings.loader import LoadedStack, load_from_pulumi, load_stack, parse_settings
from settings.model import StackSettings
from settings.schema import ConfigError
from settings.secrets import StackSecrets

__all__ = [
    "ConfigError",
    "LoadedStack",
    "StackSecrets",
    "StackSettings",
    "load_from_pulumi",
    "load_stack",
    "parse_settings",
]

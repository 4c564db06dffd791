"""The stack configuration: typed model, defaults, validation and secrets."""

from settings.errors import PROJECT, ConfigError
from settings.loader import LoadedStack, load_from_pulumi, load_stack, parse_settings
from settings.model import StackSettings
from settings.secrets import StackSecrets

__all__ = [
    "PROJECT",
    "ConfigError",
    "LoadedStack",
    "StackSecrets",
    "StackSettings",
    "load_from_pulumi",
    "load_stack",
    "parse_settings",
]

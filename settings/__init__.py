"""The stack configuration: typed model, defaults, validation and secrets.

The loader takes each cloud's part of the model from the platform registry; components/platforms.py
binds them (`load_from_pulumi`, `parse_settings`, `load_stack`)."""

from settings.errors import PROJECT, ConfigError
from settings.loader import LoadedStack
from settings.model import StackSettings
from settings.secrets import StackSecrets

__all__ = [
    "PROJECT",
    "ConfigError",
    "LoadedStack",
    "StackSecrets",
    "StackSettings",
]

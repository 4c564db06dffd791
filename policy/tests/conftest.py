import sys
from pathlib import Path

# The pack runs with policy/ as its working directory and imports `guardrails` top-level.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

"""`make lab STACK=<stack> SCENARIO=<name>`: runs a scenario on real Prometheus and Alertmanager and
prints a live table of alerts and deliveries until Ctrl-C (or `--seconds`), then stops everything.

    python -m lab --stack prod --scenario chat-api-5xx [--seconds 120] [--keep]
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from types import FrameType

from lab.runner import Lab
from lab.scenarios import SCENARIOS
from lab.table import render_table

REFRESH_SECONDS = 2.0


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", default="local")
    parser.add_argument("--scenario", default="healthy", choices=sorted(SCENARIOS))
    parser.add_argument("--seconds", type=float, default=0, help="stop after this long (default: until Ctrl-C)")
    parser.add_argument("--keep", action="store_true", help="keep the lab's temp directory (configs, logs)")
    parser.add_argument("--plain", action="store_true", help="append tables instead of redrawing the screen")
    args = parser.parse_args(argv)
    # `kill` (SIGTERM) stops the lab as cleanly as Ctrl-C. Ctrl-C's handler is installed explicitly:
    # a process started in the background by a non-interactive shell inherits SIGINT ignored, and
    # Python then leaves it ignored.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGINT, _raise_interrupt)
    scenario = SCENARIOS[args.scenario]
    print(f"Starting the lab for stack {args.stack}, scenario {scenario.name}: {scenario.description}", flush=True)
    lab = Lab(args.stack, scenario, keep_dir=args.keep)
    try:
        with lab:
            started = time.monotonic()
            redraw = sys.stdout.isatty() and not args.plain
            while not args.seconds or time.monotonic() - started < args.seconds:
                table = render_table(lab, time.monotonic() - started)
                print(("\x1b[2J\x1b[H" if redraw else "") + table, flush=True)
                time.sleep(REFRESH_SECONDS)
    except KeyboardInterrupt:
        print("\nStopping...", flush=True)
    left = lab.running()
    print(f"Stopped: Prometheus, Alertmanager, simulator and sinks ({left or 'none left'}).")
    if args.keep:
        print(f"Configs and logs kept in {lab.dir}")
    return 0 if not left else 1


if __name__ == "__main__":
    sys.exit(main())

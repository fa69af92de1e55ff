"""`python -m tests.corrections.killed_writeback WAREHOUSE SYSTEM POINT`: the writeback of one
target system as `tieout corrections writeback --system SYSTEM` runs it (resources from the
environment), except that the process SIGKILLs itself at the checkpoint POINT."""

import os
import signal
import sys

from corrections.ownership import load_ownership
from corrections.targets import targets_from_configured
from corrections.writeback import CHECKPOINTS, drain
from pipelines.resources import build_resources


def main(warehouse: str, system: str, point: str) -> None:
    if point not in CHECKPOINTS:
        raise SystemExit(f"no checkpoint {point!r}: one of {', '.join(CHECKPOINTS)}")

    def die_at_the_point(reached: str, reached_system: str) -> None:
        if (reached, reached_system) == (point, system):
            os.kill(os.getpid(), signal.SIGKILL)

    ownership = load_ownership()
    target = targets_from_configured(build_resources(), ownership).by_system()[system]
    drain(warehouse, {system: target}, ownership, checkpoint=die_at_the_point)


if __name__ == "__main__":
    main(*sys.argv[1:])

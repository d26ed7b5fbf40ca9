"""Run every benchmark under benchmarks/ and report which met its target.

Each ``bench_*.py`` is a script that measures against a baseline in the same run, prints its
figures and exits non-zero when a target is missed. Extra arguments are passed to each script
(e.g. ``--quick`` where a script supports it).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    names = [a for a in argv if not a.startswith("-")]
    flags = [a for a in argv if a.startswith("-")]
    scripts = sorted(HERE.glob("bench_*.py"))
    if names:
        scripts = [s for s in scripts if any(n in s.stem for n in names)]
    results: list[tuple[str, int, float]] = []
    for script in scripts:
        print(f"\n=== {script.stem} ===", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(script), *flags], cwd=HERE.parent)
        results.append((script.stem, code, time.perf_counter() - started))
    print("\n=== summary ===")
    for name, code, seconds in results:
        print(f"{'PASS' if code == 0 else 'FAIL'}  {name}  ({seconds:.1f} s)")
    return 0 if all(code == 0 for _, code, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

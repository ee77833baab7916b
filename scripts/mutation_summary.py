"""Per-module summary of the last `mutmut run` (what `make mutate` prints at the end).

    python scripts/mutation_summary.py      counts per mutated module, then every mutant checked and not killed

Reads the `mutants/<module>.py.meta` files mutmut writes; run it from the
repository root after `make mutate`. `mutmut show <name>` prints a mutant's diff.
"""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = ("killed", "survived", "timeout", "no tests", "not checked", "suspicious")


def _order(item: tuple[str, int | None]) -> tuple[str, int]:
    function, _, number = item[0].rpartition("__mutmut_")
    return function, int(number)


def main() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    problems = []
    print(f"{'module':40} " + " ".join(f"{c:>11}" for c in COLUMNS))
    for path in config["only_mutate"]:
        meta = ROOT / "mutants" / f"{path}.meta"
        if not meta.exists():
            print(f"{path:40} (not run)")
            continue
        exit_codes = json.loads(meta.read_text())["exit_code_by_key"]
        counts = Counter(status_by_exit_code[code] for code in exit_codes.values())
        print(f"{path:40} " + " ".join(f"{counts.get(c, 0):>11}" for c in COLUMNS))
        problems += [(name, status_by_exit_code[code]) for name, code in sorted(exit_codes.items(), key=_order)]
    problems = [(name, status) for name, status in problems if status not in ("killed", "not checked")]
    if problems:
        print("\nnot killed (see each with `mutmut show <name>`):")
        for name, status in problems:
            print(f"  {status:12} {name}")


if __name__ == "__main__":
    main()

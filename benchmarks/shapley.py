"""Fair shares of a 200-participant mission, sampled at ±1 % / 95 %: how long it takes.

    python benchmarks/shapley.py        (no database, no Django)

One objective of a mission with 200 participants: 300 joint contributions of
2 to 4 partners each, one to three solo contributions per participant, and a
target at 60 % of the total (so the cap binds and the engine samples
permutations). Prints the number of permutations, the bound, the time (goal:
<= 2 s; best of three runs, after one warm-up), and a sanity check
(efficiency: the values sum to the target).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ecosystem.value.shapley import JointSet, fair_shares


def mission(participants: int, joint: int, seed: int) -> tuple[list[int], list[JointSet], float]:
    rng = np.random.default_rng(seed)
    ids = [1000 + i for i in range(participants)]
    sets = [
        JointSet(partners=tuple(int(p) for p in rng.choice(ids, size=int(rng.integers(2, 5)), replace=False)),
                 measure=float(rng.lognormal(9, 1)))
        for _ in range(joint)
    ]  # fmt: skip
    for partner in ids:
        sets += [
            JointSet(partners=(partner,), measure=float(rng.lognormal(8, 1.5))) for _ in range(rng.integers(1, 4))
        ]
    total = sum(s.measure for s in sets)
    return ids, sets, round(0.6 * total, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--joint", type=int, default=300)
    args = parser.parse_args()

    participants, sets, target = mission(args.participants, args.joint, seed=7)
    fair_shares(participants, sets, target)  # warm-up (imports, first allocations)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        result = fair_shares(participants, sets, target)
        times.append(time.perf_counter() - start)
    best = min(times)
    print(f"participants: {len(participants)}, sets: {len(sets)} ({args.joint} joint), target: {target:,.2f}")
    print(f"permutations: {result.permutations:,} (exact: {result.exact})")
    print(f"bound: ±{result.bound:,.2f} (±1 % of the target), {result.confidence:.0%} confidence, every participant")
    print(f"time: {best:.2f} s (best of 3; runs: {', '.join(f'{t:.2f}' for t in times)}); goal <= 2 s: "
          f"{'met' if best <= 2 else 'NOT met'}")  # fmt: skip
    print(f"sum of the values: {sum(result.values.values()):,.2f} (v(all) = {target:,.2f})")
    # The permutations needed depend on how much each player can add (see permutations_needed): check
    # the figures against a reference ten times as tight (±0.1 %, 100 times the permutations).
    reference = fair_shares(participants, sets, target, tolerance=0.001, seed=11)
    worst = max(abs(result.values[p] - reference.values[p]) for p in participants)
    print(f"largest gap to a ±0.1 % reference ({reference.permutations:,} permutations, another seed): "
          f"{worst:,.2f}, {worst / result.bound:.1%} of the bound")  # fmt: skip


if __name__ == "__main__":
    main()

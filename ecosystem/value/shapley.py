"""Fair share of mission success: the Shapley value of a capped contribution game.

Pure Python and numpy, no Django: the report task hands it compact data it
read from PostgreSQL (one objective of one mission at a time) and stores what
it returns.

The game (issue #9, "Fair share of mission success"). Each validated
contribution toward an objective is a `JointSet`: the partners behind it
(P_c, one for a solo contribution) and its measure m_c (its value in money,
or its quantity toward the objective). A coalition S of participants is worth

    v(S) = min(T, sum of m_c over the sets with P_c ⊆ S)

— a joint contribution counts only when all its contributors are in, and
what goes beyond the target T adds nothing. `fair_shares` gives every
participant its Shapley value of that game, by the cheapest path that is
still exact, or by sampling with a stated guarantee:

1. No target, or a target never reached (total <= T): the cap never binds,
   v is a sum of unanimity games (m_c on the coalitions containing P_c), and
   the Shapley value is known in closed form: each set's measure split
   equally among its partners. Exact, no enumeration.
2. Otherwise, if at most `exact_up_to` players *matter* (appear in a set of
   positive measure; the others are null players of this game and get 0
   exactly, whatever their number): enumeration of the 2^k coalitions of
   those k players, vectorised on bitmasks. Exact.
3. Otherwise: permutation sampling over the k players that matter, vectorised
   in chunks of permutations, with the number of permutations from Hoeffding's
   inequality, for each player over the range its own sets allow, and a union
   bound over the k players (see `permutations_needed`):
   with probability at least `confidence`, *every* participant's value is
   within ±tolerance·T of its true Shapley value. The seed is fixed: the same
   input gives the same output (the order in which participants and sets are
   given does not matter either).

Corrections (negative adjusting contributions) are netted into the
contribution they correct before calling: a negative measure is refused.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["FairShares", "JointSet", "fair_shares", "permutations_needed"]

# Above this many players, 2^k coalitions stop being cheap (2^20 floats = 8 MB per array).
MAX_EXACT_PLAYERS = 20
# Working memory for one chunk of sampled permutations. Small chunks stay in the CPU's caches: on
# the benchmark's mission, 8 MB ran faster than 48 or 100 MB, and memory stays far below 200 MB.
CHUNK_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class JointSet:
    """One validated contribution toward the objective.

    `partners`: the contributing partners P_c (distinct ids; one for a solo
    contribution). `measure`: m_c, its value (money) or its quantity toward the
    objective, >= 0 once corrections are netted into it.
    """

    partners: tuple[int, ...]
    measure: float


@dataclass(frozen=True)
class FairShares:
    """The Shapley value of every participant, and how sure it is.

    `values`: partner id -> Shapley value, for every participant given (0 for
    those without contribution). `exact`: True when computed exactly (closed
    form or enumeration), False when sampled. `permutations`: the number of
    permutations sampled (0 when exact). `bound`: the ± half-width of the
    guarantee in the measure's unit (tolerance·T; 0 when exact). `confidence`:
    the probability that every value is within `bound` at once (1.0 when exact).
    """

    values: dict[int, float]
    exact: bool
    permutations: int
    bound: float
    confidence: float


def permutations_needed(
    players: int, tolerance: float, confidence: float, spreads: Sequence[float] | None = None
) -> int:
    """Permutations so that each of `players` sampled Shapley values is within
    ±tolerance·T of the truth, all at once, with probability `confidence`.

    Player i's marginal contribution lies in [0, r_i], where r_i = min(T, Σ of
    the measures of the sets it belongs to) (v is monotone, and a player can add
    no more than its own sets, nor more than T); `spreads` gives r_i / T per
    player (all 1 when None: the bound for any game). Hoeffding: the mean of n
    of them misses its expectation by tolerance·T or more with probability at
    most 2·exp(-2·n·tolerance² / (r_i/T)²); over the players (union bound) the
    smallest n with

        Σ_i 2·exp(-2·n·tolerance² / spread_i²) <= 1 - confidence.

    With every spread 1 that is n = ceil(ln(2·p / (1 - confidence)) / (2·tolerance²)):
    44,936 for 200 players at ±1 % / 95 %. A player whose own sets are a small
    part of T moves the value little, and needs far fewer orders.
    """
    if players < 1:
        raise ValueError("players must be at least 1")
    _check_accuracy(tolerance, confidence)
    widths = np.ones(players) if spreads is None else np.asarray(spreads, dtype=np.float64)
    if widths.shape != (players,) or not np.all((widths >= 0) & (widths <= 1)):
        raise ValueError("spreads must give one figure in [0, 1] per player")
    widths = widths[widths > 0] ** 2
    widths = np.maximum(widths, np.finfo(np.float64).tiny)  # a spread so small its square underflows adds nothing
    if not len(widths):
        return 1
    miss = 1 - confidence
    worst = float(widths.max())  # squared spreads from here on
    high = max(1, math.ceil(math.log(2 * len(widths) / miss) * worst / (2 * tolerance**2)))

    def enough(n: int) -> bool:
        return float(np.sum(2 * np.exp(-2 * n * tolerance**2 / widths))) <= miss

    low = 1
    while low < high:  # the smallest n that is enough; `high` is (the max-spread bound)
        middle = (low + high) // 2
        if enough(middle):
            high = middle
        else:
            low = middle + 1
    return low


def fair_shares(
    participants: Sequence[int],
    sets: Sequence[JointSet],
    target: float | None,
    *,
    exact_up_to: int = 12,
    tolerance: float = 0.01,
    confidence: float = 0.95,
    seed: int = 20260501,
) -> FairShares:
    """The Shapley value of each participant in v(S) = min(T, Σ m_c over sets with P_c ⊆ S).

    `target` None (or infinite) means no cap. `exact_up_to` counts only the
    players that matter — participants in at least one set of positive
    measure — since the others are null players (value 0, exactly) and the
    game does not depend on them: 12 by default, at most MAX_EXACT_PLAYERS;
    0 forces sampling whenever the cap binds. `tolerance` is relative to T and
    `confidence` is the probability the whole sampled vector is within
    ±tolerance·T (see `permutations_needed`). `seed` makes sampling
    reproducible.

    Efficiency holds on every path, sampling included (each permutation's
    marginals add up to v(all)): the values sum to min(T, total), up to
    floating-point rounding.

    Raises ValueError on a negative or non-finite measure or target, a set
    without partners or with a repeated partner, a partner that is not a
    participant, a repeated participant, or out-of-range settings.
    """
    players_given = list(participants)
    if len(set(players_given)) != len(players_given):
        raise ValueError("participants must be distinct")
    if not 0 <= exact_up_to <= MAX_EXACT_PLAYERS:
        raise ValueError(f"exact_up_to must be between 0 and {MAX_EXACT_PLAYERS}")
    _check_accuracy(tolerance, confidence)
    cap = math.inf if target is None else float(target)
    if math.isnan(cap) or cap < 0:
        raise ValueError("target must be >= 0 (or None for no cap)")

    known = set(players_given)
    groups: dict[tuple[int, ...], float] = {}  # the sets' measures, added up per coalition of partners
    for joint in sets:
        measure = float(joint.measure)
        if not math.isfinite(measure) or measure < 0:
            raise ValueError(
                f"measure must be finite and >= 0 (net corrections into their contribution first): {joint.measure!r}"
            )
        partners = tuple(sorted(joint.partners))
        if not partners:
            raise ValueError("a set needs at least one partner")
        if len(set(partners)) != len(partners):
            raise ValueError(f"repeated partner in a set: {joint.partners!r}")
        if not known.issuperset(partners):
            raise ValueError(f"partners that are not participants: {sorted(set(partners) - known)!r}")
        if measure > 0:
            groups[partners] = groups.get(partners, 0.0) + measure

    values = dict.fromkeys(players_given, 0.0)
    total = math.fsum(groups.values())
    # A total above T by a rounding error only (sums taken in another order) is not a binding cap: what
    # it would change is below 1e-12·T.
    if total <= cap * (1 + 1e-12):
        # The cap never binds: v(S) = Σ_c m_c·[P_c ⊆ S], a sum of unanimity games, each of
        # which gives m_c / |P_c| to each member of P_c (and the Shapley value is additive).
        for partners, measure in groups.items():
            for partner in partners:
                values[partner] += measure / len(partners)
        return FairShares(values=values, exact=True, permutations=0, bound=0.0, confidence=1.0)

    players = sorted({partner for partners in groups for partner in partners})  # sorted: order-free results
    index = {partner: i for i, partner in enumerate(players)}
    keys = sorted(groups)
    coalitions = [tuple(index[p] for p in partners) for partners in keys]
    measures = np.array([groups[k] for k in keys], dtype=np.float64)

    if len(players) <= exact_up_to:
        shapley = _enumerate(len(players), coalitions, measures, cap)
        values.update(zip(players, shapley.tolist(), strict=True))
        return FairShares(values=values, exact=True, permutations=0, bound=0.0, confidence=1.0)

    reach = np.zeros(len(players), dtype=np.float64)  # r_i: the most player i can add to any coalition
    for members, measure in zip(coalitions, measures.tolist(), strict=True):
        reach[list(members)] += measure
    count = permutations_needed(len(players), tolerance, confidence, np.minimum(reach, cap) / cap)
    shapley = _sample(len(players), coalitions, measures, cap, count, np.random.default_rng(seed))
    values.update(zip(players, shapley.tolist(), strict=True))
    return FairShares(values=values, exact=False, permutations=count, bound=tolerance * cap, confidence=confidence)


def _check_accuracy(tolerance: float, confidence: float) -> None:
    if not 0 < tolerance <= 1:
        raise ValueError("tolerance must be in (0, 1]")
    if not 0 < confidence < 1:
        raise ValueError("confidence must be in (0, 1)")


def _enumerate(k: int, coalitions: list[tuple[int, ...]], measures: np.ndarray, cap: float) -> np.ndarray:
    """Exact Shapley values of the k players, over all 2^k coalitions as bitmasks.

    worth[S] = Σ of the measures of the coalitions of partners included in S is
    the subset-sum (zeta) transform of the measures placed at their bitmasks,
    computed one bit at a time in O(k·2^k) whatever the number of sets. Then
    φ_i = Σ_{S ∌ i} |S|!·(k-|S|-1)!/k! · (v(S + {i}) - v(S)).
    """
    size = 1 << k
    worth = np.zeros(size, dtype=np.float64)
    masks = np.array([sum(1 << i for i in members) for members in coalitions], dtype=np.int64)
    np.add.at(worth, masks, measures)
    for bit in range(k):
        halves = worth.reshape(-1, 2, 1 << bit)  # [:, 1, :] are the coalitions with `bit`, [:, 0, :] the same without
        halves[:, 1, :] += halves[:, 0, :]
    game = np.minimum(worth, cap)

    every = np.arange(size, dtype=np.int64)
    sizes = np.zeros(size, dtype=np.int64)
    for bit in range(k):
        sizes += (every >> bit) & 1
    weight = np.array([1 / (k * math.comb(k - 1, s)) for s in range(k)], dtype=np.float64)

    shapley = np.empty(k, dtype=np.float64)
    for i in range(k):
        without = every[((every >> i) & 1) == 0]
        shapley[i] = np.dot(weight[sizes[without]], game[without | (1 << i)] - game[without])
    return shapley


def _sample(
    k: int,
    coalitions: list[tuple[int, ...]],
    measures: np.ndarray,
    cap: float,
    count: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Mean marginal contribution of each of the k players over `count` random orders.

    In an order, a set is complete at the position of the last of its partners
    to arrive; the value reached after position t is min(T, Σ of the measures of
    the sets complete by t), and the player at t gets the difference. Solo sets
    are added per player directly; joint sets through their completion position.
    Permutations are drawn and processed in chunks, so memory stays bounded.
    """
    solo = np.zeros(k, dtype=np.float64)
    joint_members: list[tuple[int, ...]] = []
    joint_measures: list[float] = []
    for members, measure in zip(coalitions, measures.tolist(), strict=True):
        if len(members) == 1:
            solo[members[0]] += measure
        else:
            joint_members.append(members)
            joint_measures.append(measure)
    widest = max((len(m) for m in joint_members), default=1)
    # Padded with the set's first partner: repeating a member does not change the max position.
    members = np.array([m + (m[0],) * (widest - len(m)) for m in joint_members], dtype=np.intp).reshape(-1, widest)
    joint = np.array(joint_measures, dtype=np.float64)
    position_type = np.int16 if k <= np.iinfo(np.int16).max else np.int32

    # Bytes per permutation of the arrays alive at once (orders, positions, gains, running values,
    # and for the joint sets the gathered positions, their completion and flat indexes, and weights).
    per_permutation = k * (8 + 2 + 8 * 3) + len(joint) * (widest * 2 + 2 + 8 * 2)
    chunk = max(1, min(count, CHUNK_BYTES // per_permutation))
    order = np.arange(k, dtype=np.intp)
    ranks = np.arange(k, dtype=position_type)
    totals = np.zeros(k, dtype=np.float64)
    weights = np.tile(joint, chunk)  # the joint sets' measures, once per permutation of a chunk
    offsets = np.arange(chunk, dtype=np.intp)[:, None] * k  # row r's positions start at r·k once flattened

    done = 0
    while done < count:
        rows = min(chunk, count - done)
        orders = rng.permuted(np.broadcast_to(order, (rows, k)), axis=1)  # orders[r, t]: the player at t
        gains = solo[orders]  # the solo sets complete where their partner arrives
        if len(joint):
            positions = np.empty((rows, k), dtype=position_type)
            np.put_along_axis(positions, orders, ranks, axis=1)  # positions[r, i]: where player i arrives
            complete = positions[:, members].max(axis=2)  # (rows, joint sets)
            flat = complete + offsets[:rows]
            gains += np.bincount(flat.ravel(), weights=weights[: flat.size], minlength=rows * k).reshape(rows, k)
        reached = np.minimum(np.cumsum(gains, axis=1), cap)
        marginals = np.diff(reached, axis=1, prepend=0.0)
        totals += np.bincount(orders.ravel(), weights=marginals.ravel(), minlength=k)
        done += rows
    return totals / count

"""The fair-share engine (issue #9, "Fair share of mission success"): exact
numbers on a hand-checked game, the Shapley axioms as properties, and the
sampled values against the exact ones within the bound they state.

Pure numpy: no database (the autouse fixture of tests/conftest.py only resets
the schema name, the cache prefix and the language, none of which opens a
connection).
"""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecosystem.value.shapley import MAX_EXACT_PLAYERS, FairShares, JointSet, fair_shares, permutations_needed

A, B, C = 11, 22, 33


def worth(sets: list[JointSet], coalition: set[int], target: float | None) -> float:
    """v(S) as the issue defines it, written plainly."""
    total = sum(s.measure for s in sets if set(s.partners) <= coalition)
    return total if target is None else min(target, total)


def shapley_by_orders(players: list[int], sets: list[JointSet], target: float | None) -> dict[int, float]:
    """The definition itself: the mean marginal contribution over all n! orders (small n only)."""
    values = dict.fromkeys(players, 0.0)
    orders = list(itertools.permutations(players))
    for order in orders:
        before: set[int] = set()
        for player in order:
            values[player] += worth(sets, before | {player}, target) - worth(sets, before, target)
            before.add(player)
    return {p: v / len(orders) for p, v in values.items()}


# --- a hand-checked game ---------------------------------------------------------


def test_three_partners_with_a_binding_target():
    # A alone 6, B alone 3, A and B jointly 4, C alone 2; target 10 (the total, 15, overshoots it).
    # v: {}=0, A=6, B=3, C=2, AB=min(10, 6+3+4)=10, AC=8, BC=5, ABC=min(10, 15)=10.
    # Marginals (A, B, C) in the six orders:
    #   A B C: 6, 4, 0     A C B: 6, 2, 2     B A C: 7, 3, 0
    #   B C A: 5, 3, 2     C A B: 6, 2, 2     C B A: 5, 3, 2
    # Sums: A 35, B 17, C 8 -> A 35/6, B 17/6, C 8/6 (total 60/6 = 10 = v(ABC)).
    # The linear shares would be A 6 + 4/2 = 8, B 3 + 4/2 = 5, C 2: the cap takes 5 off, mostly from A and B.
    sets = [
        JointSet(partners=(A,), measure=6),
        JointSet(partners=(B,), measure=3),
        JointSet(partners=(A, B), measure=4),
        JointSet(partners=(C,), measure=2),
    ]

    result = fair_shares([A, B, C], sets, 10)

    assert result.exact is True
    assert result.permutations == 0
    assert result.bound == 0
    assert result.confidence == 1.0
    assert result.values == pytest.approx({A: 35 / 6, B: 17 / 6, C: 8 / 6}, abs=1e-12)


def test_the_same_game_sampled_stays_within_its_bound():
    sets = [
        JointSet(partners=(A,), measure=6),
        JointSet(partners=(B,), measure=3),
        JointSet(partners=(A, B), measure=4),
        JointSet(partners=(C,), measure=2),
    ]

    result = fair_shares([A, B, C], sets, 10, exact_up_to=0)

    assert result.exact is False
    # A can add up to 10 (6 + 4: the whole target), B up to 7, C up to 2: spreads 1, 0.7, 0.2 of T.
    # The smallest n with 2·e^(-2n·0.01²) + 2·e^(-2n·0.01²/0.49) + 2·e^(-2n·0.01²/0.04) <= 0.05 is 18,549
    # (ceil(ln(2 · 3 / 0.05) / (2 · 0.01²)) = 23,938 with every spread taken as 1).
    assert result.permutations == permutations_needed(3, 0.01, 0.95, [1.0, 0.7, 0.2]) == 18_549
    assert result.bound == pytest.approx(0.1)
    assert result.confidence == 0.95
    for partner, expected in {A: 35 / 6, B: 17 / 6, C: 8 / 6}.items():
        assert abs(result.values[partner] - expected) <= result.bound
    assert sum(result.values.values()) == pytest.approx(10, abs=1e-9)


def test_no_target_splits_each_set_equally():
    sets = [JointSet(partners=(A,), measure=6), JointSet(partners=(A, B, C), measure=9)]

    result = fair_shares([A, B, C, 44], sets, None)

    assert result == FairShares(values={A: 9.0, B: 3.0, C: 3.0, 44: 0.0}, exact=True, permutations=0, bound=0.0,
                                confidence=1.0)  # fmt: skip


def test_a_target_never_reached_is_the_same_as_none():
    sets = [JointSet(partners=(A,), measure=6), JointSet(partners=(A, B, C), measure=9)]

    assert fair_shares([A, B, C], sets, 15) == fair_shares([A, B, C], sets, None)


def test_a_target_of_zero_gives_nothing_to_anyone():
    result = fair_shares([A, B], [JointSet(partners=(A, B), measure=5)], 0)

    assert result.values == {A: 0.0, B: 0.0}
    assert result.exact is True


def test_only_the_players_that_matter_are_enumerated():
    # 30 participants, 4 with contributions (one of them with a zero measure only): exact, not sampled.
    participants = list(range(1, 31))
    sets = [
        JointSet(partners=(1,), measure=5),
        JointSet(partners=(2, 3), measure=5),
        JointSet(partners=(4,), measure=0),
    ]

    result = fair_shares(participants, sets, 6)

    assert result.exact is True
    assert result.values == pytest.approx(shapley_by_orders([1, 2, 3], sets, 6) | dict.fromkeys(range(4, 31), 0.0))


def test_sampling_is_reproducible_and_ignores_the_order_of_its_input():
    sets = [JointSet(partners=(p, (p * 7) % 15 + 1), measure=float(p)) for p in range(1, 16) if (p * 7) % 15 + 1 != p]
    sets += [JointSet(partners=(p,), measure=3.0) for p in range(1, 16)]
    participants = list(range(1, 16))

    first = fair_shares(participants, sets, 40)
    again = fair_shares(list(reversed(participants)), list(reversed(sets)), 40)
    other_seed = fair_shares(participants, sets, 40, seed=1)

    assert first.exact is False
    assert first.values == again.values
    assert first.values != other_seed.values
    for partner in participants:
        assert abs(first.values[partner] - other_seed.values[partner]) <= 2 * first.bound


# --- the sample size -----------------------------------------------------------------------------


def test_sample_size_for_200_players_at_one_percent_and_95_percent():
    # ceil(ln(2 · 200 / 0.05) / (2 · 0.01²)) = ceil(8.98720 / 0.0002) = ceil(44,936.0) (44,935.98 before rounding up).
    assert permutations_needed(200, 0.01, 0.95) == 44_936


def test_a_200_participant_mission_samples_that_many_permutations_when_each_could_reach_the_target():
    participants = list(range(200))
    sets = [JointSet(partners=(p, (p + 1) % 200), measure=100.0) for p in participants]

    result = fair_shares(participants, sets, 100)

    assert (result.exact, result.permutations, result.bound, result.confidence) == (False, 44_936, 1.0, 0.95)
    assert sum(result.values.values()) == pytest.approx(100)


def test_players_whose_own_sets_are_small_next_to_the_target_need_fewer_permutations():
    participants = list(range(200))
    sets = [JointSet(partners=(p, (p + 1) % 200), measure=1.0) for p in participants]

    result = fair_shares(participants, sets, 100)

    # Each player belongs to two sets of 1: it never adds more than 2, 2 % of T.
    assert result.permutations == permutations_needed(200, 0.01, 0.95, [0.02] * 200) == math.ceil(44_935.98 * 0.02**2)
    assert result.permutations == 18
    assert sum(result.values.values()) == pytest.approx(100)
    # Symmetric players: 0.5 each, within the bound of 1.
    assert all(abs(v - 0.5) <= result.bound for v in result.values.values())


def test_spreads_are_checked():
    with pytest.raises(ValueError, match="one figure in"):
        permutations_needed(2, 0.01, 0.95, [1.0])
    with pytest.raises(ValueError, match="one figure in"):
        permutations_needed(2, 0.01, 0.95, [1.0, 1.5])
    assert permutations_needed(2, 0.01, 0.95, [0.0, 0.0]) == 1


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("participants", "sets", "target", "message"),
    [
        ([A, B], [JointSet(partners=(A,), measure=-1)], 10, "measure must be finite and >= 0"),
        ([A, B], [JointSet(partners=(A,), measure=math.nan)], 10, "measure must be finite and >= 0"),
        ([A, B], [JointSet(partners=(A, C), measure=1)], 10, "partners that are not participants: [33]"),
        ([A, B], [JointSet(partners=(A, A), measure=1)], 10, "repeated partner in a set"),
        ([A, B], [JointSet(partners=(), measure=1)], 10, "a set needs at least one partner"),
        ([A, A], [JointSet(partners=(A,), measure=1)], 10, "participants must be distinct"),
        ([A, B], [JointSet(partners=(A,), measure=1)], -1, "target must be >= 0"),
    ],
)
def test_bad_input_is_refused(participants, sets, target, message):
    with pytest.raises(ValueError, match="^" + message.replace("[", r"\[").replace("]", r"\]")):
        fair_shares(participants, sets, target)


def test_bad_settings_are_refused():
    sets = [JointSet(partners=(A,), measure=1)]
    with pytest.raises(ValueError, match="exact_up_to must be between 0 and 20"):
        fair_shares([A], sets, 1, exact_up_to=MAX_EXACT_PLAYERS + 1)
    with pytest.raises(ValueError, match=r"tolerance must be in \(0, 1\]"):
        fair_shares([A], sets, 1, tolerance=0)
    with pytest.raises(ValueError, match=r"confidence must be in \(0, 1\)"):
        fair_shares([A], sets, 1, confidence=1)


# --- properties ----------------------------------------------------------------------------------

measures = st.floats(min_value=0, max_value=1000, allow_nan=False, allow_infinity=False)


@st.composite
def games(draw, min_players: int = 2, max_players: int = 6, binding: bool | None = None):
    """(participants, sets, target): random joint and solo sets over partner ids 1..n; the target
    binding (a fraction of the total), not binding (None or above the total), or either."""
    count = draw(st.integers(min_players, max_players))
    participants = list(range(1, count + 1))
    coalitions = st.lists(st.sampled_from(participants), min_size=1, max_size=min(4, count), unique=True)
    sets = draw(st.lists(st.builds(JointSet, partners=coalitions.map(tuple), measure=measures), max_size=12))
    total = sum(s.measure for s in sets)
    bind = draw(st.booleans()) if binding is None else binding
    if bind:
        target = total * draw(st.floats(min_value=0.05, max_value=0.95))
    else:
        target = draw(st.one_of(st.none(), st.just(total), st.floats(min_value=total, max_value=total * 2 + 1)))
    return participants, sets, target


def close(a: float, b: float, scale: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9 * max(scale, 1.0))


@given(games(max_players=6))
@settings(max_examples=150, deadline=None)
def test_exact_values_are_the_mean_marginal_over_all_orders(game):
    participants, sets, target = game
    expected = shapley_by_orders(participants, sets, target)

    result = fair_shares(participants, sets, target)

    assert result.exact is True
    scale = sum(s.measure for s in sets)
    assert all(close(result.values[p], expected[p], scale) for p in participants), (result.values, expected)


@given(games(max_players=10), st.booleans())
@settings(max_examples=100, deadline=None)
def test_efficiency_the_values_sum_to_the_grand_coalition(game, sampled):
    participants, sets, target = game

    result = fair_shares(participants, sets, target, exact_up_to=0 if sampled else 12)

    scale = sum(s.measure for s in sets)
    assert close(sum(result.values.values()), worth(sets, set(participants), target), scale)
    assert set(result.values) == set(participants)


@given(games(min_players=1, max_players=6), st.lists(st.tuples(st.booleans(), measures), max_size=4))
@settings(max_examples=150, deadline=None)
def test_symmetry_partners_in_identical_roles_get_equal_values(game, shared):
    # Two newcomers x and y: every set of x has a twin with y in x's place, and sets with both
    # x and y in (alone, or with partner 1) are added: swapping x and y leaves the game unchanged.
    participants, sets, target = game
    x, y = 101, 102
    mirrored = []
    for s in sets:
        if 1 in s.partners:  # partner 1 is replaced by x, and a twin by y
            mirrored.append(JointSet(partners=tuple(x if p == 1 else p for p in s.partners), measure=s.measure))
            mirrored.append(JointSet(partners=tuple(y if p == 1 else p for p in s.partners), measure=s.measure))
        else:
            mirrored.append(s)
    mirrored += [JointSet(partners=(x, y, 1) if with_one else (x, y), measure=m) for with_one, m in shared]
    players = [*participants, x, y]
    scale = sum(s.measure for s in mirrored)
    if target is not None:
        target = min(target, scale)

    result = fair_shares(players, mirrored, target)

    assert close(result.values[x], result.values[y], scale)


@given(games(max_players=8), st.booleans())
@settings(max_examples=100, deadline=None)
def test_a_partner_without_contribution_gets_zero(game, sampled):
    participants, sets, target = game
    idle, idle_with_nothing = 901, 902
    sets = [*sets, JointSet(partners=(idle_with_nothing,), measure=0.0)]

    result = fair_shares([*participants, idle, idle_with_nothing], sets, target, exact_up_to=0 if sampled else 12)

    assert result.values[idle] == 0.0
    assert result.values[idle_with_nothing] == 0.0


@given(st.lists(st.tuples(st.integers(1, 15), measures), max_size=30), st.booleans())
@settings(max_examples=100, deadline=None)
def test_no_binding_target_and_solo_sets_only_gives_the_linear_share(solo, capped):
    participants = list(range(1, 16))
    sets = [JointSet(partners=(p,), measure=m) for p, m in solo]
    linear = {p: math.fsum(m for q, m in solo if q == p) for p in participants}
    target = math.fsum(linear.values()) if capped else None  # exactly reached: never binding

    result = fair_shares(participants, sets, target)

    assert result.exact is True
    assert all(close(result.values[p], linear[p], 1.0) for p in participants)


@given(games(max_players=15, binding=False))
@settings(max_examples=100, deadline=None)
def test_no_binding_target_splits_each_joint_set_equally(game):
    participants, sets, target = game
    split = dict.fromkeys(participants, 0.0)
    for s in sets:
        for p in s.partners:
            split[p] += s.measure / len(s.partners)

    result = fair_shares(participants, sets, target)

    assert result.exact is True
    scale = sum(s.measure for s in sets)
    assert all(close(result.values[p], split[p], scale) for p in participants)


@given(games(min_players=8, max_players=12, binding=True))
@settings(max_examples=20, deadline=None)
def test_sampling_agrees_with_exact_within_the_bound(game):
    participants, sets, target = game

    exact = fair_shares(participants, sets, target)
    sampled = fair_shares(participants, sets, target, exact_up_to=0)

    if sampled.exact:  # every measure was 0, so the total (0) never passes the target: nothing to sample
        assert exact.values == sampled.values
        return
    assert exact.exact is True
    assert sampled.bound == pytest.approx(0.01 * target)
    players = sorted({p for s in sets if s.measure > 0 for p in s.partners})
    reach = {p: sum(s.measure for s in sets if p in s.partners) for p in players}
    spreads = [min(reach[p], target) / target for p in players]
    assert sampled.permutations == permutations_needed(len(players), 0.01, 0.95, spreads)
    assert all(abs(sampled.values[p] - exact.values[p]) <= sampled.bound for p in participants)

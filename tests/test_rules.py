"""The one comparison convention (verify/rules.py) and the experiment machinery (sizes, memo, devices)."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pytest
from theorycheck.verify import devices_used, run_cache, sizes_for

from theorycheck import PROFILES, Sizes, experiment, rules, scaled


def test_value_rule_fields_in_the_quantitys_units():
    c = rules.value(2.0, 2.01, parts={"z*SE": 0.015, "finite-size": 0.005})
    assert c.rule == "value" and c.gap == pytest.approx(0.01) and c.tolerance == pytest.approx(0.02)
    assert c.score == pytest.approx(0.5) and c.resolution == pytest.approx(0.01) and c.verdict == "pass"
    assert dict(c.parts) == {"z*SE": 0.015, "finite-size": 0.005}


@pytest.mark.parametrize("factor", [1.05, 0.95])
def test_a_five_percent_error_fails_a_check_that_resolves_one_percent(factor):
    measured = np.array([1.0, 2.0, 3.0])
    ok = rules.value(measured, measured + 1e-3, parts={"z*SE": rules.float_part(measured, 0.01)})
    bad = rules.value(factor * measured, measured, parts={"z*SE": rules.float_part(measured, 0.01)})
    assert ok.verdict == "pass" and bad.verdict == "fail" and bad.score > 1


def test_value_rule_rejects_mismatched_shapes_and_missing_parts():
    with pytest.raises(ValueError, match="shape"):
        rules.value([1.0, 2.0], [1.0], parts={"float": 1e-9})
    with pytest.raises(ValueError, match="named part"):
        rules.value(1.0, 1.0, parts={})


def test_float_part_is_relative_to_the_measurement_never_the_prediction():
    assert rules.float_part([3.0, 4.0], 1e-10) == pytest.approx(5e-10)


def test_componentwise_reports_the_worst_component_in_its_units():
    c = rules.componentwise([1.0, 10.0], [1.01, 10.3], parts={"z*SE": [0.02, 0.2]})
    assert c.gap == pytest.approx(0.3) and c.tolerance == pytest.approx(0.2) and c.score == pytest.approx(1.5)
    assert c.verdict == "fail" and c.diagnostics["components"]["score"] == pytest.approx([0.5, 1.5])
    assert c.resolution == pytest.approx(0.02)  # the smallest uniform relative error some component detects


@pytest.mark.parametrize("rule", ["value", "componentwise"])
def test_a_nan_never_passes(rule):
    fn = getattr(rules, rule)
    for meas, tol in ((float("nan"), 0.1), (1.0, float("nan")), (float("inf"), 0.1)):
        c = fn([1.0], [meas], parts={"z*SE": tol})
        assert c.verdict == "fail", (meas, tol, c)


def test_trend_rule_directional_claims_must_clear_the_noise_band():
    up = rules.trend(+1, effect=0.5, se=0.05)  # t = 10
    assert up.verdict == "pass" and up.gap == pytest.approx(rules.Z * 0.05) and up.tolerance == pytest.approx(0.5)
    assert up.score == pytest.approx(rules.Z * 0.05 / 0.5) and up.resolution is None
    assert rules.trend(-1, effect=0.5, se=0.05).verdict == "fail"  # reversed claim
    assert rules.trend(+1, effect=0.1, se=0.05).verdict == "fail"  # t = 2: not demonstrated
    assert rules.trend(+1, effect=0.0, se=0.0).verdict == "fail"  # no effect at all
    assert rules.trend(0, effect=0.5, se=0.05).verdict == "fail"  # claimed absence, clear effect
    assert rules.trend(0, effect=0.1, se=0.05).verdict == "pass"


@pytest.mark.parametrize("claim", [1, -1, 0])
@pytest.mark.parametrize("effect,se", [(float("nan"), 0.1), (0.5, float("nan")), (float("inf"), 0.1)])
def test_a_trend_with_a_non_finite_statistic_fails_whatever_its_claim(claim, effect, se):
    c = rules.trend(claim, effect, se)
    assert c.verdict == "fail" and "non-finite" in c.reason


def test_trend_threshold_conditions_fail_the_comparison():
    c = rules.trend(-1, effect=-1.0, se=0.01, requires={"T = 50 recovers every direction": False, "other": True})
    assert c.verdict == "fail" and "T = 50 recovers every direction" in c.reason and "stated condition failed" in c.reason


def test_bound_rule_is_one_sided():
    assert rules.bound(-0.5, -1.0, parts={"z*SE": 0.05}).verdict == "pass"  # well below an upper bound
    c = rules.bound(-0.5, -0.3, parts={"z*SE": 0.05})
    assert c.gap == pytest.approx(0.2) and c.verdict == "fail"
    assert rules.bound(2.0, 1.0, parts={"z*SE": 0.5}, side="lower").verdict == "fail"


def test_regimes_override_the_numbers():
    c = rules.value(1.0, 1.0, parts={"float": 1e-9}).outside_regime("assumption-violated", "diverged")
    assert c.verdict == "assumption-violated" and c.reason == "diverged"
    assert rules.inconclusive("budget").verdict == "inconclusive"
    assert rules.value(1.0, 1.0, parts={"float": 1e-9}).outside_regime(None) .verdict == "pass"
    with pytest.raises(ValueError):
        rules.value(1.0, 1.0, parts={"float": 1e-9}).outside_regime("maybe")


@dataclass(frozen=True)
class _Sizes(Sizes):
    steps: int = scaled(1000, min=300)  # scaled by the profile
    width: int = 64  # fixed
    by_profile = {"thorough": {"width": 256}}


def test_sizes_follow_the_profile_in_one_way():
    assert sizes_for(_Sizes, PROFILES["ci"]) == _Sizes(steps=500, width=64)
    assert sizes_for(_Sizes, PROFILES["quick"]) == _Sizes(steps=1000, width=64)
    assert sizes_for(_Sizes, PROFILES["thorough"]) == _Sizes(steps=4000, width=256)
    assert sizes_for(_Sizes, PROFILES["ci"], steps=7).steps == 7
    tiny = type("P", (), {"scale": 0.01, "name": "tiny"})()
    assert sizes_for(_Sizes, tiny).steps == 300  # never below its minimum


def test_experiments_are_memoised_per_run_and_record_their_device():
    calls = []

    @experiment
    def train(lam, sizes: _Sizes = _Sizes(), *, seed: int, device: str = "cpu"):
        calls.append((tuple(lam), seed))
        return float(np.sum(lam)) + seed

    @experiment(cpu_only="a NumPy computation")
    def simulate(n: int, *, seed: int):
        return np.random.default_rng(seed).normal(size=n).sum()

    with run_cache() as cache, devices_used() as seen:
        assert train([1.0, 2.0], seed=3) == train(np.array([1.0, 2.0]), seed=3, device="cpu") == 6.0
        train([1.0, 2.0], seed=4)
        simulate(5, seed=0)
    assert calls == [((1.0, 2.0), 3), ((1.0, 2.0), 4)] and len(cache) == 3 and seen == {"cpu"}
    train([1.0, 2.0], seed=3)  # outside a run: no cache
    assert len(calls) == 3


def test_an_experiment_must_take_the_device_or_say_why_not():
    with pytest.raises(TypeError, match="cpu_only"):
        @experiment
        def no_device(n: int, *, seed: int):
            return n


def test_comparison_is_frozen_and_verdict_is_derived():
    c = rules.value(1.0, 1.2, parts={"z*SE": 0.1})
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.gap = 0.0  # type: ignore[misc]
    assert c.verdict == "fail" and math.isclose(c.score, 2.0)

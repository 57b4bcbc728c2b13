"""Every check of the catalogue passes honestly, and fails when its prediction is multiplied by 1.05.

The same checks, strategies and experiments as `theorycheck verify` (profile `ci` by default,
`pytest --profile quick` for the CLI's). Trained ensembles are shared through one session cache, so
the perturbed runs re-use the unperturbed runs' training.
"""

from __future__ import annotations

import pytest

import verify

CHECKS = verify.all_checks()
TARGETS = [(c, t) for c in CHECKS for t in c.targets]


@pytest.mark.slow
@pytest.mark.parametrize("check", CHECKS, ids=[c.name for c in CHECKS])
def test_check_passes(check, check_profile, check_cache):
    v = verify.run_check(check, profile=check_profile, seed=0, device="cpu", cache=check_cache)
    detail = [(r.verdict, r.params, r.error[:300] if r.error else None,
               r.measurement and (r.measurement.gap, r.measurement.tolerance, r.measurement.regime_reason))
              for r in v.examples]
    assert v.verdict == "pass", detail
    if check.kind == "trend":  # a direction, not a value: resolution is the perturbation test's business
        return
    resolvable = 0
    for r in v.examples:
        m = r.measurement
        assert m is not None and m.gap <= m.tolerance
        if m.scale == 0:  # a prediction of exactly 0 (e.g. best rank 0): no multiplicative error to resolve
            continue
        resolvable += 1
        assert m.resolution < check.resolution_target, (
            f"resolution {m.resolution:.3f} cannot detect a {check.resolution_target:.0%} error at {r.params}")
    assert resolvable > 0


@pytest.mark.slow
@pytest.mark.parametrize("check,target", TARGETS, ids=[f"{c.name}<-{t}" for c, t in TARGETS])
def test_check_fails_under_perturbation(check, target, check_profile, check_cache):
    rid, q = target.split(":")
    if check.kind == "trend":  # reverse the claimed direction, then remove it: both must fail
        factors = (-1.0, 0.0)
    else:
        factors = (1.05 if check.resolution_target <= 0.05 else 1 + 2 * check.resolution_target,)
    for f in factors:
        p = verify.Perturbation(rid, q, f)
        v = verify.run_check(check, profile=check_profile, seed=0, device="cpu", cache=check_cache, perturb=p,
                             shrink=False)
        assert v.verdict == "fail", (f, [(r.verdict, r.params, r.measurement and r.measurement.gap) for r in v.examples])
        assert v.shrunk is not None and v.shrunk.measurement is not None
        assert not any(r.error for r in v.examples), [r.error for r in v.examples if r.error]


def test_shrinking_reports_the_simplest_failure_without_flakiness(check_cache):
    """With shrinking on (as in the CLI), the perturbed identity shrinks to d = 1, N = 1, and replays cleanly."""
    check = next(c for c in CHECKS if c.name == "icl.identity.ahn_q11_is_minus_zfb_A")
    v = verify.run_check(check, profile="ci", seed=0, perturb=verify.Perturbation("zhang2024.lsa_limit", "A", 1.05))
    assert v.verdict == "fail" and not any(r.error for r in v.examples)
    assert v.shrunk.params["N"] == 1 and len(v.shrunk.params["lam"]) == 1


def test_every_quantity_of_the_family_has_a_check():
    """...and a check that resolves 5 %: multiplying any formula by 1.05 makes some check fail."""
    import theory

    covered = {t for c in CHECKS for t in c.targets if c.resolution_target <= 0.05 and c.kind != "trend"}
    trends = {t for c in CHECKS for t in c.targets if c.kind == "trend"}
    for r in theory.all_results():
        for name, q in r.quantities.items():
            if q.kind == "sign":  # a claimed direction: covered by a trend check that fails when it is reversed
                assert f"{r.id}:{name}" in trends, f"{r.id}:{name} has no trend check"
            elif f"{r.id}:{name}" not in covered:
                # an equivalence the CPU sizes resolve only coarsely must still have a check (declared target)
                assert any(t == f"{r.id}:{name}" for c in CHECKS for t in c.targets), f"{r.id}:{name} has no check"
                # Demir-Dogan's MLP/surrogate ratio (finite-d gap 4-8 %) and Ba et al.'s step alignment (+3 % at
                # d = 256): both declare a coarser target in their checks, with the measured reason
                # Tao et al.'s O(T^-1/2) rate is an upper bound, not tight on the test problem (slope ~ -1): its
                # one-sided check can only reject a claimed exponent below the measured one
                assert f"{r.id}:{name}" in ("demir2025.mlp_icl:error_ratio", "ba2022.one_step:step_alignment",
                                            "tao2025.adagrad_pp:rate_exponent"), (
                    f"{r.id}:{name} has no 5 % check")


def test_perturbation_parsing():
    p = verify.Perturbation.parse("zhang2024.lsa_limit:risk=1.05")
    assert (p.result, p.quantity, p.factor) == ("zhang2024.lsa_limit", "risk", 1.05)
    import theory

    for bad in ("nonsense", "zhang2024.lsa_limit:nope=1.05", "x.y:risk=1", "zhang2024.lsa_limit:risk=abc"):
        with pytest.raises(theory.InvalidParameterError):
            verify.Perturbation.parse(bad)


def test_training_failure_becomes_a_verdict_not_a_crash():
    """An experiment that blows up is a `fail` with its diagnostics, never an exception out of the runner."""
    from hypothesis import strategies as st

    def boom(params, seed, ctx):
        raise FloatingPointError("loss became NaN at step 3")

    c = verify.Check("test.boom", "zhang2024.lsa_limit", "risk", "value", "always crashes", "n/a",
                     lambda prof: st.just({"N": 5}), boom)
    v = verify.run_check(c, profile="ci", seed=0, shrink=False)
    assert v.verdict == "fail"
    assert "NaN" in v.examples[0].error


def test_regime_violation_is_assumption_violated():
    from hypothesis import strategies as st

    def diverged(params, seed, ctx):
        return verify.Measurement(1.0, float("nan"), float("nan"), 0.1, regime="assumption-violated",
                                  regime_reason="2 member(s) diverged")

    c = verify.Check("test.diverged", "zhang2024.lsa_limit", "risk", "value", "diverges", "n/a",
                     lambda prof: st.just({"N": 5}), diverged)
    v = verify.run_check(c, profile="ci", seed=0)
    assert v.verdict == "assumption-violated"
    assert v.to_dict()["examples"][0]["regime_reason"] == "2 member(s) diverged"


@pytest.mark.slow
def test_diverging_training_is_assumption_violated_end_to_end(monkeypatch):
    """The real trained_A check with a step size far above stability: a verdict with diagnostics, not a crash."""
    from dataclasses import replace

    from verify import _icl_experiments as X

    monkeypatch.setattr(X, "TRAIN", replace(X.TRAIN, lr=50.0, optimizer="sgd", steps=40))
    check = next(c for c in CHECKS if c.name == "icl.zhang.trained_A")
    v = verify.run_check(check, profile="ci", seed=0, device="cpu", cache={}, shrink=False)
    assert v.verdict == "assumption-violated"
    reasons = [r.measurement.regime_reason for r in v.examples if r.measurement]
    assert reasons and all("diverged" in why for why in reasons)
    assert v.to_dict()["examples"][0]["diagnostics"]["fit"]["diverged"] >= 1

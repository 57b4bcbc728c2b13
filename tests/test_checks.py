"""Every check of the catalogue passes honestly, and fails when its prediction is perturbed.

The same checks, strategies and experiments as `theorycheck verify` (profile `ci` by default, `pytest
--tc-profile quick` for the CLI's), through the contract suite plugin authors run on theirs. Experiments are
shared through one session cache, so the perturbed runs reuse the unperturbed runs' training.
"""

from __future__ import annotations

import pytest

import theorycheck as tc
from theorycheck import rules
from theorycheck.testing import contract_cases

CHECKS = tc.all_checks()
CASES = contract_cases(checks=CHECKS)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=str)
def test_check_contract(case, tc_run):
    """Each check passes and resolves its target; perturbed by +-5 % (+-2x a declared coarser target), or with its
    claim reversed or removed, it fails by a comparison, never by a crash (theorycheck.testing.contract_cases)."""
    v = case(**tc_run)
    if str(case).endswith(":passes"):
        assert v.devices in ((), ("cpu",)) or tc_run["device"] != "cpu", v.devices


def test_the_contract_covers_every_check_and_both_directions():
    names = {str(c) for c in CASES}
    for c in CHECKS:
        assert f"{c.id}:passes" in names
        for t in c.targets:
            if c.rule == "bound":
                assert f"{c.id}:fails_when_tightened_{t}" in names
                continue
            factors = (-1, 0) if c.rule == "trend" else (1.05, 0.95) if c.resolution_target <= 0.05 else None
            for f in factors or ():
                assert f"{c.id}:fails_under_{t}x{f:g}" in names


def _one_per_topic():
    """The first check with experiments of every topic module, and every trend check (where a NaN used to pass)."""
    from theorycheck.verify import _catalogue

    by_module = {}
    for mod in _catalogue.topic_modules():
        mine = [c for c in _catalogue.checks_in(mod) if c.cost != "cheap"]
        by_module.update({c.id: c for c in mine[:1] + [c for c in mine if c.rule == "trend"]})
    return list(by_module.values())


DIVERGING = _one_per_topic()


@pytest.mark.slow
@pytest.mark.parametrize("check", DIVERGING, ids=[c.id for c in DIVERGING])
def test_a_divergence_never_passes(check, tc_run):
    """Every experiment's result turned to NaN at once (theorycheck.testing.diverged): no check may pass, in every
    topic and for every trend. (The experiments come from the session's cache: this costs the comparisons only.)"""
    from theorycheck.testing import diverged

    with diverged():
        v = tc.run_check(check, profile=tc_run["profile"], seed=tc_run["seed"], device=tc_run["device"],
                         cache=tc_run["cache"], shrink=False)
    assert v.verdict != "pass", [(r.verdict, r.params) for r in v.examples]


def test_shrinking_reports_the_simplest_failure_without_flakiness():
    """With shrinking on (as in the CLI), the perturbed identity shrinks to d = 1, N = 1, and replays cleanly."""
    check = tc.verify.get_check("ahn2023.pgd_optimum/q11_is_minus_zhang_A")
    v = tc.run_check(check, profile="ci", seed=0, perturb=tc.Perturbation("zhang2024.lsa_limit", "A", 1.05))
    assert v.verdict == "fail" and not any(r.error for r in v.examples)
    assert v.shrunk.params["N"] == 1 and len(v.shrunk.params["lam"]) == 1


def test_every_quantity_has_a_check_that_resolves_its_target():
    """Multiplying any formula by 1.05 makes some check fail: every quantity has a check at the 5 % target, or
    checks that declare a coarser target together with its measured reason (declared on the check, not here)."""
    for r in tc.all_results():
        for name, q in r.quantities.items():
            target = f"{r.id}:{name}"
            checks = [c for c in CHECKS if target in c.targets]
            assert checks, f"{target} has no check"
            if q.kind == "sign":  # a claimed direction: a trend check that fails when it is reversed or removed
                assert any(c.rule == "trend" for c in checks), f"{target} has no trend check"
            else:
                assert any(c.resolution_target <= 0.05 for c in checks) or all(c.target_reason for c in checks), (
                    f"{target} has no 5 % check and no declared reason")


def test_check_ids_begin_with_their_result_and_are_unique():
    ids = [c.id for c in CHECKS]
    assert len(set(ids)) == len(ids)
    for c in CHECKS:
        assert c.id.startswith(c.result + "/") and c.description and c.method


def test_perturbation_parsing():
    p = tc.Perturbation.parse("zhang2024.lsa_limit:risk=1.05")
    assert (p.result, p.quantity, p.factor) == ("zhang2024.lsa_limit", "risk", 1.05)
    for bad in ("nonsense", "zhang2024.lsa_limit:nope=1.05", "x.y:risk=1", "zhang2024.lsa_limit:risk=abc",
                "zhang2024.lsa_limit:risk=inf"):
        with pytest.raises(tc.TheorycheckError):
            tc.Perturbation.parse(bad)


def _adhoc(run, rule="value", quantity="risk"):
    from hypothesis import strategies as st

    return tc.check(result="zhang2024.lsa_limit", quantity=quantity, name="adhoc", rule=rule,
                    strategy=st.just({"N": 5}), method="n/a", description="an ad-hoc check for the runner's tests")(run)


def test_training_failure_becomes_a_verdict_not_a_crash():
    """An experiment that blows up is a `fail` with its diagnostics, never an exception out of the runner."""
    def boom(params, ctx):
        raise FloatingPointError("loss became NaN at step 3")

    v = tc.run_check(_adhoc(boom), profile="ci", seed=0, shrink=False)
    assert v.verdict == "fail" and "NaN" in v.examples[0].error


def test_regime_violation_is_assumption_violated():
    def diverged(params, ctx):
        return rules.value(1.0, float("nan"), parts={"z*SE": 0.1}).outside_regime(
            "assumption-violated", "2 member(s) diverged")

    v = tc.run_check(_adhoc(diverged), profile="ci", seed=0)
    assert v.verdict == "assumption-violated"
    assert v.to_dict()["examples"][0]["reason"] == "2 member(s) diverged"


def test_a_run_returning_another_rule_is_a_bug_reported_as_fail():
    v = tc.run_check(_adhoc(lambda p, ctx: rules.bound(1.0, 0.5, parts={"z*SE": 0.1})), profile="ci", seed=0,
                     shrink=False)
    assert v.verdict == "fail" and "declares rule 'value'" in v.examples[0].error


def test_a_check_sees_its_prediction_perturbed_and_only_through_ctx():
    seen = []

    def run(p, ctx):
        seen.append(float(ctx.predict(N=5, lam=[1.0])))
        with pytest.raises(tc.UsageError, match="also="):
            ctx.predict_also("ahn2023.pgd_optimum:Q11", N=5, lam=[1.0])
        return rules.value(seen[-1], seen[-1], parts={"float": 0.0})

    c = _adhoc(run)
    tc.run_check(c, profile="ci", seed=0, perturb=tc.Perturbation("zhang2024.lsa_limit", "risk", 2.0), shrink=False)
    assert seen[0] == pytest.approx(2 * float(tc.get("zhang2024.lsa_limit").evaluate("risk", N=5, lam=[1.0])))


@pytest.mark.slow
def test_diverging_training_is_assumption_violated_end_to_end(monkeypatch):
    """The real trained_A check with a step size far above stability: a verdict with diagnostics, not a crash."""
    from theorycheck.verify.checks import linear_attention as la

    bad = la.LSATraining(train=la.LSATraining.train.replace(lr=50.0, optimizer="sgd", steps=40))
    monkeypatch.setattr(la, "LSATraining", lambda *a, **k: bad)
    monkeypatch.setattr(tc.verify._check, "sizes_for", lambda cls, profile, **fixed: cls())
    check = tc.verify.get_check("zhang2024.lsa_limit/trained_A")
    v = tc.run_check(check, profile="ci", seed=0, device="cpu", cache={}, shrink=False)
    assert v.verdict == "assumption-violated"
    reasons = [r.comparison.reason for r in v.examples if r.comparison]
    assert reasons and all("diverged" in why for why in reasons)
    assert v.to_dict()["examples"][0]["diagnostics"]["fit"]["diverged"] >= 1

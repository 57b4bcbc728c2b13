"""Registry-wide contract: every result gets these tests for free (scikit-learn check_estimator style)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from theorycheck import theory
from theorycheck.testing import contract_cases

RESULTS = theory.all_results()
IDS = [r.id for r in RESULTS]


def _constraints(result, p):
    """(quantity to evaluate, constraint) for each constraint on parameter p: its own ones with the first
    quantity that reads p (else the first quantity: every given value is validated), then the quantity-level ones."""
    reader = next((q for q in result.quantities if p.name in result.needs(q)), next(iter(result.quantities)))
    return ([(reader, c) for c in p.constraints]
            + [(q.name, c) for q in result.quantities.values() for name, c in q.constraints if name == p.name])


@pytest.mark.parametrize("case", contract_cases(results=IDS), ids=str)
def test_result_contract(case):
    """The contract plugin authors run on their results (theorycheck.testing): metadata, finite evaluation at the
    example, the standard error naming the parameter for every invalid value, unknown names rejected."""
    case()


@pytest.mark.parametrize("rid", IDS)
def test_catalogue_results_cite_an_arxiv_id_and_vectors_have_length_d(rid):
    r = theory.get(rid)
    assert r.reference.arxiv and r.reference.where
    for q in r.quantities:
        if r.quantities[q].kind == "vector":
            assert np.asarray(r.evaluate(q, **r.example(d=3))).shape == (3,)


@pytest.mark.parametrize("rid", IDS)
@given(data=st.data())
def test_every_constraint_example_and_strategy_are_valid(rid, data):
    """Each constraint's example and every value its strategy draws pass its own check (given the example of
    the other parameters); the result's example passes them all."""
    r = theory.get(rid)
    base = {**r.example(d=3), "d": 3}
    for p in r.parameters.values():
        for _, c in _constraints(r, p):
            assert c.check(base[p.name], base) is None, (p.name, c)
            example = c.example(base)
            assert c.check(example, {**base, p.name: example}) is None, (p.name, c, example)
            drawn = data.draw(c.strategy(base), label=f"{p.name}: {type(c).__name__}")
            assert c.check(drawn, {**base, p.name: drawn}) is None, (p.name, c, drawn)


@pytest.mark.parametrize("rid", IDS)
def test_symbol_assumptions_follow_from_the_constraints(rid):
    """Each scalar or vector symbol's SymPy assumptions hold at the parameter's example value."""
    r = theory.get(rid)
    base = r.example(d=3)
    for p in r.parameters.values():
        if p.kind not in ("scalar", "vector"):
            continue
        for v in np.ravel(base[p.name]):
            for fact, holds in p.symbol_assumptions.items():
                assert getattr(sp.sympify(v), f"is_{fact}") == holds, (p.name, fact, v)


@pytest.mark.parametrize("rid", IDS)
def test_unknown_quantity_and_parameter(rid):
    r = theory.get(rid)
    with pytest.raises(theory.UnknownQuantityError, match="no quantity"):
        r.evaluate("no_such_quantity", **r.example(d=3))
    with pytest.raises(theory.InvalidParameterError, match="no parameter"):
        r.evaluate(next(iter(r.quantities)), bogus=1, **r.example(d=3))


@pytest.mark.parametrize("rid", IDS)
def test_wrong_vector_length(rid):
    r = theory.get(rid)
    vecs = [p.name for p in r.parameters.values() if p.kind == "vector"]
    if len(vecs) < 2:
        pytest.skip("one vector parameter: its length defines d")
    values = {**r.example(d=3), vecs[1]: [1.0, 2.0]}
    with pytest.raises(theory.InvalidParameterError, match="length"):
        r.evaluate(next(q for q in r.quantities if vecs[1] in r.needs(q)), **values)


@pytest.mark.parametrize("rid", IDS)
def test_nan_never_passes_silently(rid):
    r = theory.get(rid)
    for p in r.parameters.values():
        if p.kind == "scalar":
            with pytest.raises(theory.InvalidParameterError):
                r.evaluate(next(q for q in r.quantities if p.name in r.needs(q)) if any(
                    p.name in r.needs(q) for q in r.quantities) else next(iter(r.quantities)),
                    **{**r.example(d=3), p.name: float("nan")})


@given(data=st.data())
def test_constraint_strategies_generate_valid_values(data):
    """The Hypothesis strategies derived from constraints only produce values the constraints accept."""
    r = theory.get("shi2024.lowrank_lsa")
    d = data.draw(st.integers(1, 6))
    env = {"d": d}
    lam_c, desc_c = r.parameters["lam"].constraints
    lam = data.draw(lam_c.strategy(env, lo=0.1, hi=10.0, min_ratio=1.1, descending=True))
    assert lam_c.check(lam, env) is None and desc_c.check(lam, env) is None
    assert all(a > b for a, b in zip(lam, lam[1:]))
    rr = data.draw(r.parameters["r"].constraints[0].strategy(env))
    assert r.parameters["r"].constraints[0].check(rr, env) is None
    N = data.draw(r.parameters["N"].constraints[0].strategy(env, lo=1, hi=100))
    assert np.isfinite(r.evaluate("risk", N=N, lam=lam, r=rr))

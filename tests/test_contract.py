"""Registry-wide contract: every result gets these tests for free (scikit-learn check_estimator style)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import theory

RESULTS = theory.all_results()
IDS = [r.id for r in RESULTS]


def _valid(result, d=3):
    """A valid parameter dict for `result` at dimension d, built from its own constraints."""
    from theory._constraints import Integer, RowNorms

    out = {}
    for p in result.parameters.values():
        first = p.constraints[0]
        if p.name == "snr":
            continue  # an alternative to sigma_eps2, derived from it by default
        if p.kind == "choice":
            out[p.name] = first.example({})
        elif p.kind == "vector" and hasattr(first, "example"):
            out[p.name] = first.example({"d": d})
        elif p.kind == "vector":
            out[p.name] = [1.0 + 0.5 * k for k in range(d)][::-1]
        elif p.kind == "matrix" and hasattr(first, "example"):
            m = np.asarray(first.example({"d": d, **out}))
            if any(isinstance(c, RowNorms) for c in p.constraints):
                m = m / np.linalg.norm(m, axis=-1, keepdims=True) * np.sqrt(d)
            out[p.name] = m.tolist()
        elif p.kind == "matrix":
            out[p.name] = (0.3 * np.eye(d)).tolist()
        elif p.name == "k":
            out[p.name] = 3  # odd (Shi et al.'s parity labels), <= n0 - 2 (Xu et al.'s probe)
        elif p.name in ("N", "M") or isinstance(first, Integer) and p.name != "r":
            out[p.name] = 10
        elif p.name == "r":
            out[p.name] = 2

        elif getattr(first, "lo", None) is not None and first.lo >= 0.5:
            out[p.name] = first.lo + 1.0  # e.g. an exponent q > 2
        else:
            out[p.name] = 0.5
    return out


@pytest.mark.parametrize("rid", IDS)
def test_metadata(rid):
    r = theory.get(rid)
    assert r.id.count(".") == 1 and r.reference.arxiv and r.reference.where
    assert r.quantities and r.parameters
    for q in r.quantities.values():
        assert q.status in theory._result.STATUSES
        assert q.description
        assert isinstance(r.latex(q.name), str) and r.latex(q.name)
    for p in r.parameters.values():
        assert p.assumption and p.describe()


@pytest.mark.parametrize("rid", IDS)
def test_every_quantity_evaluates_finite(rid):
    r = theory.get(rid)
    for q in r.quantities:
        v = np.asarray(r.evaluate(q, **_valid(r)))
        assert np.all(np.isfinite(v)), (rid, q, v)
        if r.quantities[q].kind == "vector":
            assert v.shape == (3,)


@pytest.mark.parametrize("rid", IDS)
def test_every_invalid_value_raises_the_standard_error(rid):
    """Feed each constraint's own invalid values; each must raise InvalidParameterError naming the parameter."""
    r = theory.get(rid)
    base = _valid(r)
    fed = 0
    for p in r.parameters.values():
        extra = [c for q in r.quantities.values() for name, c in q.constraints if name == p.name]
        for c in list(p.constraints) + extra:
            for bad in c.invalid({"d": 3}):
                values = {**base, p.name: bad, "d": 3}  # d fixed, so a wrong length is wrong
                quantity = next((q.name for q in r.quantities.values()
                                 if any(c is qc for _, qc in q.constraints)), None) or next(iter(r.quantities))
                for q in ([quantity] if quantity else r.quantities):
                    if p.name not in r.needs(q) and c not in extra:
                        continue
                    with pytest.raises(theory.InvalidParameterError) as e:
                        r.evaluate(q, **values)
                    fed += 1
                    msg = str(e.value)
                    assert f"'{p.name}'" in msg and rid in msg and "assumption" in msg, msg
    assert fed > 0


@pytest.mark.parametrize("rid", IDS)
def test_unknown_quantity_and_parameter(rid):
    r = theory.get(rid)
    with pytest.raises(theory.UnknownQuantityError, match="no quantity"):
        r.evaluate("no_such_quantity", **_valid(r))
    with pytest.raises(theory.InvalidParameterError, match="no parameter"):
        r.evaluate(next(iter(r.quantities)), bogus=1, **_valid(r))


@pytest.mark.parametrize("rid", IDS)
def test_wrong_vector_length(rid):
    r = theory.get(rid)
    vecs = [p.name for p in r.parameters.values() if p.kind == "vector"]
    if len(vecs) < 2:
        pytest.skip("one vector parameter: its length defines d")
    values = {**_valid(r), vecs[1]: [1.0, 2.0]}
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
                    **{**_valid(r), p.name: float("nan")})


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

"""Li, Cao, Gao, He, Liu, Klusowski, Fan, Wang (NeurIPS 2024): a one-layer transformer learns 1-NN in context.

Setting (VERBATIM-2nd, restated unchanged by a follow-up; Li et al.'s PDF was not reachable; dossier §5):
x_1..x_{N+1} uniform on S^{d-1}, labels y_j = +-1 independent of x, target y_{i*} with i* the nearest context point
to the query. Embedding h_j = [x_j; y_j; 0] (j <= N), h_{N+1} = [x_{N+1}; 0; 1]; one softmax attention layer
H_W = H softmax(H^T W H), prediction yhat = [H_W]_{d+1, N+1}; W^0 = diag(0, ..., 0, -sigma).

* Two-parameter reduction (follow-up's Lemma 1, VERBATIM-2nd): gradient descent stays on
  W = diag(xi1 I_d, 0, -xi2); there (DERIVED) with a_j = <x_j, x_{N+1}>,

      yhat = sum_{j<=N} y_j e^{xi1 a_j} / (sum_{l<=N} e^{xi1 a_l} + e^{xi1 - xi2}).

  Here the vectors a, y have length N: the result's `d` is the number of context examples N.
* Hard-max limit (DERIVED, exact): xi1 -> oo with xi2 - xi1 -> oo gives yhat = y_{argmax_j a_j}, the 1-NN rule;
  at finite xi1 (DERIVED) |yhat - y_{i*}| <= 2 (N - 1) e^{-xi1 Delta} + e^{xi1 (1 - a*) - xi2}, Delta the inner-product
  gap to the nearest differently labelled point.
* Theorem 1 (VERBATIM-2nd): loss O(poly(N, d)/log t) under gradient descent, constants unspecified; encoded as the
  trends xi1 up and 1-NN disagreement down.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from ._constraints import Constraint, Real
from ._reference import Reference
from ._result import Parameter, Quantity, Result, claim

REFERENCE = Reference(
    authors=("Zihao Li", "Yuan Cao", "Cheng Gao", "Yihan He", "Han Liu", "Jason M. Klusowski", "Jianqing Fan",
             "Mengdi Wang"),
    title="One-Layer Transformer Provably Learns One-Nearest Neighbor In Context",
    venue="Advances in Neural Information Processing Systems 37 (NeurIPS 2024)",
    year=2024,
    arxiv="2411.10830",
    where="Section 2 model and Theorem 1 as restated by the follow-up arXiv:2609.01311; reduction DERIVED",
)


class _Vector(Constraint):
    """A vector of length N (= d) with entries in a set or interval."""

    needs_d = False

    def __init__(self, kind):
        self.kind = kind  # "cos": entries in [-1, 1]; "label": entries +-1

    def describe(self):
        return ("a vector of N inner products in [-1, 1] (unit vectors)" if self.kind == "cos"
                else "a vector of N labels, each +1 or -1")

    def assumptions(self):
        return {"real": True}  # labels are integers too; the symbols y_j stay plain reals

    def strategy(self, env, **narrow):
        from hypothesis import strategies as st

        d = env.get("d", 3)
        entry = st.floats(-1.0, 1.0) if self.kind == "cos" else st.sampled_from([-1.0, 1.0])
        return st.lists(entry, min_size=d, max_size=d)

    def dimension(self, value):
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return None
        return int(arr.shape[-1]) if arr.ndim >= 1 else None

    def check(self, value, env):
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return None
        if arr.ndim == 0:
            return "it is a scalar, not a vector"
        if "d" in env and arr.shape[-1] != env["d"]:
            return f"its length is {arr.shape[-1]}, not N = {env['d']}"
        if not np.all(np.isfinite(arr)):
            return "an entry is not finite"
        if self.kind == "cos" and np.any(np.abs(arr) > 1):
            return "an entry is outside [-1, 1]"
        if self.kind == "label" and np.any(np.abs(arr) != 1):
            return "an entry is not +1 or -1"
        return None

    def invalid(self, env):
        d = env.get("d", 3)
        bad = [0.5] * d
        bad[0] = 2.0 if self.kind == "cos" else 0.5
        nan = [1.0] * d
        nan[0] = float("nan")
        return [bad, nan, [1.0] * (d + 1)]

    def example(self, env):
        d = env.get("d", 3)
        return [round(0.9 - 0.3 * k, 12) for k in range(d)] if self.kind == "cos" else [(-1.0) ** k for k in range(d)]


def _pred(s):
    num = s.sum(lambda j: s.y[j] * sp.exp(s.xi1 * s.a[j]))
    den = s.sum(lambda j: sp.exp(s.xi1 * s.a[j])) + sp.exp(s.xi1 - s.xi2)
    return num / den


def _pred_numeric(xi1, xi2, a, y):
    z = xi1[..., None] * a
    top = np.maximum(z.max(-1), xi1 - xi2)  # log-sum-exp shift
    w = np.exp(z - top[..., None])
    return (w * y).sum(-1) / (w.sum(-1) + np.exp(xi1 - xi2 - top))


def _hardmax(a, y):
    idx = np.argmax(a, axis=-1)
    return np.take_along_axis(np.asarray(y, float), idx[..., None], -1)[..., 0]


_M = "one softmax attention layer on the family W = diag(xi1 I_d, 0, -xi2) (follow-up's Lemma 1)"

RESULT = Result(
    id="li2024.one_nn_attention",
    title="One-layer softmax attention and the 1-nearest-neighbour rule in context",
    reference=REFERENCE,
    parameters=[
        Parameter("xi1", "scalar", (Real(0.0),), "inverse temperature on the inputs' inner products", _M,
                  latex=r"\xi_1"),
        Parameter("xi2", "scalar", (Real(None),), "weight of the query's own (zero-label) slot", _M, latex=r"\xi_2"),
        Parameter("a", "vector", (_Vector("cos"),), "inner products <x_j, x_query> of the N context points with the "
                  "query (unit sphere)", "inputs uniform on the sphere S^{d-1}"),
        Parameter("y", "vector", (_Vector("label"),), "context labels +-1", "labels uniform on {-1, +1}"),
    ],
    quantities=[
        Quantity("prediction", _pred, "the attention's prediction yhat on the two-parameter family", "DERIVED",
                 where="model Eq. 2.3 (VERBATIM-2nd) reduced to (xi1, xi2)", numeric=_pred_numeric,
                 args=("xi1", "xi2", "a", "y")),
        Quantity("hardmax_prediction", lambda s: sp.Symbol("y_{i^*}"), "the hard-max limit of the prediction "
                 "(xi1 -> oo, xi2 - xi1 -> oo): the label of the nearest context point, y_{argmax_j a_j}",
                 "DERIVED", numeric=_hardmax, args=("a", "y")),
        claim("xi1_trend", 1, "direction of xi1 (inverse temperature) under gradient descent on the loss",
              "SECONDARY", where="follow-up's Lemma 1 (xi1 increasing)"),
        claim("nn_disagreement_trend", -1, "direction of the disagreement between sign(yhat) and the 1-NN label "
              "during training", "SECONDARY", where="Theorem 1 (loss O(poly(N, d)/log t))"),
    ],
    notes="Li et al.'s PDF was not reachable; the setting is the follow-up's restatement 'inherited unchanged'.",
    keywords=("in-context learning", "nearest neighbour", "softmax attention", "transformer", "1-NN"),
)

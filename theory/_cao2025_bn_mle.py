"""Cao, He, Wu, Chen, Fan, Liu (arXiv 2501.02547): transformers simulate MLE for sequence generation in Bayesian
networks.

VERBATIM (abstract): a simple transformer estimates the conditional probabilities of a Bayesian network from a
context of independent sequences and samples with them; training finds such transformers. The construction
(layers, widths) is UNVERIFIED. Encoded, DERIVED (dossier misc_theory.md §9):

* the count MLE of a conditional probability table: p_hat_j(v | pi) = n_joint / n_match, with n_match the context
  rows whose parents equal pi and n_joint those of them with x_j = v;
* one attention head computes it: parents encoded in {+-1}^k, scores c <p_i, p_query> = c (k - 2 Ham), values x_j;
  as c -> oo the weights are uniform over exact matches, |att - MLE| <= (n_mismatch/n_match) e^{-2c};
* the MLE's total-variation error E|p_hat - p| ~ sqrt(2 p (1 - p)/(pi n_pi)) falls as n^(-1/2) with the context
  length n.
"""

from __future__ import annotations

import sympy as sp

from ._constraints import Integer
from ._reference import Reference
from ._result import Parameter, Quantity, Result, claim

REFERENCE = Reference(
    authors=("Yuan Cao", "Yihan He", "Dennis Wu", "Hong-Yu Chen", "Jianqing Fan", "Han Liu"),
    title="Transformers Simulate MLE for Sequence Generation in Bayesian Networks",
    venue="arXiv preprint",
    year=2025,
    arxiv="2501.02547",
    where="abstract (VERBATIM); count MLE, attention construction and rate DERIVED",
)


_BN = "a context of n independent samples of a discrete Bayesian network with known parent sets"

RESULT = Result(
    id="cao2025.bn_incontext_mle",
    title="In-context MLE of Bayesian-network conditional probabilities by attention",
    reference=REFERENCE,
    parameters=[
        Parameter("n_match", "scalar", (Integer(1),), "context rows whose parents equal the query's", _BN,
                  latex="n_{\\pi}"),
        Parameter("n_joint", "scalar", (Integer(0, "n_match", why="rows matching the parents and the value"),),
                  "of those, rows with x_j = v", _BN, latex="n_{v,\\pi}"),
    ],
    quantities=[
        Quantity("mle", lambda s: s.n_joint / s.n_match, "count MLE p_hat(x_j = v | parents = pi)", "DERIVED",
                 where="BN-3 (the estimator the abstract says the transformer simulates)"),
        Quantity("tv_exponent", lambda s: sp.Rational(-1, 2), "log-log slope of the MLE's expected TV error "
                 "E|p_hat - p| against the context length n", "DERIVED"),
        claim("trained_vs_mle", -1, "direction of the gap |p_hat_transformer - p_hat_MLE| during training of a "
              "small attention model on in-context Bayesian-network data", "VERBATIM",
              where="abstract ('training finds such transformers', in words)"),
    ],
    notes="The paper's two-layer construction is UNVERIFIED; the one-head construction here is DERIVED.",
    keywords=("Bayesian network", "MLE", "in-context learning", "attention", "conditional probability", "transformer"),
    dimensional=False,
)

"""Cao, Chen, Belkin, Gu (NeurIPS 2022): benign overfitting in two-layer convolutional networks.

Data (standard model, UNVERIFIED detail; dossier misc_theory.md §7): x = [y mu, xi], xi ~ N(0, sigma_p^2 (I - mu
mu^T/||mu||^2)), y = +-1. CNN f = F_{+1} - F_{-1}, F_j = (1/m) sum_r sum_p sigma(<w_{j,r}, x^(p)>), sigma(z) =
max(0, z)^q, q > 2, logistic loss, gradient descent from N(0, sigma_0^2). SNR = ||mu||/(sigma_p sqrt d).

Claim (VERBATIM-2nd via reviews; abstract VERBATIM in words): the network fits the training data, and its test
error is near zero when n SNR^q = Omega~(1), but of constant order when n^-1 SNR^-q = Omega~(1) - a phase
transition in n SNR^q whose constants are not specified. Shang, Meng, Cao, Zou (2024, fully trainable layers) and
Kou et al. (ICML 2023, ReLU, label noise) refine it; their thresholds were not reachable and are not encoded.
"""

from __future__ import annotations

from ._constraints import Integer, Real
from ._reference import Reference
from ._result import Parameter, Quantity, Result, claim

REFERENCE = Reference(
    authors=("Yuan Cao", "Zixiang Chen", "Mikhail Belkin", "Quanquan Gu"),
    title="Benign Overfitting in Two-layer Convolutional Neural Networks",
    venue="Advances in Neural Information Processing Systems 35 (NeurIPS 2022)",
    year=2022,
    arxiv="2202.06526",
    where="abstract; Theorems 4.3-4.4 as quoted in reviews (n SNR^q condition)",
)

_D = "signal-plus-noise patches x = [y mu, xi], sigma = ReLU^q with q > 2"

RESULT = Result(
    id="cao2022.benign_overfitting",
    title="Benign vs harmful overfitting of two-layer CNNs: the n SNR^q phase transition",
    reference=REFERENCE,
    parameters=[
        Parameter("mu_norm", "scalar", (Real(0.0, lo_open=True),), "signal strength ||mu||", _D, latex=r"\|\mu\|"),
        Parameter("sigma_p", "scalar", (Real(0.0, lo_open=True),), "noise standard deviation", _D,
                  latex=r"\sigma_p"),
        Parameter("d_patch", "scalar", (Integer(2),), "patch dimension d", _D, latex="d"),
        Parameter("n", "scalar", (Integer(1),), "training samples", _D),
        Parameter("q", "scalar", (Real(2.0, lo_open=True),), "activation exponent", _D),
    ],
    quantities=[
        Quantity("snr", lambda s: s.mu_norm / (s.sigma_p * s.d_patch ** 0.5), "signal-to-noise ratio ||mu||/(sigma_p "
                 "sqrt d)", "SECONDARY"),
        Quantity("order_parameter", lambda s: s.n * (s.mu_norm / (s.sigma_p * s.d_patch ** 0.5)) ** s.q, "n SNR^q, the "
                 "quantity whose size separates benign from harmful overfitting", "SECONDARY"),
        claim("benign_transition", -1, "sign of [test error of cells with large n SNR^q] - [test error of cells "
              "with small n SNR^q], all trained to (near) zero training loss", "SECONDARY",
              where="Thms 4.3-4.4 (constants unspecified)"),
    ],
    notes="Thresholds hide constants and logs (Omega~); the check is a stated threshold rule on a grid.",
    keywords=("benign overfitting", "CNN", "signal-to-noise", "phase transition", "interpolation"),
    dimensional=False,
)

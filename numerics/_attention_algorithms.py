"""Transformers as algorithms: softmax attention as a 1-nearest-neighbour rule (Li et al. 2024), one attention head as
the count MLE of a Bayesian network's conditional probabilities (Cao et al. 2025), and linear attention as the power
method of spectral clustering on a Gaussian mixture (He et al. 2025).

Every model carries a leading ensemble axis E and trains through numerics.fit; every sampler draws on its generator's
device.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torch.nn import functional as Fn

__all__ = ["BNAttention", "BNTask", "ClusteringInstances", "ClusteringTask", "LinearAttentionStack", "OneNNAttention",
           "OneNNTask", "StackOverInstances", "attention_prediction", "chain_network", "cluster_error",
           "count_attention", "count_mle", "gmm", "sample_chain", "sphere", "stack_scores"]


# ------------------------------------------------------------------ 1-NN attention (Li et al.)
def sphere(E, B, N, d, generator, dtype=torch.float64):
    """E x B x N points uniform on the unit sphere of R^d."""
    x = torch.randn(E, B, N, d, generator=generator, dtype=dtype, device=generator.device)
    return x / x.norm(dim=-1, keepdim=True)


def attention_prediction(X: Tensor, y: Tensor, W: Tensor) -> Tensor:
    """Full model: H = [[x_1..x_N, x_q]; [y_1..y_N, 0]; [0..0, 1]] ((d+2) x (N+1)), H_W = H softmax(H^T W H) column-wise;
    returns [H_W]_{d+1, N+1}. X (E, B, N+1, d), y (E, B, N), W (E, d+2, d+2)."""
    E, B, N1, d = X.shape
    lab = torch.cat([y, torch.zeros(E, B, 1, dtype=X.dtype, device=X.device)], -1)
    last = torch.zeros(E, B, N1, dtype=X.dtype, device=X.device)
    last[..., -1] = 1
    H = torch.cat([X, lab.unsqueeze(-1), last.unsqueeze(-1)], -1)  # (E, B, N+1, d+2): columns as rows
    scores = torch.einsum("ebid,edf,ebf->ebi", H, W, H[:, :, -1])  # h_i^T W h_query
    att = torch.softmax(scores, -1)
    return (att * lab).sum(-1)


class OneNNAttention(nn.Module):
    """The two-parameter family W = diag(xi1 I_d, 0, -xi2), evaluated through the full attention."""

    def __init__(self, E, d, xi1=0.0, xi2=3.0):
        super().__init__()
        self.E, self.d = E, d
        self.xi1 = nn.Parameter(torch.full((E,), float(xi1), dtype=torch.float64))
        self.xi2 = nn.Parameter(torch.full((E,), float(xi2), dtype=torch.float64))

    def matrix(self):
        diag = torch.cat([self.xi1[:, None].expand(-1, self.d),
                          torch.zeros(self.E, 1, dtype=self.xi1.dtype, device=self.xi1.device), -self.xi2[:, None]], -1)
        return torch.diag_embed(diag)

    def forward(self, batch):
        return attention_prediction(batch[0], batch[1], self.matrix())


class OneNNTask:
    """Prompts of N labelled points and a query, uniform on the sphere, labels +-1 at random; target: the label of
    the query's nearest neighbour."""

    def __init__(self, d, N):
        self.d, self.N = d, N

    def sample(self, E, B, generator, *, device=None, dtype=None):
        X = sphere(E, B, self.N + 1, self.d, generator)
        y = torch.randint(0, 2, (E, B, self.N), generator=generator, device=generator.device).to(X) * 2 - 1
        nn_idx = (X[:, :, :-1] @ X[:, :, -1:].transpose(-1, -2))[..., 0].argmax(-1)
        target = torch.gather(y, -1, nn_idx.unsqueeze(-1))[..., 0]
        return X, y, target

    def loss(self, pred, batch):
        return 0.5 * ((pred - batch[2]) ** 2).mean(-1)


# ------------------------------------------------------------------ Bayesian-network in-context MLE (Cao et al.)
def chain_network(E, nodes, alpha, generator):
    """CPTs of a binary chain X1 -> X2 -> ... : p[e, 0] = P(X1 = 1), p[e, j, v] = P(X_j = 1 | X_{j-1} = v) (v = 0/1),
    each drawn from Beta(alpha, alpha). (torch's Beta takes no generator: it is drawn on the CPU under a seed taken
    from `generator`, inside a forked global RNG, so nothing global changes.)"""
    beta = torch.distributions.Beta(alpha, alpha)
    s = int(torch.randint(0, 2 ** 31 - 1, (1,), generator=generator, device=generator.device))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(s)
        cpt = beta.sample((E, nodes, 2)).double()
    return cpt.to(generator.device)


def sample_chain(cpt, n, generator, dtype=torch.float64):
    """n sequences per member from the chain: (E, n, nodes) in {0, 1} (`dtype` of the uniforms and the output)."""
    E, nodes, _ = cpt.shape
    out = torch.empty(E, n, nodes, dtype=dtype, device=cpt.device)
    u = torch.rand(E, n, nodes, generator=generator, dtype=dtype, device=generator.device)
    c = cpt.to(dtype)
    out[..., 0] = (u[..., 0] < c[:, 0, 1].unsqueeze(-1)).to(dtype)
    for j in range(1, nodes):
        p = torch.gather(c[:, j], 1, out[..., j - 1].long())  # (E, n)
        out[..., j] = (u[..., j] < p).to(dtype)
    return out


def count_mle(ctx_parent, ctx_child, q_parent):
    """p_hat(child = 1 | parent = q) by counting: ctx (E, n), q (E,) -> (n_joint, n_match)."""
    match = (ctx_parent == q_parent.unsqueeze(-1)).double()
    return (match * ctx_child).sum(-1), match.sum(-1)


def count_attention(ctx_parents, ctx_child, q_parents, c):
    """One head: parents in {+-1}^k, score c <p_i, p_q>, value x_child; ctx_parents (E, n, k) in {0,1}."""
    P, Q = 2 * ctx_parents - 1, 2 * q_parents - 1
    att = torch.softmax(c * torch.einsum("enk,ek->en", P, Q), -1)
    return (att * ctx_child).sum(-1)


class BNAttention(nn.Module):
    """One trainable head on a 3-node chain A -> B -> C: keys (x_A, x_B) of the context rows, query (x_A, x_B) of the
    new row, score k_i^T W q, value x_C: p_hat(C = 1 | query) = softmax-average of the context's x_C."""

    def __init__(self, E):
        super().__init__()
        self.E = E
        self.W = nn.Parameter(torch.zeros(E, 2, 2, dtype=torch.float64))

    def forward(self, batch):
        ctx, q = batch[0], batch[1]  # ctx (E, B, n, 3), q (E, B, 3) in {0,1}
        K, Q = 2 * ctx[..., :2] - 1, 2 * q[..., :2] - 1
        att = torch.softmax(torch.einsum("ebnk,ekl,ebl->ebn", K, self.W, Q), -1)
        return (att * ctx[..., 2]).sum(-1).clamp(1e-6, 1 - 1e-6)


class BNTask:
    """Fresh chains (Beta(alpha, alpha) CPTs) per prompt: context of n rows, a query row whose C is the target."""

    def __init__(self, n, alpha):
        self.n, self.alpha = n, alpha

    def sample(self, E, B, generator, *, device=None, dtype=None):
        cpt = chain_network(E * B, 3, self.alpha, generator)
        rows = sample_chain(cpt, self.n + 1, generator).reshape(E, B, self.n + 1, 3)
        return rows[:, :, :-1], rows[:, :, -1], cpt.reshape(E, B, 3, 2)

    def loss(self, pred, batch):
        t = batch[1][..., 2]
        return -(t * pred.log() + (1 - t) * (1 - pred).log()).mean(-1)


# ------------------------------------------------------------------ spectral methods (He et al.)
def gmm(E, n, d, r, generator):
    """x = y mu + z with ||mu|| = r in a random direction: X (E, n, d), y (E, n), mu (E, d)."""
    dev = generator.device
    mu = torch.randn(E, d, generator=generator, dtype=torch.float64, device=dev)
    mu = r * mu / mu.norm(dim=-1, keepdim=True)
    y = torch.randint(0, 2, (E, n), generator=generator, device=dev).double() * 2 - 1
    X = y.unsqueeze(-1) * mu.unsqueeze(1) + torch.randn(E, n, d, generator=generator, dtype=torch.float64, device=dev)
    return X, y, mu


def cluster_error(scores: Tensor, y: Tensor) -> Tensor:
    """Misclustering rate of sign(scores), up to the global label swap: (E, n) -> (E,)."""
    err = (torch.sign(scores) != y).double().mean(-1)
    return torch.minimum(err, 1 - err)


class LinearAttentionStack(nn.Module):
    """L linear-attention layers acting on a probe vector: v <- A_l (X^T X / n) v, v_0 = x_1 (the first token);
    scores <x_i, v_L>. With A_l = I this is L power-method steps seeded at x_1."""

    def __init__(self, E, L, d, init_scale, generator=None):
        super().__init__()
        self.E, self.L = E, L
        self.A = nn.Parameter(init_scale * torch.randn(E, L, d, d, generator=generator, dtype=torch.float64)
                              / math.sqrt(d))

    def forward(self, X):
        return stack_scores(self.A, X)


def stack_scores(A: Tensor, X: Tensor) -> Tensor:
    """Scores <x_i, v_L> of the stack with layer matrices A (E, L, d, d) on instances X (E, n, d)."""
    S = X.transpose(-1, -2) @ X / X.shape[-2]  # (E, d, d)
    v = X[:, 0]
    for layer in range(A.shape[1]):
        v = torch.einsum("edf,ef->ed", A[:, layer], torch.einsum("edf,ef->ed", S, v))
        v = v / v.norm(dim=-1, keepdim=True).clamp_min(1e-30)
    return torch.einsum("end,ed->en", X, v)


class StackOverInstances(nn.Module):
    """A stack trained on B mixture instances per member and step: X (E, B, n, d) -> scores (E, B, n), the B
    instances folded into the member axis, each sharing its member's layer matrices."""

    def __init__(self, stack: LinearAttentionStack):
        super().__init__()
        self.stack, self.E = stack, stack.E

    def forward(self, batch):
        X = batch[0]
        E, B = X.shape[0], X.shape[1]
        A = self.stack.A.unsqueeze(1).expand(-1, B, -1, -1, -1).reshape(E * B, *self.stack.A.shape[1:])
        return stack_scores(A, X.reshape(E * B, *X.shape[2:])).reshape(E, B, -1)


class ClusteringTask:
    """Instances of the mixture; the target of token i is y_i y_1 (the label relative to the seed token)."""

    def __init__(self, n, d, r):
        self.n, self.d, self.r = n, d, r

    def sample(self, E, B, generator, *, device=None, dtype=None):
        X, y, _ = gmm(E, self.n, self.d, self.r, generator)
        return X, y

    def loss(self, scores, batch):
        rel = batch[1] * batch[1][:, :1]
        z = scores / scores.abs().mean(-1, keepdim=True).clamp_min(1e-30)
        return Fn.softplus(-4.0 * rel * z).mean(-1)


class ClusteringInstances:
    """B instances of the mixture per member and step (for StackOverInstances): the mean of ClusteringTask's loss."""

    def __init__(self, n, d, r):
        self.base = ClusteringTask(n, d, r)

    def sample(self, E, B, generator, *, device=None, dtype=None):
        X, y, _ = gmm(E * B, self.base.n, self.base.d, self.base.r, generator)
        return X.reshape(E, B, self.base.n, self.base.d), y.reshape(E, B, self.base.n)

    def loss(self, scores, batch):
        y = batch[1]
        E, B = y.shape[:2]
        return self.base.loss(scores.reshape(E * B, -1), (None, y.reshape(E * B, -1))).reshape(E, B).mean(1)

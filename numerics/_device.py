"""Device and dtype resolution: CUDA when present, the CPU otherwise."""

from __future__ import annotations

import torch

from .._errors import invalid

__all__ = ["resolve_device", "resolve_dtype"]


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise invalid("the run", "device", "'cpu' or 'auto' on this machine", device,
                      reason="CUDA was asked for, but torch.cuda.is_available() is False")
    if device not in ("cpu", "cuda") and not device.startswith("cuda:"):
        raise invalid("the run", "device", "'auto', 'cpu' or 'cuda'", device)
    return torch.device(device)


def resolve_dtype(dtype: str | torch.dtype) -> torch.dtype:
    if isinstance(dtype, torch.dtype):
        return dtype
    try:
        return {"float32": torch.float32, "float64": torch.float64}[dtype]
    except KeyError:
        raise invalid("the run", "dtype", "'float32' or 'float64'", dtype) from None

"""Shared test configuration: Hypothesis profiles (registered once), threads, a run-wide experiment cache."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile("thorough", max_examples=500, deadline=None, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_configure(config):
    import torch

    default = max(1, min(os.cpu_count() or 1, 4))
    torch.set_num_threads(int(os.environ.get("THEORYCHECK_THREADS", default)))


def pytest_addoption(parser):
    parser.addoption("--profile", default="ci", choices=["ci", "quick", "thorough"],
                     help="verification profile for the check tests (default: ci)")


@pytest.fixture(scope="session")
def check_profile(request) -> str:
    return request.config.getoption("--profile")


@pytest.fixture(scope="session")
def check_cache() -> dict:
    """Experiments shared by every check test in the session (the same experiments as the CLI)."""
    return {}

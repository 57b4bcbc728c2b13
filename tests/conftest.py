"""Shared test configuration: Hypothesis profiles (registered once), threads, theorycheck.testing's fixtures."""

from __future__ import annotations

import os

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


# theorycheck's own pytest support, as a plugin author uses it: --tc-profile / --tc-seed / --tc-device and the
# session-wide `tc_run` fixture (profile, seed, device and one experiment cache shared by every check test)
pytest_plugins = ["theorycheck.testing"]

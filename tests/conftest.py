"""Test configuration: one thread for every numeric library (on 2 cores torch's and NumPy's
thread pools otherwise fight), set before any of them is imported."""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS"):
    os.environ[_var] = "1"

import pytest
from hypothesis import HealthCheck, settings

# Property tests: 200 examples each, from a fixed seed, so that CI runs the same cases every time.
settings.register_profile("ci", max_examples=200, derandomize=True, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

try:
    import torch
except ImportError:  # the torch extra is optional; tests that need it skip
    torch = None
else:
    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def sandbox():
    """One checking worker per test module (started at its first check, stopped after the module)."""
    from symgrad.answers.sandbox import Sandbox

    box = Sandbox()
    yield box
    box.close()

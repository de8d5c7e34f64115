"""The stable numeric kernels, NumPy and torch, against high-precision references."""

import mpmath
import numpy as np
import pytest

from symgrad.numeric.kernels import namespace

kernels = namespace("numpy")  # the stable kernels of the registered operations, by function name

Z = np.array([-800.0, -40.0, -1.0, 0.0, 1e-8, 2.5, 40.0, 800.0])


def _reference(f):
    with mpmath.workdps(50):
        return np.array([float(f(mpmath.mpf(z))) for z in Z])


@pytest.mark.parametrize("name, reference", [
    ("sigmoid", lambda z: 1 / (1 + mpmath.exp(-z))),
    ("softplus", lambda z: mpmath.log1p(mpmath.exp(z))),
    ("relu", lambda z: max(z, 0)),
    ("step", lambda z: 1 if z > 0 else 0),
])
def test_numpy_kernels_match_50_digit_references_without_overflow(name, reference):
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        values = kernels[name](Z)
    np.testing.assert_allclose(values, _reference(reference), rtol=1e-15, atol=0)


def test_log_softmax_and_softmax_are_stable_and_keep_float32():
    zs = [np.float32([1000.0, 0.5]), np.float32([0.0, -2.0]), np.float32([-1000.0, 3.0])]
    out = kernels["LogSoftmax"](0, *zs)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [0.0, 0.5 - np.log(np.exp(0.5) + np.exp(-2.0) + np.exp(3.0))], rtol=1e-6)
    np.testing.assert_allclose(sum(kernels["Softmax"](i, *zs) for i in range(3)), [1.0, 1.0], rtol=1e-6)


def test_torch_kernels_are_the_same_functions():
    torch = pytest.importorskip("torch")
    torch_kernels = namespace("torch")
    assert set(torch_kernels) == set(kernels)

    z = torch.tensor(Z, dtype=torch.float64)
    for name in ("sigmoid", "softplus", "relu", "step"):
        np.testing.assert_allclose(torch_kernels[name](z).numpy(), kernels[name](Z), rtol=1e-15)
    zs = [torch.tensor([1000.0, 0.5], dtype=torch.float64), 0.0, torch.tensor([-1000.0, 3.0], dtype=torch.float64)]
    np.testing.assert_allclose(torch_kernels["LogSoftmax"](1, *zs).numpy(),
                               kernels["LogSoftmax"](1, *[np.asarray(v, dtype=float) for v in zs]), rtol=1e-15)

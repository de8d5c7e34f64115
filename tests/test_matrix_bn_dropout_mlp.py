"""An MLP with BatchNorm1d and Dropout trained by symgrad and by torch: Linear(64, 32, bias=False) ->
BatchNorm1d(32) -> ReLU -> Dropout(0.2) -> Linear(32, 10), cross-entropy, SGD with momentum, on the 8x8
digits (64 features), from the same initial parameters (from_torch), in torch's DataLoader order
(shuffle="torch") and with torch's dropout masks (TorchMasks). torch's loop is a torch user's own:
a DataLoader with a seeded generator, torch.manual_seed before the first step, net.train()."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")
nn = torch.nn

from symgrad.matrix import Program, TorchMasks  # noqa: E402
from symgrad.matrix.data import load_digits  # noqa: E402
from symgrad.matrix.loop import fit  # noqa: E402
from symgrad.matrix.torch_import import from_torch  # noqa: E402
from symgrad.numeric.optimizers import make_optimizer  # noqa: E402

OPTIONS = {"lr": 0.1, "momentum": 0.9}
ORDER_SEED, MASK_SEED = 3, 11


@pytest.fixture(scope="module")
def digits():
    return load_digits("train", size=8)  # scikit-learn's 8x8 digits as they are: 1500 x 64


def mlp(dtype):
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(64, 32, bias=False), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.2),
                         nn.Linear(32, 10)).to(dtype)


def symgrad_run(net, data, dtype, epochs, batch_size):
    """symgrad's run from a copy of ``net``: the loss, parameters and buffers after each step."""
    model = from_torch(net, dtype)
    program = Program(model, "cross_entropy", masks=TorchMasks(MASK_SEED))
    steps = []
    fit(program, data, make_optimizer("SGD", OPTIONS), epochs=epochs, batch_size=batch_size, shuffle="torch",
        seed=ORDER_SEED, progress=False,
        on_step=lambda step, loss: steps.append((loss, [p.copy() for p in program.parameters],
                                                 {k: v.copy() for k, v in model.buffers.items()})))
    return steps


def torch_steps(net, data, dtype, epochs, batch_size):
    """torch's own training loop of ``net``, yielding its loss after each step."""
    inputs = torch.from_numpy(data.inputs.astype(dtype))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(inputs, torch.from_numpy(data.classes)),
                                         batch_size, shuffle=True,
                                         generator=torch.Generator().manual_seed(ORDER_SEED))
    optimizer = torch.optim.SGD(net.parameters(), **OPTIONS)
    net.train()
    torch.manual_seed(MASK_SEED)  # the only draws from torch's global generator are the dropout's masks
    for _ in range(epochs):
        for x, y in loader:
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(net(x), y)
            loss.backward()
            optimizer.step()
            yield loss.item()


def test_parameters_and_running_statistics_equal_torchs_after_each_of_50_float64_steps(digits):
    net = mlp(torch.float64)
    ours = symgrad_run(net, digits, "float64", epochs=1, batch_size=30)
    assert len(ours) == 50
    for step, loss in enumerate(torch_steps(net, digits, "float64", epochs=1, batch_size=30)):
        our_loss, parameters, buffers = ours[step]
        assert our_loss == pytest.approx(loss, rel=1e-10), step
        for mine, (name, theirs) in zip(parameters, net.named_parameters(), strict=True):
            np.testing.assert_allclose(mine, theirs.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=f"{step} {name}")
        for key, theirs in net[1].named_buffers():
            np.testing.assert_allclose(buffers[f"H1.{key}"], theirs.numpy(), rtol=1e-10, atol=1e-12,
                                       err_msg=f"{step} {key}")
    assert int(buffers["H1.num_batches_tracked"]) == step + 1 == 50
    assert ours[-1][0] < ours[0][0] * 0.5  # it learns


def test_float32_losses_over_two_epochs_agree_with_torchs(digits):
    net = mlp(torch.float32)
    ours = [loss for loss, _, _ in symgrad_run(net, digits, "float32", epochs=2, batch_size=64)]
    theirs = list(torch_steps(net, digits, "float32", epochs=2, batch_size=64))
    assert len(ours) == len(theirs) == 2 * 24
    np.testing.assert_allclose(ours, theirs, rtol=1e-4)

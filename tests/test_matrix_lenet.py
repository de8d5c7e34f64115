"""The issue's LeNet trained by symgrad and by torch: Conv2d(1,6,5) -> ReLU -> MaxPool2d(2) ->
Conv2d(6,16,5) -> ReLU -> MaxPool2d(2) -> Flatten -> Linear(256,120) -> ReLU -> Linear(120,84) -> ReLU ->
Linear(84,10), cross-entropy, SGD with momentum, on the 8x8 digits scaled to 28x28 (as 1 x 28 x 28
images), from the same initial parameters (from_torch) and in torch's DataLoader order
(shuffle="torch"). torch's side is a torch user's own loop: a DataLoader with a seeded generator and
torch.optim.SGD."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")
nn = torch.nn

from symgrad.matrix import Program  # noqa: E402
from symgrad.matrix.data import load_digits  # noqa: E402
from symgrad.matrix.loop import accuracy, fit  # noqa: E402
from symgrad.matrix.torch_import import from_torch  # noqa: E402
from symgrad.numeric.optimizers import make_optimizer  # noqa: E402

OPTIONS = {"lr": 0.05, "momentum": 0.9}
ORDER_SEED = 5
IMAGE = (1, 28, 28)


@pytest.fixture(scope="module")
def digits():
    return load_digits("train").shaped(IMAGE)  # 1500 images of 1 x 28 x 28


def lenet(dtype):
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84),
                         nn.ReLU(), nn.Linear(84, 10)).to(dtype)


def symgrad_run(net, data, dtype, epochs, batch_size):
    """symgrad's run from a copy of ``net``: the program and (loss, parameters) after each step."""
    program = Program(from_torch(net, dtype, input_shape=IMAGE), "cross_entropy")
    steps = []
    fit(program, data, make_optimizer("SGD", OPTIONS), epochs=epochs, batch_size=batch_size, shuffle="torch",
        seed=ORDER_SEED, progress=False,
        on_step=lambda step, loss: steps.append((loss, [p.copy() for p in program.parameters])))
    return program, steps


def torch_steps(net, data, dtype, epochs, batch_size):
    """torch's own training loop of ``net``, yielding its loss after each step."""
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(data.inputs.astype(dtype)), torch.from_numpy(data.classes)),
        batch_size, shuffle=True, generator=torch.Generator().manual_seed(ORDER_SEED))
    optimizer = torch.optim.SGD(net.parameters(), **OPTIONS)
    for _ in range(epochs):
        for x, y in loader:
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(net(x), y)
            loss.backward()
            optimizer.step()
            yield loss.item()


def test_parameters_equal_torchs_after_each_of_50_float64_steps(digits):
    """Each parameter entry within 1e-10 of torch's relative to it (plus 1e-12 absolute, for entries
    near 0), after every step, and the loss within 1e-10 relative."""
    net = lenet(torch.float64)
    program, ours = symgrad_run(net, digits, "float64", epochs=1, batch_size=30)
    assert len(ours) == 50
    names = [name for name, _ in net.named_parameters()]
    assert len(names) == len(program.parameters) == 10
    for step, loss in enumerate(torch_steps(net, digits, "float64", epochs=1, batch_size=30)):
        our_loss, parameters = ours[step]
        assert our_loss == pytest.approx(loss, rel=1e-10), step
        for mine, (name, theirs) in zip(parameters, net.named_parameters(), strict=True):
            np.testing.assert_allclose(mine, theirs.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=f"{step} {name}")
    assert np.mean([loss for loss, _ in ours[-5:]]) < 0.7 * ours[0][0]  # it learns


def test_float32_losses_over_two_epochs_agree_with_torchs(digits):
    net = lenet(torch.float32)
    program, ours = symgrad_run(net, digits, "float32", epochs=2, batch_size=64)
    theirs = list(torch_steps(net, digits, "float32", epochs=2, batch_size=64))
    assert len(ours) == len(theirs) == 2 * 24
    np.testing.assert_allclose([loss for loss, _ in ours], theirs, rtol=1e-4)
    assert accuracy(program, load_digits("test").shaped(IMAGE)) > 0.5  # the images were read as images


def test_a_network_of_images_is_described_by_its_layers_in_order():
    from symgrad.matrix.reports import network_shape

    model = from_torch(nn.Sequential(nn.Conv2d(1, 2, 3, stride=2, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                     nn.AvgPool2d(2, 1), nn.Flatten(), nn.Linear(2, 3)), input_shape=(1, 8, 8))
    assert network_shape(model.network) == ("1x8x8 images: Conv2d(1, 2, 3, stride=2, padding=1), relu, MaxPool2d(2), "
                                            "AvgPool2d(2, 1), Flatten, Linear(2, 3)")

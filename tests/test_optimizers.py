"""The optimizers against torch.optim (single-tensor code), on arrays of several shapes, in float64,
float32 and exact arithmetic; torch's edge cases stated as exact numbers; the rules in LaTeX."""

import inspect

import numpy as np
import pytest
import sympy as sp

from symgrad.core.errors import TrainingError
from symgrad.numeric.optimizers import OPTIMIZERS, SGD, Adagrad, Adam, AdamW, RMSprop, make_optimizer

torch = pytest.importorskip("torch")

CONFIGS = [
    ("SGD", {"lr": 0.05}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1, "maximize": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-6, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5, "alpha": 0.3}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.5}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.1, "eps": 1e-6}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "betas": (0.3, 0.9), "eps": 1e-6, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
]
SHAPES = [(), (3,), (2, 3)]


def _gradient(p, t):
    """A gradient that depends on the parameter and the step, so that state and feedback both matter
    (the gradient of a strongly convex loss that wobbles, so the runs neither diverge nor turn chaotic)."""
    wave = 0.5 * np.cos(t + np.arange(p.size).reshape(p.shape))
    return np.asarray(p - 0.25 + 0.3 * np.sin(p) + wave.astype(p.dtype), dtype=p.dtype)


def _starts(dtype):
    rng = np.random.default_rng(7)
    return [rng.uniform(-1.5, 1.5, size=s).astype(dtype) for s in SHAPES]


def _torch_run(name, options, dtype, steps):
    params = [torch.tensor(p, requires_grad=True) for p in _starts(dtype)]
    opt = getattr(torch.optim, name)(params, foreach=False, **options)
    trail = []
    for t in range(steps):
        for p in params:
            p.grad = torch.from_numpy(_gradient(p.detach().numpy(), t))
        opt.step()
        trail.append([p.detach().numpy().copy() for p in params])
    return trail


def _our_run(name, options, dtype, steps):
    params = _starts(dtype)
    opt = make_optimizer(name, options)
    trail = []
    for t in range(steps):
        opt.step(params, [_gradient(p, t) for p in params])
        trail.append([p.copy() for p in params])
    return trail


def _largest_relative_difference(ours, theirs):
    """The largest difference at any step, relative to the largest entry of the array at that step."""
    return max(float(np.max(np.abs(a - b)) / np.max(np.abs(b)))
               for row_a, row_b in zip(ours, theirs) for a, b in zip(row_a, row_b))


@pytest.mark.parametrize("name, options", CONFIGS, ids=lambda c: str(c))
@pytest.mark.parametrize("dtype, tolerance", [(np.float64, 1e-12), (np.float32, 1e-5)], ids=["float64", "float32"])
def test_every_option_follows_torch(name, options, dtype, tolerance):
    ours, theirs = _our_run(name, options, dtype, 100), _torch_run(name, options, dtype, 100)
    assert all(a.dtype == dtype and a.shape == b.shape for a, b in zip(ours[-1], theirs[-1]))
    assert _largest_relative_difference(ours, theirs) < tolerance


def _rationals(a):
    """``a`` rounded to 6 decimals, as an object array of exact rationals of the same shape."""
    values = [sp.Rational(round(float(x) * 10 ** 6), 10 ** 6) for x in np.ravel(a)]
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out.reshape(np.shape(a))


@pytest.mark.parametrize("name, options", CONFIGS[:1] + CONFIGS[3:4] + CONFIGS[9:10] + CONFIGS[11:12]
                         + CONFIGS[14:15] + CONFIGS[18:19], ids=lambda c: str(c))
def test_exact_arithmetic_agrees_with_float64(name, options):
    """Object arrays of SymPy numbers: the same rule computed exactly, every number exact."""
    exact = [_rationals(p) for p in _starts(np.float64)]
    floats = [e.astype(float) for e in exact]
    ours, theirs = make_optimizer(name, options), make_optimizer(name, options)
    for t in range(3):
        grads = [_rationals(_gradient(f, t)) for f in floats]  # the same gradients for both runs
        ours.step(exact, grads)
        theirs.step(floats, [g.astype(float) for g in grads])
    for e, f in zip(exact, floats):
        assert e.dtype == object and all(v.is_number and v.is_real for v in e.ravel())
        assert np.allclose([float(sp.N(v, 30)) for v in e.ravel()], f.ravel(), rtol=1e-13, atol=0)


def _exact_step(opt, start, grads):
    p = np.array([sp.Rational(start)], dtype=object)
    for g in grads:
        opt.step([p], [np.array([sp.Rational(g)], dtype=object)])
    return p[0]


R = sp.Rational


@pytest.mark.parametrize("opt, start, grads, expected", [
    # SGD's momentum buffer is the raw gradient on the first step: dampening does not apply to it
    (SGD(lr=R(1, 10), momentum=R(1, 2), dampening=R(1, 2)), 1, [2], R(4, 5)),
    # second step: b = 1/2*2 + (1 - 1/2)*2 = 2
    (SGD(lr=R(1, 10), momentum=R(1, 2), dampening=R(1, 2)), 1, [2, 2], R(3, 5)),
    # Nesterov: the step is g + mu*b = 2 + 1 on the first step
    (SGD(lr=R(1, 10), momentum=R(1, 2), nesterov=True), 1, [2], R(7, 10)),
    # weight decay adds lambda*theta to the gradient
    (SGD(lr=R(1, 10), weight_decay=R(1, 2)), 2, [1], R(18, 10)),
    # RMSprop's momentum buffer starts at 0: b_1 = g/(sqrt((1-alpha) g^2) + eps)
    (RMSprop(lr=R(1, 10), alpha=R(3, 4), eps=0, momentum=R(1, 2)), 1, [2], 1 - R(1, 10) * 2),
    # Adagrad: G_1 = G_0 + g^2 = 1 + 3 = 4, theta = 1 - 1/10 * 1/2... with lr_decay on step 2
    (Adagrad(lr=R(1, 10), initial_accumulator_value=3, eps=0), 1, [1], 1 - R(1, 10) * R(1, 2)),
    (Adagrad(lr=R(1, 10), lr_decay=1, eps=0), 0, [1, 1], -R(1, 10) - R(1, 20) / sp.sqrt(2)),
    # Adam's first step is lr * g / (|g| + eps): eps is added after the bias correction
    (Adam(lr=R(1, 10), eps=R(1, 2)), 1, [2], 1 - R(1, 10) * R(4, 5)),
    # AdamW with a zero gradient only decays: theta * (1 - lr * 0.01)
    (AdamW(lr=R(1, 10)), 1, [0], R(999, 1000)),
])
def test_torch_edge_cases_exactly(opt, start, grads, expected):
    assert sp.simplify(_exact_step(opt, start, grads) - expected) == 0


def test_amsgrad_keeps_the_maximum_of_the_uncorrected_second_moment():
    opt = Adam(lr=0.1, amsgrad=True)
    p = np.array([1.0])
    for g in (3.0, 0.0):
        opt.step([p], [np.array([g])])
    state = opt._state[0]
    assert state["exp_avg_sq"][0] == pytest.approx(0.999 * 0.001 * 9)
    assert state["max_exp_avg_sq"][0] == pytest.approx(0.001 * 9)  # v_1, not v_1 / (1 - 0.999)


def test_packing_scalars_into_one_vector_changes_nothing():
    """Every operation is elementwise: one vector of P entries steps as P separate arrays."""
    packed = np.array([0.5, -1.0, 2.0])
    separate = [np.array([v]) for v in packed]
    a, b = Adam(lr=0.1, amsgrad=True), Adam(lr=0.1, amsgrad=True)
    for t in range(20):
        g = _gradient(packed, t)
        a.step([packed], [g])
        b.step(separate, [np.array([v]) for v in _gradient(np.concatenate(separate), t)])
    assert np.array_equal(packed, np.concatenate(separate))


def test_grads_are_never_changed():
    p, g = np.array([1.0, 2.0]), np.array([0.5, -0.5])
    for name in OPTIMIZERS:
        make_optimizer(name, {"lr": 0.1, "weight_decay": 0.1}).step([p], [g])
    assert g.tolist() == [0.5, -0.5]


def test_defaults_are_torchs():
    for name, cls in OPTIMIZERS.items():
        signature = inspect.signature(getattr(torch.optim, name).__init__).parameters
        for option, default in cls.defaults.items():
            assert signature[option].default == default, (name, option)


@pytest.mark.parametrize("build, message", [
    (lambda: make_optimizer("Adamax"), "unknown optimizer 'Adamax': choose from SGD, RMSprop"),
    (lambda: make_optimizer("sgd", {"learning_rate": 0.1}), "SGD has no option 'learning_rate'"),
    (lambda: SGD(lr=-1), "Invalid learning rate: -1"),
    (lambda: SGD(lr=0.1, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    (lambda: SGD(lr=0.1, momentum=-0.5), "Invalid momentum value: -0.5"),
    (lambda: SGD(lr="0.1"), "SGD: lr must be a number, got '0.1'"),
    (lambda: SGD(nesterov=1), "SGD: nesterov must be True or False, got 1"),
    (lambda: RMSprop(alpha=-0.1), "Invalid alpha value: -0.1"),
    (lambda: Adagrad(lr_decay=-1), "Invalid lr_decay value: -1"),
    (lambda: Adam(betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    (lambda: Adam(betas=(0.9,)), "betas must be a pair"),
    (lambda: AdamW(decoupled_weight_decay=False), "AdamW has no option 'decoupled_weight_decay'"),
    (lambda: Adam(eps=-1e-8), "Invalid epsilon value"),
])
def test_bad_options_are_named(build, message):
    with pytest.raises(TrainingError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build()


def test_a_step_with_the_wrong_number_of_arrays():
    opt = SGD(lr=0.1)
    opt.step([np.zeros(2)], [np.ones(2)])
    with pytest.raises(TrainingError, match="2 parameters, but the optimizer has state for 1"):
        opt.step([np.zeros(2), np.zeros(1)], [np.ones(2), np.ones(1)])
    with pytest.raises(TrainingError, match="1 parameters but 2 gradients"):
        opt.step([np.zeros(2)], [np.ones(2), np.ones(1)])


@pytest.mark.parametrize("opt, expected", [
    (SGD(lr=0.01), r"\begin{aligned}g_t &= \nabla_\theta \mathcal{L}(\theta_{t-1}) \\ "
                   r"\theta_t &= \theta_{t-1} - \eta\, g_t \\ &\text{with } \eta = 0.01\end{aligned}"),
    (SGD(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=1e-4),
     r"\begin{aligned}g_t &= \nabla_\theta \mathcal{L}(\theta_{t-1}) + \lambda\, \theta_{t-1} \\ "
     r"b_t &= \mu\, b_{t-1} + (1 - \tau)\, g_t, \quad b_1 = g_1 \\ \theta_t &= \theta_{t-1} - \eta\, b_t \\ "
     r"&\text{with } \eta = 0.1, \lambda = 0.0001, \mu = 0.9, \tau = 0.1\end{aligned}"),
    (RMSprop(centered=True), r"\begin{aligned}g_t &= \nabla_\theta \mathcal{L}(\theta_{t-1}) \\ "
     r"v_t &= \alpha\, v_{t-1} + (1 - \alpha)\, g_t^2, \quad v_0 = 0 \\ "
     r"\bar g_t &= \alpha\, \bar g_{t-1} + (1 - \alpha)\, g_t, \quad \bar g_0 = 0 \\ "
     r"s_t &= \sqrt{v_t - \bar g_t^2} + \epsilon \\ \theta_t &= \theta_{t-1} - \eta\, g_t / s_t \\ "
     r"&\text{with } \eta = 0.01, \alpha = 0.99, \epsilon = 10^{-8}\end{aligned}"),
    (Adagrad(lr_decay=0.5), r"\begin{aligned}g_t &= \nabla_\theta \mathcal{L}(\theta_{t-1}) \\ "
     r"\tilde\eta_t &= \eta / (1 + (t - 1)\, \gamma) \\ G_t &= G_{t-1} + g_t^2 \\ "
     r"\theta_t &= \theta_{t-1} - \tilde\eta_t\, g_t / (\sqrt{G_t} + \epsilon) \\ "
     r"&\text{with } \eta = 0.01, \epsilon = 10^{-10}, G_0 = 0, \gamma = 0.5\end{aligned}"),
    (Adam(lr=5e-5, amsgrad=True), r"\begin{aligned}g_t &= \nabla_\theta \mathcal{L}(\theta_{t-1}) \\ "
     r"m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t, \quad m_0 = 0 \\ "
     r"v_t &= \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2, \quad v_0 = 0 \\ "
     r"v^{\max}_t &= \max(v^{\max}_{t-1}, v_t), \quad v^{\max}_0 = 0 \\ "
     r"\theta_t &= \theta_{t-1} - \frac{\eta}{1 - \beta_1^t}\, \frac{m_t}{\sqrt{v^{\max}_t} / "
     r"\sqrt{1 - \beta_2^t} + \epsilon} \\ "
     r"&\text{with } \eta = 5 \cdot 10^{-5}, \beta_1 = 0.9, \beta_2 = 0.999, \epsilon = 10^{-8}\end{aligned}"),
    (AdamW(), r"\begin{aligned}g_t &= \nabla_\theta \mathcal{L}(\theta_{t-1}) \\ "
     r"\theta'_{t-1} &= (1 - \eta\lambda)\, \theta_{t-1} \\ "
     r"m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t, \quad m_0 = 0 \\ "
     r"v_t &= \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2, \quad v_0 = 0 \\ "
     r"\theta_t &= \theta'_{t-1} - \frac{\eta}{1 - \beta_1^t}\, \frac{m_t}{\sqrt{v_t} / \sqrt{1 - \beta_2^t} "
     r"+ \epsilon} \\ &\text{with } \eta = 0.001, \lambda = 0.01, \beta_1 = 0.9, \beta_2 = 0.999, "
     r"\epsilon = 10^{-8}\end{aligned}"),
])
def test_update_rules_in_latex(opt, expected):
    assert opt.latex() == expected


def test_a_step_over_no_parameters_does_nothing():
    from symgrad.numeric.optimizers import SGD
    optimizer = SGD(lr=0.1)
    optimizer.step([], [])
    assert optimizer.steps == 1

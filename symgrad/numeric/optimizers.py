r"""Optimizers: PyTorch 2.13's update rules on NumPy arrays, operation for operation.

Each class takes ``torch.optim``'s argument names and defaults and follows its single-tensor
(``foreach=False``) code, edge cases included: SGD's momentum buffer is the raw gradient on the
first step; RMSprop's buffers start at 0; Adam adds eps after the bias correction and AMSGrad keeps
the maximum of the uncorrected second moment; AdamW decays the weights first.

The contract (the numeric loops use it, and so does matrix mode):

- ``opt = make_optimizer("Adam", {"lr": 1e-3})`` (or ``Adam(lr=1e-3)``); ``opt.step(params, grads)``
  updates every array of ``params`` in place from the array of ``grads`` at the same position. The
  arrays may have any shapes (each gradient has its parameter's shape); ``grads`` are never changed.
  State (momentum buffers, moment estimates) is kept per position and created on the first step
  with the array's shape and dtype: pass the same arrays, in the same order, at every step.
- float64 and float32 arrays are computed in their own precision (a hyperparameter is rounded to the
  array's precision where torch rounds it). Object arrays of SymPy numbers are computed exactly:
  hyperparameters are read as the decimals they denote (0.9 is 9/10) and square roots stay exact.
- ``opt.lr`` is the current learning rate (a schedule changes it between steps); ``opt.steps``
  counts the steps taken; ``opt.latex()`` states the update rule with the hyperparameters.

Every operation is elementwise, so the scalar parameters of a model may be packed into one vector:
the numbers are those of torch stepping each parameter as its own tensor. (Torch's CPU kernels fuse
some multiply-adds, NumPy rounds each operation: the two agree to about one unit in the last place
per operation, not bit for bit.)
"""

import numbers as _abc

import numpy as np
import sympy

from ..core.errors import TrainingError
from ..core.numbers import exact

__all__ = ["Optimizer", "SGD", "RMSprop", "Adagrad", "Adam", "AdamW", "OPTIMIZERS", "make_optimizer"]


class _Floats:
    """Arithmetic for float arrays: hyperparameters as Python floats, which NumPy rounds to the
    array's precision inside each operation, as torch does."""

    sqrt = staticmethod(np.sqrt)

    @staticmethod
    def number(value):
        return float(value)

    @staticmethod
    def root(x):
        return x ** 0.5  # torch: bias_correction2 ** 0.5


class _Exact:
    """Arithmetic for object arrays of SymPy numbers: every number exact."""

    sqrt = staticmethod(np.frompyfunc(sympy.sqrt, 1, 1))
    number = staticmethod(exact)
    root = staticmethod(sympy.sqrt)


def _kind(array):
    return _Exact if array.dtype == object else _Floats


def _coupled(p, g, hp):
    """torch's first lines: the gradient negated to maximize, then ``weight_decay * p`` added to it."""
    if hp["maximize"]:
        g = -g
    if hp["weight_decay"] != 0:
        g = g + hp["weight_decay"] * p
    return g


def _lerp(a, b, weight):
    """``a.lerp_(b, weight)`` in place: ``a + w (b - a)`` when ``|w| < 1/2``, else ``b - (b - a)(1 - w)``."""
    w = a.dtype.type(weight)
    if abs(w) < 0.5:
        a += w * (b - a)
    else:
        a[...] = b - (b - a) * (1 - w)


class Optimizer:
    """The shared machinery: options checked against torch's names, state per position, ``step``.

    A subclass sets ``name`` (torch's class name) and ``defaults`` (torch's arguments and defaults)
    and defines ``_update(p, g, state, hp, lr, t)``, one parameter's update at step ``t``, with the
    hyperparameters ``hp`` and the learning rate ``lr`` in the array's arithmetic.
    """

    name = None
    defaults = {}

    def __init__(self, **options):
        unknown = [k for k in options if k not in self.defaults]
        if unknown:
            raise TrainingError(f"{self.name} has no option {unknown[0]!r}; its options are "
                                f"{', '.join(self.defaults)}")
        merged = {**self.defaults, **options}
        for key, value in merged.items():
            _check_type(self.name, key, value, self.defaults[key])
            if isinstance(value, list):
                merged[key] = tuple(value)
        self.options = merged
        self._validate(merged)
        self.lr = merged["lr"]
        self.steps = 0
        self._state = []
        self._kind = None  # the arithmetic of the arrays, known from the first step

    def _validate(self, o):
        _require(o["lr"] >= 0, f"Invalid learning rate: {o['lr']}")
        _require(o["weight_decay"] >= 0, f"Invalid weight_decay value: {o['weight_decay']}")

    def step(self, params, grads):
        """Update each array of ``params`` in place from the gradient at the same position."""
        if self._kind is None or len(params) != len(self._state) or len(grads) != len(params):
            self._start(params, grads)
        self.steps += 1
        kind, hp, t = self._kind, self._hp, self.steps
        lr = kind.number(self.lr)
        for p, g, state in zip(params, grads, self._state):
            self._update(p, g, state, hp, lr, t, kind)

    def _start(self, params, grads):
        """Check the arrays and, on the first step, create the state and the arithmetic for them."""
        if len(params) != len(grads):
            raise TrainingError(f"{self.name}.step: {len(params)} parameters but {len(grads)} gradients")
        if self._state:
            raise TrainingError(f"{self.name}.step: {len(params)} parameters, but the optimizer has "
                                f"state for {len(self._state)}")
        self._kind = _kind(params[0]) if params else _Floats
        self._hp = self._numbers(self._kind)
        self._state = [self._init_state(p) for p in params]

    def _numbers(self, kind):
        """The options in ``kind``'s arithmetic (booleans stay booleans)."""
        def convert(v):
            if isinstance(v, bool):
                return v
            return tuple(kind.number(x) for x in v) if isinstance(v, tuple) else kind.number(v)
        return {k: convert(v) for k, v in self.options.items() if k != "lr"}

    def _init_state(self, p):
        return {}

    def _update(self, p, g, state, hp, lr, t, kind):  # pragma: no cover - each optimizer defines it
        raise NotImplementedError

    def latex(self):
        r"""The update rule as a LaTeX ``aligned`` block, ending with the hyperparameters' values."""
        lines = self._rule()
        values = ", ".join(f"{symbol} = {_latex_number(v)}" for symbol, v in self._values())
        lines.append(r"&\text{with } " + values)
        return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"

    def _values(self):
        """The ``(LaTeX symbol, value)`` pairs of the hyperparameters the rule mentions."""
        o = self.options
        return [(r"\eta", o["lr"])] + ([(r"\lambda", o["weight_decay"])] if o["weight_decay"] else [])

    def _gradient_line(self, decay=True):
        grad = (r"-" if self.options.get("maximize") else "") + r"\nabla_\theta \mathcal{L}(\theta_{t-1})"
        if decay and self.options["weight_decay"] != 0:
            grad += r" + \lambda\, \theta_{t-1}"
        return "g_t &= " + grad

    def __repr__(self):
        changed = ", ".join(f"{k}={v!r}" for k, v in self.options.items() if v != self.defaults[k])
        return f"{self.name}({changed})"


class SGD(Optimizer):
    r"""Stochastic gradient descent: $\theta \leftarrow \theta - \eta g$, with optional momentum
    $b_t = \mu b_{t-1} + (1 - \tau) g_t$ ($b_1 = g_1$), Nesterov's look-ahead and weight decay."""

    name = "SGD"
    defaults = {"lr": 1e-3, "momentum": 0, "dampening": 0, "weight_decay": 0, "nesterov": False,
                "maximize": False}

    def _validate(self, o):
        super()._validate(o)
        _require(o["momentum"] >= 0, f"Invalid momentum value: {o['momentum']}")
        _require(not o["nesterov"] or (o["momentum"] > 0 and o["dampening"] == 0),
                 "Nesterov momentum requires a momentum and zero dampening")

    def _update(self, p, g, state, hp, lr, t, kind):
        g = _coupled(p, g, hp)
        momentum = hp["momentum"]
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.array(g, dtype=p.dtype)  # an array even when 0-d
            else:
                buf *= momentum
                buf += (1 - hp["dampening"]) * g
            g = g + momentum * buf if hp["nesterov"] else buf
        p -= lr * g

    def _rule(self):
        o = self.options
        lines = [self._gradient_line()]
        if o["momentum"] == 0:
            return lines + [r"\theta_t &= \theta_{t-1} - \eta\, g_t"]
        damped = r"(1 - \tau)\, g_t" if o["dampening"] != 0 else "g_t"
        lines.append(r"b_t &= \mu\, b_{t-1} + " + damped + r", \quad b_1 = g_1")
        step = r"(g_t + \mu\, b_t)" if o["nesterov"] else "b_t"
        return lines + [r"\theta_t &= \theta_{t-1} - \eta\, " + step]

    def _values(self):
        o = self.options
        momentum = [(r"\mu", o["momentum"])] + ([(r"\tau", o["dampening"])] if o["dampening"] else [])
        return super()._values() + (momentum if o["momentum"] else [])


class RMSprop(Optimizer):
    r"""RMSprop: $v_t = \alpha v_{t-1} + (1-\alpha) g_t^2$, $\theta \leftarrow \theta - \eta\, g_t /
    (\sqrt{v_t} + \epsilon)$; centered subtracts the squared mean gradient; momentum buffers from 0."""

    name = "RMSprop"
    defaults = {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0, "momentum": 0, "centered": False,
                "maximize": False}

    def _validate(self, o):
        super()._validate(o)
        _require(o["eps"] >= 0, f"Invalid epsilon value: {o['eps']}")
        _require(o["momentum"] >= 0, f"Invalid momentum value: {o['momentum']}")
        _require(o["alpha"] >= 0, f"Invalid alpha value: {o['alpha']}")

    def _init_state(self, p):
        state = {"square_avg": np.zeros_like(p)}
        if self.options["momentum"] > 0:
            state["momentum_buffer"] = np.zeros_like(p)
        if self.options["centered"]:
            state["grad_avg"] = np.zeros_like(p)
        return state

    def _update(self, p, g, state, hp, lr, t, kind):
        g = _coupled(p, g, hp)
        alpha = hp["alpha"]
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * g * g
        if hp["centered"]:
            grad_avg = state["grad_avg"]
            _lerp(grad_avg, g, 1 - alpha)
            avg = kind.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = kind.sqrt(square_avg)
        avg = avg + hp["eps"]
        if hp["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= hp["momentum"]
            buf += g / avg
            p -= lr * buf
        else:
            p += (-lr * g) / avg

    def _rule(self):
        o = self.options
        lines = [self._gradient_line(), r"v_t &= \alpha\, v_{t-1} + (1 - \alpha)\, g_t^2, \quad v_0 = 0"]
        if o["centered"]:
            lines.append(r"\bar g_t &= \alpha\, \bar g_{t-1} + (1 - \alpha)\, g_t, \quad \bar g_0 = 0")
            lines.append(r"s_t &= \sqrt{v_t - \bar g_t^2} + \epsilon")
        else:
            lines.append(r"s_t &= \sqrt{v_t} + \epsilon")
        if o["momentum"] > 0:
            lines.append(r"b_t &= \mu\, b_{t-1} + g_t / s_t, \quad b_0 = 0")
            return lines + [r"\theta_t &= \theta_{t-1} - \eta\, b_t"]
        return lines + [r"\theta_t &= \theta_{t-1} - \eta\, g_t / s_t"]

    def _values(self):
        o = self.options
        return super()._values() + [(r"\alpha", o["alpha"]), (r"\epsilon", o["eps"])] + \
            ([(r"\mu", o["momentum"])] if o["momentum"] else [])


class Adagrad(Optimizer):
    r"""Adagrad: $G_t = G_{t-1} + g_t^2$, $\theta \leftarrow \theta - \tilde\eta_t\, g_t / (\sqrt{G_t} +
    \epsilon)$ with $\tilde\eta_t = \eta / (1 + (t - 1)\gamma)$ and $G_0$ the initial accumulator."""

    name = "Adagrad"
    defaults = {"lr": 1e-2, "lr_decay": 0, "weight_decay": 0, "initial_accumulator_value": 0, "eps": 1e-10,
                "maximize": False}

    def _validate(self, o):
        super()._validate(o)
        _require(o["lr_decay"] >= 0, f"Invalid lr_decay value: {o['lr_decay']}")
        _require(o["initial_accumulator_value"] >= 0,
                 f"Invalid initial_accumulator_value value: {o['initial_accumulator_value']}")
        _require(o["eps"] >= 0, f"Invalid epsilon value: {o['eps']}")

    def _init_state(self, p):
        total = np.empty_like(p)
        total[...] = _kind(p).number(self.options["initial_accumulator_value"])
        return {"sum": total}

    def _update(self, p, g, state, hp, lr, t, kind):
        g = _coupled(p, g, hp)
        clr = lr / (1 + (t - 1) * hp["lr_decay"])
        total = state["sum"]
        total += g * g
        std = kind.sqrt(total) + hp["eps"]
        p += (-clr * g) / std

    def _rule(self):
        decay = self.options["lr_decay"] != 0
        eta = r"\tilde\eta_t" if decay else r"\eta"
        lines = [self._gradient_line()]
        if decay:
            lines.append(r"\tilde\eta_t &= \eta / (1 + (t - 1)\, \gamma)")
        lines.append(r"G_t &= G_{t-1} + g_t^2")
        return lines + [r"\theta_t &= \theta_{t-1} - " + eta + r"\, g_t / (\sqrt{G_t} + \epsilon)"]

    def _values(self):
        o = self.options
        return super()._values() + [(r"\epsilon", o["eps"]), ("G_0", o["initial_accumulator_value"])] + \
            ([(r"\gamma", o["lr_decay"])] if o["lr_decay"] else [])


class Adam(Optimizer):
    r"""Adam: $m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t$, $v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2$,
    $\theta \leftarrow \theta - \frac{\eta}{1-\beta_1^t}\, m_t / (\sqrt{v_t}/\sqrt{1-\beta_2^t} + \epsilon)$;
    AMSGrad uses the running maximum of $v_t$; decoupled weight decay scales $\theta$ by $1 - \eta\lambda$ first."""

    name = "Adam"
    defaults = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0, "amsgrad": False,
                "maximize": False, "decoupled_weight_decay": False}

    def _validate(self, o):
        super()._validate(o)
        _require(o["eps"] >= 0, f"Invalid epsilon value: {o['eps']}")
        _require(len(o["betas"]) == 2, f"betas must be a pair, got {o['betas']!r}")
        for i, beta in enumerate(o["betas"]):
            _require(0 <= beta < 1, f"Invalid beta parameter at index {i}: {beta}")

    def _init_state(self, p):
        state = {"exp_avg": np.zeros_like(p), "exp_avg_sq": np.zeros_like(p)}
        if self.options["amsgrad"]:
            state["max_exp_avg_sq"] = np.zeros_like(p)
        return state

    @property
    def _decoupled(self):
        return self.options["decoupled_weight_decay"]

    def _update(self, p, g, state, hp, lr, t, kind):
        if self._decoupled and hp["weight_decay"] != 0:
            p *= 1 - lr * hp["weight_decay"]
            g = -g if hp["maximize"] else g
        else:
            g = _coupled(p, g, hp)
        beta1, beta2 = hp["betas"]
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        _lerp(exp_avg, g, 1 - beta1)
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * g * g
        step_size = lr / (1 - beta1 ** t)
        bias_correction2_sqrt = kind.root(1 - beta2 ** t)
        if hp["amsgrad"]:
            second = state["max_exp_avg_sq"]
            np.maximum(second, exp_avg_sq, out=second)
        else:
            second = exp_avg_sq
        denom = kind.sqrt(second) / bias_correction2_sqrt + hp["eps"]
        p += (-step_size * exp_avg) / denom

    def _rule(self):
        o = self.options
        decoupled = o["weight_decay"] != 0 and self._decoupled
        lines = [self._gradient_line(decay=not decoupled)]
        previous = r"\theta_{t-1}"
        if decoupled:
            lines.append(r"\theta'_{t-1} &= (1 - \eta\lambda)\, \theta_{t-1}")
            previous = r"\theta'_{t-1}"
        lines += [r"m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t, \quad m_0 = 0",
                  r"v_t &= \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2, \quad v_0 = 0"]
        second = "v_t"
        if o["amsgrad"]:
            lines.append(r"v^{\max}_t &= \max(v^{\max}_{t-1}, v_t), \quad v^{\max}_0 = 0")
            second = r"v^{\max}_t"
        return lines + [r"\theta_t &= " + previous + r" - \frac{\eta}{1 - \beta_1^t}\, \frac{m_t}{\sqrt{"
                        + second + r"} / \sqrt{1 - \beta_2^t} + \epsilon}"]

    def _values(self):
        o = self.options
        return super()._values() + list(zip((r"\beta_1", r"\beta_2"), o["betas"])) + [(r"\epsilon", o["eps"])]


class AdamW(Adam):
    r"""AdamW: Adam with decoupled weight decay, $\theta \leftarrow (1 - \eta\lambda)\theta$ before the
    moments; torch's default ``weight_decay`` is 0.01."""

    name = "AdamW"
    defaults = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 1e-2, "amsgrad": False,
                "maximize": False}
    _decoupled = True


OPTIMIZERS = {cls.name: cls for cls in (SGD, RMSprop, Adagrad, Adam, AdamW)}


def make_optimizer(name, options=None):
    """The optimizer called ``name`` (torch's class name, any case) with ``options`` (torch's names)."""
    by_lower = {k.lower(): cls for k, cls in OPTIMIZERS.items()}
    cls = by_lower.get(str(name).lower())
    if cls is None:
        raise TrainingError(f"unknown optimizer {name!r}: choose from {', '.join(OPTIMIZERS)}")
    return cls(**dict(options or {}))


def _require(condition, message):
    if not condition:
        raise TrainingError(message)


def _check_type(optimizer, key, value, default):
    if isinstance(default, bool):
        ok = isinstance(value, (bool, np.bool_))
        kind = "True or False"
    elif isinstance(default, tuple):
        ok = isinstance(value, (tuple, list)) and all(_is_real(v) for v in value)
        kind = "a pair of numbers"
    else:
        ok = _is_real(value)
        kind = "a number"
    if not ok:
        raise TrainingError(f"{optimizer}: {key} must be {kind}, got {value!r}")


def _is_real(value):
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, sympy.Basic):
        return bool(value.is_real) and value.is_number
    return isinstance(value, _abc.Real)


def _latex_number(value):
    """A hyperparameter as written: ``0.01``, ``10^{-8}``, ``5 \\cdot 10^{-5}``, ``\\frac{1}{3}``."""
    if isinstance(value, sympy.Basic):
        return sympy.latex(value)
    if isinstance(value, _abc.Integral):
        return str(int(value))
    text = repr(float(value))
    if "e" not in text:
        return text
    mantissa, power = text.split("e")
    power = str(int(power))
    return f"10^{{{power}}}" if float(mantissa) == 1 else f"{mantissa} \\cdot 10^{{{power}}}"

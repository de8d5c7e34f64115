"""``from_torch``: a torch ``nn.Sequential`` as a matrix-mode model, with its parameters copied, so a
torch user can ask for the derivation of their own network; and ``to_torch``, the way back (the
torch twin of a model). Torch is imported only when they are called (or :class:`SelfAttentionBlock`
first named)."""

import functools

from ..core.errors import NoDerivativeRuleError, SettingError, SymgradError
from ..core.operations import RowWise, matrix_activations
from .network import Activation, AvgPool2d, BatchNorm1d, Conv2d, Dropout, Flatten, LayerNorm, Linear, MaxPool2d
from .network import BatchNorm2d, Embedding, Model, Network, SelfAttention

__all__ = ["from_torch", "to_torch", "SelfAttentionBlock"]


def supported():
    """The ``torch.nn`` modules matrix mode reads: Linear, Dropout, Flatten, the normalisations, the image
    layers and each registered activation's module."""
    return ("Linear", "Dropout", "Flatten", "BatchNorm1d", "LayerNorm", "Conv2d", "MaxPool2d", "AvgPool2d",
            "BatchNorm2d", "Embedding", "MultiheadAttention", "SelfAttentionBlock",
            *dict.fromkeys(op.torch_module for op in matrix_activations().values() if op.torch_module))


def from_torch(module, dtype=None, input_shape=None):
    """The :class:`~.network.Model` of an ``nn.Sequential`` of ``Linear``, ``BatchNorm1d`` (affine, with
    running statistics; its buffers are copied too), ``LayerNorm`` (over the last dimension, with its
    affine weight and bias) and the modules of the registered activations (:func:`supported`: ``ReLU``,
    ``Sigmoid``, ``Tanh``, ``Softplus`` (``beta=1``), ``LeakyReLU``, ``ELU``, ``SELU``, ``GELU`` (both forms), ``SiLU``, ``Mish``,
    ``Softsign``, ``Hardtanh``, ``Hardsigmoid``, ``Hardswish``, ``LogSigmoid`` with their settings
    (``LeakyReLU(0.2)``, ``ELU(alpha)``, ``Hardtanh(min_val, max_val)``), and ``LogSoftmax`` and
    ``Softmax`` over ``dim=1``), ``Dropout(p)`` and ``Flatten()``, and,
    for images (then ``input_shape`` = ``(C, H, W)``), ``Conv2d`` (square kernel, one stride and zero
    padding for both axes, no dilation or groups), ``MaxPool2d`` and ``AvgPool2d`` (square, no padding,
    torch's other defaults) and ``BatchNorm2d`` (as ``BatchNorm1d``, with its buffers).

    Without ``input_shape`` matrix mode's values are ``N x k`` (a sample is a row), on which
    ``nn.Flatten()`` (``start_dim=1``) is the identity: it is read as no layer at all (and ``to_torch``
    writes none).

    A first ``nn.Embedding(num_embeddings, embedding_dim)`` (no ``padding_idx``, ``max_norm``,
    ``scale_grad_by_freq`` or ``sparse``) takes a vector of token indices. One head of self-attention is
    an ``nn.MultiheadAttention(d, num_heads=1)`` (``bias=True``, no ``kdim``/``vdim`` of their own,
    ``add_bias_kv`` or ``add_zero_attn``, ``dropout=0``) applied to an unbatched ``(N, d)`` input as
    ``mha(x, x, x)``: the ``N`` rows of a batch are one sequence. An ``nn.Sequential`` cannot call an MHA
    (it needs query, key and value), so a torch model holds it in a wrapper: :class:`SelfAttentionBlock`
    (``forward(x) = mha(x, x, x, need_weights=False)[0]``) is read, and so is a bare MHA in the chain (read
    as that block); for a wrapper of your own, put its MHA in a ``SelfAttentionBlock`` (or in the
    ``nn.Sequential``) instead. ``in_proj_weight`` is split into ``Wq, Wk, Wv``, ``in_proj_bias`` into
    ``bq, bk, bv``; ``out_proj`` is ``Wo, bo``.

    Parameters are copied (``dtype`` None keeps torch's, else ``"float32"`` or ``"float64"``); the
    torch module is not changed. symgrad's softplus is ``log(1 + e^z)`` everywhere, where torch's
    switches to ``z`` above its threshold (20): the two differ there by less than ``e^{-20}``.
    """
    import torch

    if not isinstance(module, torch.nn.Sequential):
        raise SymgradError(f"from_torch takes an nn.Sequential, got {type(module).__name__}")
    layers, values, buffers, depth, norms = [], {}, {}, 0, 0
    for position, child in enumerate(module):
        kind = type(child).__name__
        where = f"layer {position} ({kind})"
        if isinstance(child, torch.nn.Linear) or type(child) is torch.nn.Conv2d:
            depth, norms = depth + 1, 0
            layers.append(Linear(child.in_features, child.out_features, child.bias is not None)
                          if isinstance(child, torch.nn.Linear) else _conv2d(child, where))
            values[f"W{depth}"] = _array(child.weight, dtype)
            if child.bias is not None:
                values[f"b{depth}"] = _array(child.bias, dtype)
        elif type(child) is torch.nn.Dropout:
            layers.append(Dropout(child.p))
        elif type(child) in (torch.nn.MaxPool2d, torch.nn.AvgPool2d, torch.nn.Flatten):
            layer = _image_layer(child, kind, where)
            if input_shape is not None or not isinstance(layer, Flatten):
                layers.append(layer)
        elif type(child) in (torch.nn.BatchNorm1d, torch.nn.LayerNorm, torch.nn.BatchNorm2d):
            norms += 1
            suffix = f"{depth}" + (f"_{norms}" if norms > 1 else "")
            layers.append(_norm(child, kind, where))
            values[f"gamma{suffix}"], values[f"beta{suffix}"] = _array(child.weight, dtype), _array(child.bias, dtype)
            if kind in ("BatchNorm1d", "BatchNorm2d"):
                for key in ("running_mean", "running_var", "num_batches_tracked"):
                    tensor = getattr(child, key)
                    buffers[f"H{suffix}.{key}"] = _array(tensor, None if key == "num_batches_tracked" else dtype)
        elif type(child) in (torch.nn.Embedding, torch.nn.MultiheadAttention, _block_class()):
            depth, norms = depth + 1, 0
            layers.append(_sequence_layer(child, kind, where, depth, values, dtype))
        elif kind in supported() and type(child) is getattr(torch.nn, kind):
            layers.append(_activation(child, kind, where))
        else:
            raise NoDerivativeRuleError(f"matrix mode has no rule for {where}: an nn.Sequential may hold "
                                        f"{', '.join(supported())}")
    return Model(Network(layers, input_shape), values, buffers)


def _sequence_layer(child, kind, where, depth, values, dtype):
    """The :class:`~.network.Embedding` or :class:`~.network.SelfAttention` of ``child`` at ``depth``,
    its parameters copied into ``values`` by name (``W``; ``Wq, bq, Wk, bk, Wv, bv, Wo, bo``)."""
    if kind == "Embedding":
        _refuse(where, [("padding_idx", child.padding_idx, None), ("max_norm", child.max_norm, None),
                        ("scale_grad_by_freq", child.scale_grad_by_freq, False), ("sparse", child.sparse, False)])
        values[f"W{depth}"] = _array(child.weight, dtype)
        return Embedding(child.num_embeddings, child.embedding_dim)
    mha = child if kind == "MultiheadAttention" else child.mha
    d = mha.embed_dim
    _refuse(where, [("num_heads", mha.num_heads, 1), ("kdim", mha.kdim, d), ("vdim", mha.vdim, d),
                    ("add_bias_kv", mha.bias_k is not None, False), ("add_zero_attn", mha.add_zero_attn, False),
                    ("dropout", mha.dropout, 0.0), ("bias", mha.in_proj_bias is not None, True)])
    weights, biases = _array(mha.in_proj_weight, dtype), _array(mha.in_proj_bias, dtype)
    for i, p in enumerate("qkv"):
        values[f"W{p}{depth}"], values[f"b{p}{depth}"] = weights[i * d:(i + 1) * d], biases[i * d:(i + 1) * d]
    values[f"Wo{depth}"], values[f"bo{depth}"] = _array(mha.out_proj.weight, dtype), _array(mha.out_proj.bias, dtype)
    return SelfAttention(d)


@functools.cache
def _block_class():
    """The class :class:`SelfAttentionBlock`, made at its first use (it needs torch)."""
    import torch

    class SelfAttentionBlock(torch.nn.Module):
        """One head of self-attention as a module of an ``nn.Sequential``: ``forward(x) = mha(x, x, x,
        need_weights=False)[0]`` for an unbatched ``(N, d)`` input. ``attention`` is an
        ``nn.MultiheadAttention`` or its ``embed_dim`` (then ``nn.MultiheadAttention(d, 1, **options)``)."""

        def __init__(self, attention, **options):
            super().__init__()
            self.mha = torch.nn.MultiheadAttention(attention, 1, **options) if isinstance(attention, int) \
                else attention

        def forward(self, x):
            return self.mha(x, x, x, need_weights=False)[0]

    SelfAttentionBlock.__module__, SelfAttentionBlock.__qualname__ = __name__, "SelfAttentionBlock"
    return SelfAttentionBlock


def __getattr__(name):
    """``SelfAttentionBlock``, made when first named (torch is imported then)."""
    if name == "SelfAttentionBlock":
        return _block_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _norm(child, kind, where):
    """The matrix-mode layer of an ``nn.BatchNorm1d``, ``nn.BatchNorm2d`` or ``nn.LayerNorm`` that matrix
    mode computes: affine, with running statistics and a momentum (batch norm), over one dimension (layer norm)."""
    if kind in ("BatchNorm1d", "BatchNorm2d"):
        if not child.affine or not child.track_running_stats or child.momentum is None:
            raise NoDerivativeRuleError(f"{where}: matrix mode's {kind} has affine=True, "
                                        f"track_running_stats=True and a momentum, got affine={child.affine}, "
                                        f"track_running_stats={child.track_running_stats}, momentum={child.momentum}")
        return (BatchNorm1d if kind == "BatchNorm1d" else BatchNorm2d)(child.num_features, child.eps, child.momentum)
    if len(child.normalized_shape) != 1 or child.weight is None or child.bias is None:
        raise NoDerivativeRuleError(f"{where}: matrix mode's LayerNorm is over one dimension with a weight and "
                                    f"a bias, got normalized_shape={tuple(child.normalized_shape)}, "
                                    f"elementwise_affine={child.elementwise_affine}")
    return LayerNorm(child.normalized_shape[0], child.eps)


def _refuse(where, settings):
    """Refuse a module whose settings (``(name, value, wanted)``) are not those matrix mode computes."""
    wrong = [f"{name}={value!r}" for name, value, wanted in settings if value != wanted]
    if wrong:
        raise NoDerivativeRuleError(f"matrix mode has no rule for {where} with {', '.join(wrong)}")


def _square(value):
    return value[0] if isinstance(value, tuple) and len(set(value)) == 1 else value


def _conv2d(child, where):
    _refuse(where, [("dilation", child.dilation, (1, 1)), ("groups", child.groups, 1),
                    ("padding_mode", child.padding_mode, "zeros")])
    kernel, stride, padding = (_square(v) for v in (child.kernel_size, child.stride, child.padding))
    _refuse(where, [(key, value, "one size for both axes") for key, value in
                    (("kernel_size", kernel), ("stride", stride), ("padding", padding)) if not isinstance(value, int)])
    return Conv2d(child.in_channels, child.out_channels, kernel, stride, padding, child.bias is not None)


def _image_layer(child, kind, where):
    if kind == "Flatten":
        _refuse(where, [("start_dim", child.start_dim, 1), ("end_dim", child.end_dim, -1)])
        return Flatten()
    kernel, stride = _square(child.kernel_size), _square(child.stride)
    settings = [("padding", _square(child.padding), 0), ("ceil_mode", child.ceil_mode, False)]
    if kind == "MaxPool2d":
        settings += [("dilation", _square(child.dilation), 1), ("return_indices", child.return_indices, False)]
    else:
        settings += [("divisor_override", child.divisor_override, None)]
    _refuse(where, settings + [(key, value, "one size for both axes") for key, value in
                               (("kernel_size", kernel), ("stride", stride)) if not isinstance(value, int)])
    return (MaxPool2d if kind == "MaxPool2d" else AvgPool2d)(kernel, stride)


def _activation(child, kind, where):
    """The matrix-mode :class:`~.network.Activation` of the registered activation that the module
    ``child`` is: the one whose ``torch_options`` the module has (``nn.GELU(approximate="tanh")`` is
    ``gelu_tanh``), with the module's settings (``nn.LeakyReLU(0.2)``'s ``negative_slope``)."""
    candidates = [op for op in matrix_activations().values() if op.torch_module == kind]
    op = next((op for op in candidates if all(getattr(child, k, None) == v for k, v in op.torch_options)), None)
    if op is None:
        options = ", ".join(f"{k}={getattr(child, k, None)!r}" for k, _ in candidates[0].torch_options)
        raise NoDerivativeRuleError(f"{where}: matrix mode has no rule for {kind} with {options}")
    if isinstance(op.matrix, RowWise) and child.dim not in (1, -1):
        raise NoDerivativeRuleError(f"{where}: matrix mode takes {kind} over the classes (dim=1), "
                                    f"got dim={child.dim}")
    if getattr(child, "beta", 1) != 1:  # torch's Softplus(beta)
        raise NoDerivativeRuleError(f"{where}: matrix mode's {op.matrix_name} has beta=1, got beta={child.beta}")
    try:
        return Activation(op.matrix_name, **{name: getattr(child, name) for name in op.parameters})
    except SettingError as error:
        raise SettingError(f"{where}: {error}") from None


def _array(parameter, dtype):
    value = parameter.detach().cpu().numpy().copy()
    return value if dtype is None else value.astype(dtype)


def to_torch(model):
    """The ``nn.Sequential`` of a :class:`~.network.Model`: its layers as torch's modules (softmax and
    log-softmax over ``dim=1``, a dropout as ``nn.Dropout(p)``, a self-attention as a :class:`SelfAttentionBlock`
    of ``nn.MultiheadAttention(d, 1)``), with a copy of its parameters and its batch
    norms' buffers in its dtype."""
    import torch

    modules, parameters = [], iter(model.parameters.values())  # W1, b1, W2, ...: the layers' order
    norms = iter(model.network.batch_norms())
    dtype = getattr(torch, model.dtype.name)
    for layer in model.network.layers:
        if isinstance(layer, (Linear, Conv2d, BatchNorm1d, LayerNorm)):
            if isinstance(layer, Linear):
                module = torch.nn.Linear(layer.in_features, layer.out_features, layer.bias, dtype=dtype)
            elif isinstance(layer, Conv2d):
                module = torch.nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride,
                                         layer.padding, bias=layer.bias, dtype=dtype)
            elif isinstance(layer, BatchNorm1d):  # or BatchNorm2d
                module = getattr(torch.nn, type(layer).__name__)(layer.num_features, layer.eps, layer.momentum,
                                                                 dtype=dtype)
                name = next(norms).name
                with torch.no_grad():
                    for key, tensor in module.named_buffers():
                        tensor.copy_(torch.from_numpy(model.buffers[f"{name}.{key}"]))
            else:
                module = torch.nn.LayerNorm(layer.normalized_shape, layer.eps, dtype=dtype)
            with torch.no_grad():
                for tensor in module.parameters():
                    tensor.copy_(torch.from_numpy(next(parameters)))
            modules.append(module)
        elif isinstance(layer, (Embedding, SelfAttention)):
            modules.append(_sequence_module(torch, layer, parameters, dtype))
        elif isinstance(layer, Dropout):
            modules.append(torch.nn.Dropout(layer.p))
        elif isinstance(layer, Flatten):
            modules.append(torch.nn.Flatten())
        elif isinstance(layer, (MaxPool2d, AvgPool2d)):
            modules.append(getattr(torch.nn, type(layer).__name__)(layer.kernel_size, layer.stride))
        else:
            op = matrix_activations()[layer.kind]
            module = getattr(torch.nn, op.torch_module)
            modules.append(module(dim=1) if isinstance(op.matrix, RowWise) else
                           module(**dict(op.torch_options), **{k: float(v) for k, v in layer.settings}))
    return torch.nn.Sequential(*modules)


def _sequence_module(torch, layer, parameters, dtype):
    """``nn.Embedding``, or a :class:`SelfAttentionBlock` of ``nn.MultiheadAttention(d, 1)``, with the
    layer's next parameters (``W``; ``Wq, bq, Wk, bk, Wv, bv, Wo, bo``) copied in."""
    if isinstance(layer, Embedding):
        module = torch.nn.Embedding(layer.num_embeddings, layer.embedding_dim, dtype=dtype)
        with torch.no_grad():
            module.weight.copy_(torch.from_numpy(next(parameters)))
        return module
    wq, bq, wk, bk, wv, bv, wo, bo = (torch.from_numpy(next(parameters)) for _ in range(8))
    block = _block_class()(layer.embed_dim, dtype=dtype)
    with torch.no_grad():
        block.mha.in_proj_weight.copy_(torch.cat([wq, wk, wv]))
        block.mha.in_proj_bias.copy_(torch.cat([bq, bk, bv]))
        block.mha.out_proj.weight.copy_(wo)
        block.mha.out_proj.bias.copy_(bo)
    return block

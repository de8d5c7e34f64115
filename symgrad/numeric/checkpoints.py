"""Parameters saved to a JSON file and loaded back, exact values kept exact (S0's ``torch.save`` and
``load`` step).

The file is ``{"format": "symgrad-parameters", "version": 1, "mode": ..., "parameters": {name: value}}``.
float64 values are JSON numbers written by ``repr``, so they read back bit for bit; float32 values are
written as the float64 numbers equal to them; exact values are strings ``"p/q"`` (rationals only:
symgrad never evaluates text, so an exact ``sqrt(2)`` cannot be written back).
"""

import json
from pathlib import Path

import numpy as np
import sympy

from ..core.errors import ParameterFileError, SymgradError
from ..core.files import write_atomically
from .loops import History
from ..core.numbers import exact

__all__ = ["save_parameters", "load_parameters"]

FORMAT, VERSION = "symgrad-parameters", 1


def save_parameters(path, parameters, mode=None):
    """Write ``parameters`` (a mapping from names or symbols to values, or a :class:`History`, whose
    final parameters and mode are saved) to ``path``, whole. ``mode`` defaults to the values' own kind."""
    if isinstance(parameters, History):
        parameters, mode = parameters.final, parameters.mode if mode is None else mode
    values = {str(getattr(k, "name", k)): v for k, v in parameters.items()}
    mode = mode or _mode_of(values.values())
    written = {name: _written(name, value, mode) for name, value in values.items()}
    document = {"format": FORMAT, "version": VERSION, "mode": mode, "parameters": written}
    write_atomically(path, json.dumps(document, indent=2) + "\n")


def load_parameters(path):
    """The parameters a :func:`save_parameters` file holds, by name: SymPy rationals (exact mode),
    Python floats (float64) or NumPy float32 numbers."""
    try:
        document = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ParameterFileError(f"cannot read parameters from {path}: {error}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ParameterFileError(f"{path} is not a symgrad parameters file")
    mode, values = document.get("mode"), document.get("parameters")
    if mode not in ("exact", "float64", "float32") or not isinstance(values, dict):
        raise ParameterFileError(f"{path}: the mode or the parameters are missing")
    return {name: _read(path, name, value, mode) for name, value in values.items()}


def _mode_of(values):
    values = list(values)
    if any(isinstance(v, sympy.Basic) for v in values):
        return "exact"
    return "float32" if values and all(isinstance(v, np.float32) for v in values) else "float64"


def _written(name, value, mode):
    if mode == "exact":
        value = exact(value)
        if not value.is_Rational:
            raise ParameterFileError(f"only rational values can be saved exactly: {name} = {value}; "
                                     "save the float64 run instead")
        return str(value)
    return float(np.float32(value)) if mode == "float32" else float(value)


def _read(path, name, value, mode):
    if mode == "exact":
        if isinstance(value, str):
            try:
                return exact(value)
            except SymgradError:
                pass
        raise ParameterFileError(f"{path}: the exact value of {name} must be a rational like \"479/500\", "
                                 f"got {value!r}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParameterFileError(f"{path}: the value of {name} must be a number, got {value!r}")
    return np.float32(value) if mode == "float32" else float(value)

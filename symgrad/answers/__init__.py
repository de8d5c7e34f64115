"""Checking students' answers: ``Question(...).check(answer) -> Verdict``, with the mistake a wrong
answer shows and feedback a student can act on, safe against anything a student types.

Modules: ``question`` (the API; the tasks it sets are :mod:`symgrad.explain.tasks`),
``tokens``/``spellings``/``parsing`` (reading LaTeX through latex2sympy2_extended; ``problems`` and
``limits``: what cannot be read),
``equivalence``, ``mistakes``/``missteps`` (typical wrong answers), ``marking`` (one ``verdict``, with the
sentences of ``feedback``, and a derivation line by line), ``sandbox`` (the worker process and its limits),
``keys``, ``grading`` and ``report`` (a class at once).
"""

from .equivalence import Tolerance
from .limits import Limits
from .marking import DerivationCheck
from .mistakes import MISTAKES
from .question import MatrixQuestion, Question, matrix_symbols
from .verdict import Verdict

__all__ = ["Question", "MatrixQuestion", "matrix_symbols", "Verdict", "DerivationCheck", "MISTAKES", "Tolerance",
           "Limits"]

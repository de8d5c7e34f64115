"""The limits an answer must stay within. Sizes are checked before and while parsing; time and
memory are enforced by the worker process that checks answers (:mod:`symgrad.answers.sandbox`)."""

from dataclasses import dataclass

__all__ = ["Limits", "DEFAULT_LIMITS"]


@dataclass(frozen=True)
class Limits:
    """``max_length`` characters, ``max_tokens`` tokens, brackets nested ``max_depth`` deep and
    superscripts ``max_script_depth`` deep; numbers of at most ``max_digits`` digits; a numeric
    exponent of at most ``max_exponent`` in absolute value and an exact power of at most ``max_bits``
    bits; an answer of at most ``max_operations`` operations once read. A check takes at most
    ``seconds`` of wall-clock time and its worker at most ``memory_mb`` MB above what it started with;
    preparing a question (its right and typical wrong answers) at most ``prepare_seconds``."""

    max_length: int = 2000
    max_tokens: int = 600
    max_depth: int = 20
    max_script_depth: int = 3
    max_digits: int = 30
    max_exponent: int = 1000
    max_bits: int = 20000
    max_operations: int = 1500
    seconds: float = 1.5
    memory_mb: int = 512
    prepare_seconds: float = 60.0


DEFAULT_LIMITS = Limits()

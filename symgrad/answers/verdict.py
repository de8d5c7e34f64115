"""A verdict on one answer: right or wrong, the score, the mistake it shows, feedback a student can
act on, and the answer as symgrad read it."""

from dataclasses import dataclass

__all__ = ["Verdict"]


@dataclass(frozen=True)
class Verdict:
    """``correct`` and ``score`` (0 to 1; a gradient with some entries right gets partial credit);
    ``mistake`` is None or one of :data:`~symgrad.answers.mistakes.MISTAKES` (``not_simplified_but_correct``
    comes with ``correct`` True); ``feedback`` is a sentence for the student; ``interpreted`` is the
    answer as read, in LaTeX (None when it could not be read)."""

    correct: bool
    score: float
    mistake: str | None
    feedback: str
    interpreted: str | None = None

"""A verdict on one answer: its outcome (correct, incorrect, or not checked, and why), the score, the
mistake it shows, feedback a student can act on, and the answer as symgrad read it."""

from dataclasses import dataclass

__all__ = ["Verdict", "NOT_CHECKED", "OUTCOMES"]

# The mistake kinds of an answer symgrad could not check, with the reason: such an answer is neither
# right nor wrong, and is to be read by hand.
NOT_CHECKED = {
    "unparseable": "unreadable",
    "unknown_symbol": "unsupported notation",
    "too_complex": "too complex",
    "undecided": "the equivalence test could not decide",
    "check_failed": "symgrad failed to check it",
    "not_in_key": "no such question in the key",
}
OUTCOMES = ("correct", "incorrect", "not_checked")


@dataclass(frozen=True)
class Verdict:
    """``correct`` and ``score`` (0 to 1; a gradient with some entries right gets partial credit);
    ``mistake`` is None or one of :data:`~symgrad.answers.mistakes.MISTAKES` (``not_simplified_but_correct``
    comes with ``correct`` True); ``feedback`` is a sentence for the student; ``interpreted`` is the
    answer as read, in LaTeX (None when it could not be read). :attr:`outcome` and :attr:`reason` follow
    from ``correct`` and ``mistake``."""

    correct: bool
    score: float
    mistake: str | None
    feedback: str
    interpreted: str | None = None

    @property
    def outcome(self):
        """``correct`` if right; else ``not_checked`` if the mistake is one of :data:`NOT_CHECKED`; else
        ``incorrect``."""
        if self.correct:
            return "correct"
        return "not_checked" if self.mistake in NOT_CHECKED else "incorrect"

    @property
    def reason(self):
        """Why the answer was not checked (a phrase of :data:`NOT_CHECKED`); None if it was."""
        return NOT_CHECKED[self.mistake] if self.outcome == "not_checked" else None

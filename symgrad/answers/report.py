"""A one-page summary per class (per worksheet key) as a PDF: the distribution of the students'
scores and, per question, the right answers, the most common mistakes and the answers not checked (to
be read by hand), drawn with matplotlib (no TeX).

Only the teacher's names (worksheet and question ids) and symgrad's mistake kinds are printed: no
text a student typed reaches the report.
"""

from collections import Counter

from ..core.files import atomic_path
from .grading import mistake_counts

__all__ = ["write_report"]

TOP = 4  # mistakes shown per question; the rest are summed as "other mistakes"
RIGHT, UNCHECKED, OTHER = "right", "not checked", "other mistakes"


def write_report(path, grades):
    """Write the summary of ``grades`` (from :func:`~symgrad.answers.grading.grade`) to the PDF ``path``,
    whole (:func:`~symgrad.core.files.atomic_path`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    worksheets = list(dict.fromkeys(g.worksheet for g in grades if g.worksheet is not None))
    with atomic_path(path) as temporary, PdfPages(temporary) as pdf:
        for worksheet in worksheets or [None]:
            figure = _page(plt, worksheet, [g for g in grades if g.worksheet == worksheet])
            pdf.savefig(figure)
            plt.close(figure)


def _page(plt, worksheet, grades):
    figure, (scores, mistakes) = plt.subplots(2, 1, figsize=(8.27, 11.69), height_ratios=(1, 1.6))
    questions = list(dict.fromkeys(g.submission.question for g in grades))
    last = {(g.submission.student, g.submission.question): g.verdict.score for g in grades}  # the last counts
    per_student = Counter()
    for (student, _), score in last.items():
        per_student[student] += score
    unchecked = sum(1 for g in grades if g.verdict.outcome == "not_checked")
    figure.suptitle(_text(f"{worksheet or 'answers'}: {len(per_student)} students, {len(grades)} answers"
                          + (f", {unchecked} not checked (read these by hand)" if unchecked else "")), fontsize=14)
    _score_histogram(scores, list(per_student.values()), len(questions))
    _mistake_bars(mistakes, questions, mistake_counts(grades), worksheet)
    figure.tight_layout(rect=(0, 0, 1, 0.96))
    return figure


def _score_histogram(ax, totals, out_of):
    ax.hist(totals, bins=max(out_of, 1) * 2, range=(0, max(out_of, 1)), color="#4c72b0", edgecolor="white")
    ax.set_xlabel(f"score (out of the {out_of} questions answered)")
    ax.set_ylabel("students")
    ax.set_title("Score distribution")


def _mistake_bars(ax, questions, counts, worksheet):
    wrong = {q: Counter({k: n for k, n in counts[(worksheet, q)].items() if k not in ("correct", "not_checked")})
             for q in questions}
    shown = [k for k, _ in sum(wrong.values(), Counter()).most_common(TOP * 2)]
    segments = {q: _segments(counts[(worksheet, q)], wrong[q], shown) for q in questions}
    labels = [RIGHT, UNCHECKED, *shown, OTHER]
    left = [0] * len(questions)
    for label, colour in zip(labels, _palette(len(labels))):
        widths = [segments[q].get(label, 0) for q in questions]
        if any(widths):
            ax.barh(range(len(questions)), widths, left=left, color=colour, label=_text(label))
        left = [a + b for a, b in zip(left, widths)]
    ax.set_yticks(range(len(questions)), [_text(q) for q in questions])
    ax.invert_yaxis()
    ax.set_xlabel("answers")
    ax.set_title(f"Right answers, answers not checked and the {TOP} most common mistakes per question")
    if questions:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=3, fontsize=8, frameon=False)


def _segments(counts, wrong, shown):
    """``{label: answers}`` for one question: right ones, those not checked, its most common mistakes, the
    rest together."""
    top = {k for k, _ in wrong.most_common(TOP)} & set(shown)
    segments = {RIGHT: counts["correct"], UNCHECKED: counts["not_checked"]}
    for kind, n in wrong.items():
        label = kind if kind in top else OTHER
        segments[label] = segments.get(label, 0) + n
    return segments


def _palette(n):
    """Green for right answers, light grey for those not checked; the mistakes in tab10's other colours,
    grey last (for "other mistakes")."""
    import matplotlib

    cmap = matplotlib.colormaps["tab10"]
    mistakes = [cmap(i) for i in (1, 3, 4, 5, 6, 8, 9, 0)]
    return ["#55a868", "#dddddd"] + [mistakes[i % len(mistakes)] for i in range(n - 3)] + ["#999999"]


def _text(text):
    """A label shown as typed: a dollar sign would start matplotlib's math mode."""
    return str(text).replace("$", r"\$")

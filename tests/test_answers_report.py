import shutil
import subprocess

import pytest

from symgrad.answers.grading import Grade, Submission
from symgrad.answers.report import write_report
from symgrad.answers.verdict import Verdict

RIGHT = Verdict(True, 1.0, None, "Correct.")


def wrong(kind):
    return Verdict(False, 0.0, kind, "...")


def grades():
    rows = [("ann", "q$1$", "w1", RIGHT), ("ben", "q$1$", "w1", wrong("sign_error")), ("cat", "q$1$", "w1", RIGHT),
            ("ann", "q2", "w1", wrong("gd_wrong_sign")), ("ben", "q2", "w1", wrong("gd_wrong_sign")),
            ("ann", "p1", "w2", wrong("other")), ("ann", "p1", "w2", RIGHT)]
    return [Grade(Submission(s, q, "typed by " + s), w, v) for s, q, w, v in rows]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) is not installed")
def test_a_page_per_worksheet_with_the_teachers_names_shown_as_typed(tmp_path):
    path = tmp_path / "r.pdf"
    write_report(path, grades())
    pages = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.split("\f")
    assert len([p for p in pages if p.strip()]) == 2
    assert "w1: 3 students, 5 answers" in pages[0] and "q$1$" in pages[0]  # a dollar is not maths mode
    assert "sign_error" in pages[0] and "gd_wrong_sign" in pages[0]
    assert "w2: 1 students, 2 answers" in pages[1]
    assert "typed by" not in "".join(pages) and "ann" not in "".join(pages)


def test_an_empty_class_still_makes_a_page(tmp_path):
    write_report(tmp_path / "r.pdf", [])
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) is not installed")
def test_answers_not_checked_are_counted_apart_from_the_mistakes(tmp_path):
    path = tmp_path / "r.pdf"
    write_report(path, grades()[:5] + [Grade(Submission("dan", "q2", "2x("), "w1", wrong("unparseable")),
                                       Grade(Submission("eve", "q2", "?"), "w1", wrong("undecided"))])
    page = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "w1: 5 students, 7 answers, 2 not checked (read these by hand)" in page
    assert "not checked" in page.replace("(read these by hand)", "").split("answers, 2 not checked")[1]  # its bar
    assert "unparseable" not in page and "undecided" not in page  # not among the mistakes

"""A grader's files under attack (issue 18): answers CSV split where a spreadsheet would not split it,
malformed rows, bytes that are not UTF-8, huge fields and numbers, outputs that are inputs, folders,
read-only or symlinks, a full disk, spreadsheet formulas, and a grader stopped midway. Each row that
cannot be read is its own verdict, the rest are graded, and no output is ever left half-written."""

import csv
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from answer_keys import key_of_file
from outputs import contents, disk_full_after, read_only_folder
from symgrad.answers.grading import Grade, Submission, read_answers, spreadsheet_cell, totals, write_grades
from symgrad.answers.report import write_report
from symgrad.answers.verdict import Verdict
from symgrad.cli import check as check_command
from symgrad.cli import main
from symgrad.core import files
from symgrad.core.errors import OutputError, SymgradError

ROOT = Path(__file__).parent.parent
S3 = ROOT / "worksheets" / "s3_backprop_by_hand.py"
HEADER = b"student,question,answer\n"
GOOD = b"ada,q1,4.2\n"  # dL/dy* of S3: right


@pytest.fixture(scope="module")
def s3_key():
    return json.dumps(key_of_file(S3))


@pytest.fixture
def key(tmp_path, s3_key):
    path = tmp_path / "s3.key.json"
    path.write_text(s3_key)
    return path


def answers_file(folder, data, name="answers.csv"):
    path = folder / name
    path.write_bytes(data)
    return path


def read_grades(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def check(key, answers, out, *extra):
    return main(["check", "--key", str(key), "--answers", str(answers), "-o", str(out), "--quiet", *extra])


# -- item 1: rows are what the csv module reads -------------------------------------------------------------

@pytest.mark.parametrize("separator", ["\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"])
def test_a_unicode_line_break_makes_no_phantom_row(tmp_path, separator):
    # the attack: eve's row hidden in bob's answer was graded as a row of its own
    path = answers_file(tmp_path, HEADER + f"bob,q3,4.2{separator}eve,q3,4.2\n".encode() + GOOD)
    bob, ada = read_answers(path)
    assert (bob.student, bob.question, bob.problem) == ("bob", "q3", "line 2 has 5 fields where the header has 3")
    assert (ada.student, ada.answer, ada.problem) == ("ada", "4.2", None)
    quoted = answers_file(tmp_path, HEADER + f'bob,q3,"4.2{separator}eve"\n'.encode())
    assert [(s.student, s.answer, s.problem) for s in read_answers(quoted)] == [("bob", f"4.2{separator}eve", None)]


def test_a_line_break_inside_quotes_is_kept(tmp_path):
    path = answers_file(tmp_path, b'student,question,answer\r\nada,q1,"4.2\r\n"\r\nbob,q1,"a\nb\rc"\r\n')
    assert [(s.student, s.answer, s.problem) for s in read_answers(path)] == [
        ("ada", "4.2\r\n", None), ("bob", "a\nb\rc", None)]


@pytest.mark.parametrize("row, problem, shown", [
    (b"bob,q6,(2.1, 4.2)\n", "line 2 has 4 fields where the header has 3", "(2.1"),  # was silently (2.1
    (b"bob,q6\n", "line 2 has 2 fields where the header has 3", ""),
    (b"bob\n", "line 2 has 1 field where the header has 3", ""),
    (b'bob,q6,"2.1"x\n', "line 2 is not valid CSV (',' expected after '\"')", "2.1x"),
    (b'bob,q6,"2.1\n', "line 2 has a quote that is never closed", "2.1"),  # was accepted, to the end of the file
    (b"bob,q6,2.1\xff\n", r"line 2 is not valid UTF-8 text (\xff)", r"2.1\xff"),
    (b"b\xc3ob,q6,2.1\n", r"line 2 is not valid UTF-8 text (\xc3)", "2.1"),
    (b"bob,q6," + b"7" * (11 * 2 ** 20) + b"\n", "line 2 has a field of 11,534,336 characters (at most 1,048,576 "
     "are read)", "7" * 200 + "... (11,534,336 characters)"),
])
def test_a_row_that_cannot_be_read_is_refused_naming_its_line_and_the_next_is_read(tmp_path, row, problem, shown):
    path = answers_file(tmp_path, HEADER + row + GOOD + b"cy,q3,4.2\n")
    bad, *rest = read_answers(path)
    assert (bad.problem, bad.answer) == (problem, shown)
    assert [(s.student, s.question, s.answer, s.problem) for s in rest] == [
        ("ada", "q1", "4.2", None), ("cy", "q3", "4.2", None)]


def test_many_unclosed_quotes_are_refused_in_linear_time(tmp_path):
    path = answers_file(tmp_path, HEADER + b'bob,q1,"4.2\n' * 20_000 + GOOD)
    start = time.perf_counter()
    submissions = read_answers(path)
    assert time.perf_counter() - start < 5
    assert len(submissions) == 20_001 and all(s.problem for s in submissions[:-1])
    assert (submissions[-1].student, submissions[-1].problem) == ("ada", None)


def test_a_quoted_field_spans_at_most_a_hundred_lines(tmp_path):
    within = answers_file(tmp_path, HEADER + b'ada,q1,"' + b"x\n" * 99 + b'"\n' + GOOD)
    assert [(s.answer, s.problem) for s in read_answers(within)] == [("x\n" * 99, None), ("4.2", None)]
    over = answers_file(tmp_path, HEADER + b'bob,q1,"' + b"x\n" * 100 + b'"\n' + GOOD)
    bob, *rest = read_answers(over)
    assert bob.problem == "line 2 has a quote not closed within 100 lines"
    assert (rest[-1].student, rest[-1].problem) == ("ada", None)


def test_undecodable_bytes_in_a_name_are_shown_escaped(tmp_path):
    (bad,) = read_answers(answers_file(tmp_path, HEADER + b"b\xffob,q\x80,1\n"))
    assert (bad.student, bad.question, bad.problem) == (r"b\xffob", r"q\x80", r"line 2 is not valid UTF-8 text (\xff)")


def test_a_header_naming_a_column_twice_is_refused(tmp_path):
    path = answers_file(tmp_path, b"student,question,answer,answer\nbob,q6,(2.1, 4.2)\n")
    with pytest.raises(SymgradError, match=r"answers.csv, line 1: the column 'answer' appears twice in the header"):
        read_answers(path)


def test_blank_lines_and_a_byte_order_mark_are_no_rows(tmp_path):
    path = answers_file(tmp_path, b"\xef\xbb\xbf\n" + HEADER + b"\n" + GOOD + b"\r\n")
    assert [(s.student, s.problem) for s in read_answers(path)] == [("ada", None)]


# -- item 2: one bad row never stops the class -----------------------------------------------------------------

def test_json_a_number_too_long_to_read_is_its_rows_verdict(tmp_path):
    path = tmp_path / "answers.json"
    path.write_text('[{"student": "bob", "question": "q1", "answer": ' + "9" * 5000 + '},'
                    '{"student": "ada", "question": "q1", "answer": 4.2}]')
    bob, ada = read_answers(path)
    assert (bob.answer, bob.problem) == ("(a number of 5,000 digits)", "answer 1 has a number of 5,000 digits")
    assert (ada.answer, ada.problem) == (4.2, None)


def test_json_an_answer_nested_deeply_is_its_rows_verdict(tmp_path, key):
    # nested 900 deep, the answer stopped the class: it could not be sent to the worker (RecursionError)
    answers = tmp_path / "answers.json"
    answers.write_text('[{"student": "bob", "question": "q1", "answer": ' + "[" * 900 + "]" * 900 + '},'
                       '{"student": "ada", "question": "q1", "answer": "4.2"}]')
    assert check(key, answers, tmp_path / "grades.csv") == 0
    assert [(r["student"], r["answer"], r["feedback"]) for r in read_grades(tmp_path / "grades.csv")][::2] == [
        ("bob", "(not read)", "This answer was not checked: answer 1 has a value nested more than 10 levels deep."),
        ("ada", "4.2", "Correct.")]


def test_json_nested_too_deeply_is_a_one_line_error(tmp_path):
    path = tmp_path / "answers.json"
    path.write_text('[{"student": "bob", "question": "q1", "answer": ' + "[" * 100_000 + "]" * 100_000 + "}]")
    with pytest.raises(SymgradError, match=r"answers.json: nested more than 250 deep$"):
        read_answers(path)


def test_a_class_with_every_kind_of_bad_row_is_graded(tmp_path, key, capsys):
    rows = [b"ada,q1,4.2\n",
            b"bob,q3,4.2\x0ceve,q3,4.2\n",         # a phantom row for eve
            b"cy,q6,(0.958, 0.979)\n",              # extra fields
            b"dee,q1,4.2\xff\n",                    # not UTF-8
            b"eve,q1," + b"1" * (11 * 2 ** 20) + b"\n",  # an 11 MB field
            b"fay,q3,4.2\n",
            b'gus,q1,"4.2\n',                       # a quote never closed
            b"hal,q4,2.1\n"]
    out = tmp_path / "grades.csv"
    assert check(key, answers_file(tmp_path, HEADER + b"".join(rows)), out) == 0
    err = capsys.readouterr().err
    assert "answers.csv: line 3 has 5 fields where the header has 3: not checked" in err
    assert "answers.csv: line 8 has a quote that is never closed: not checked" in err
    graded = [(r["student"], r["correct"], r["mistake"], r["feedback"]) for r in read_grades(out)
              if r["question"] != "TOTAL"]
    assert graded == [
        ("ada", "yes", "", "Correct."),
        ("bob", "no", "unparseable", "This answer was not checked: line 3 has 5 fields where the header has 3."),
        ("cy", "no", "unparseable", "This answer was not checked: line 4 has 4 fields where the header has 3."),
        ("dee", "no", "unparseable", r"This answer was not checked: line 5 is not valid UTF-8 text (\xff)."),
        ("eve", "no", "unparseable", "This answer was not checked: line 6 has a field of 11,534,336 characters "
                                     "(at most 1,048,576 are read)."),
        ("fay", "yes", "", "Correct."),
        ("gus", "no", "unparseable", "This answer was not checked: line 8 has a quote that is never closed."),
        ("hal", "yes", "", "Correct.")]
    assert out.stat().st_size < 10_000  # the 11 MB answer is not echoed


# -- item 11: every cell is inert in a spreadsheet, plain numbers stay numbers ---------------------------------

@pytest.mark.parametrize("cell, written", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("-1+1", "'-1+1"), ("-x", "'-x"), ("-2(y - y^*) h_1", "'-2(y - y^*) h_1"), ("-", "'-"), ("--1", "'--1"),
    ("-1.692", "-1.692"), ("-4", "-4"), ("-0.5", "-0.5"), ("-.5", "-.5"), ("-2.", "-2."), ("-1e-3", "-1e-3"),
    ("-1.5E+10", "-1.5E+10"), ("-1e", "'-1e"), ("-1.692 ", "'-1.692 "), ("-inf", "'-inf"),
    ("-3e-4", "-3e-4"), ('=HYPERLINK("http://x.io","y")', '\'=HYPERLINK("http://x.io","y")'),
    ("@x", "'@x"), ("\t=1+2", "'\t=1+2"), ("-1+cmd", "'-1+cmd"), ("-3e-4+1", "'-3e-4+1"),
    ("4.2", "4.2"), ("x=1", "x=1"), (" =1", " =1"), ("", ""), (r"\frac{21}{5}", r"\frac{21}{5}"), (-3, "-3"),
])
def test_spreadsheet_cells(cell, written):
    assert spreadsheet_cell(cell) == written


def test_every_column_of_the_grades_is_guarded(tmp_path):
    grade = Grade(Submission("=HYPERLINK(1)", "+q", "-1+1", "@w"), None,
                  Verdict(False, 0.0, None, "=feedback", interpreted="- x"))
    grades = [grade, Grade(Submission("=HYPERLINK(1)", "+q", "-1.692", "@w"), None,
                           Verdict(False, 0.0, None, "-", interpreted="-1.692"))]
    write_grades(tmp_path / "g.csv", grades, totals(grades, []))
    rows = read_grades(tmp_path / "g.csv")
    assert [list(r.values()) for r in rows] == [
        ["'=HYPERLINK(1)", "'@w", "'+q", "'-1+1", "no", "0", "", "'=feedback", "'- x", "incorrect", ""],
        ["'=HYPERLINK(1)", "'@w", "'+q", "-1.692", "no", "0", "", "'-", "-1.692", "incorrect", ""],
        ["'=HYPERLINK(1)", "", "TOTAL", "", "", "0", "", "0 of 0 questions right", "", "", ""]]


# -- item 3: outputs are written whole ---------------------------------------------------------------------------

def test_a_lone_surrogate_in_a_name_is_written_visibly_and_the_file_is_complete(tmp_path, key):
    rows = [{"student": f"s{i:02d}", "question": "q1", "answer": "4.2"} for i in range(40)]
    rows[30]["student"] = "b\ud800ob"
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(rows))  # "b\ud800ob" as a JSON escape
    out = tmp_path / "grades.csv"
    assert check(key, answers, out) == 0
    graded = read_grades(out)
    assert len(graded) == 80 and graded[-1]["question"] == "TOTAL"
    assert (graded[60]["student"], graded[60]["feedback"]) == (
        r"b\ud800ob", r"This answer was not checked: answer 31 is not valid UTF-8 text (\ud800).")
    grades = [Grade(Submission("b\ud800ob", "q1", "x\udcff"), None, Verdict(True, 1.0, None, "Correct."))]
    write_grades(out, grades, totals(grades, []))  # text from Python, not from a file: shown as escapes too
    assert out.read_bytes().splitlines()[1] == rb"b\ud800ob,,q1,x\udcff,yes,1,,Correct.,,correct,"


def test_a_full_disk_leaves_the_previous_grades_as_they_were(tmp_path, key, monkeypatch, capsys):
    answers = answers_file(tmp_path, HEADER + GOOD * 1500)
    out = tmp_path / "grades.csv"
    assert check(key, answers, out) == 0
    before = out.read_bytes()
    real_write = os.write

    def fill_up(descriptor, data):  # the first 64 KB go through, then the disk is full
        if len(data) and os.fstat(descriptor).st_size >= files.CHUNK:
            raise OSError(28, "No space left on device")
        return real_write(descriptor, data)

    monkeypatch.setattr(files.os, "write", fill_up)
    capsys.readouterr()
    assert check(key, answers_file(tmp_path, HEADER + b"bob,q1,1\n" * 1500, "other.csv"), out) == 2
    assert capsys.readouterr().err == (f"symgrad check: error: cannot write {out}: No space left on device; "
                                       "it was left as it was\n")
    assert out.read_bytes() == before and len(before) > files.CHUNK  # the new grades failed midway
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answers.csv", "grades.csv", "other.csv", "s3.key.json"]


def test_the_report_is_written_whole(tmp_path):
    grades = [Grade(Submission(f"s{i}", "q1", "1"), "w1", Verdict(True, 1.0, None, "Correct.")) for i in range(9)]
    path = tmp_path / "report.pdf"
    write_report(path, grades)
    before = path.read_bytes()
    with disk_full_after(len(before) // 2), pytest.raises(OutputError, match="report.pdf: File too large"):
        write_report(path, grades[:3])
    assert contents(tmp_path) == {"report.pdf": before}


# -- item 4: output paths are checked before the work ---------------------------------------------------------------

@pytest.fixture
def no_grading(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("the grading started")

    monkeypatch.setattr(check_command, "grading", fail)
    monkeypatch.setattr(check_command, "read_answers", fail)


@pytest.mark.parametrize("output, message", [
    (".", "it is a folder"),
    ("missing/grades.csv", "the folder .*missing does not exist"),
    ("answers.csv/grades.csv", "answers.csv is not a folder"),
    ("READ-ONLY/grades.csv", "takes no new files"),
    ("answers.csv", "it is the input .*answers.csv, which would be overwritten"),
    ("s3.key.json", "it is the input .*s3.key.json"),
    ("sub/../s3.key.json", "it is the input .*s3.key.json"),
    ("link-to-answers.csv", "it is the input .*answers.csv"),
])
def test_an_output_that_cannot_be_written_is_refused_before_any_answer_is_checked(
        tmp_path, key, no_grading, capsys, output, message):
    answers = answers_file(tmp_path, HEADER + GOOD)
    (tmp_path / "sub").mkdir()
    (tmp_path / "link-to-answers.csv").symlink_to(answers)
    output = output.replace("READ-ONLY", str(read_only_folder(tmp_path)))
    out = output if os.path.isabs(output) else str(tmp_path / output)
    assert check(key, answers, out) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("symgrad check: error: cannot write ")
    assert re.search(message, err)
    assert answers.read_bytes() == HEADER + GOOD and json.loads(key.read_text())["worksheet"] == "s3_backprop_by_hand"


@pytest.mark.parametrize("report, message", [("grades.csv", "it is the input .*grades.csv"),
                                             ("answers.csv", "it is the input .*answers.csv"),
                                             ("missing/report.pdf", "does not exist")])
def test_a_report_that_cannot_be_written_is_refused_before_any_answer_is_checked(
        tmp_path, key, no_grading, capsys, report, message):
    answers = answers_file(tmp_path, HEADER + GOOD)
    assert check(key, answers, tmp_path / "grades.csv", "--report", str(tmp_path / report)) == 2
    assert re.search(message, capsys.readouterr().err)
    assert not (tmp_path / "grades.csv").exists()


def test_the_grades_never_go_through_a_symlink(tmp_path, key):
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("not the grades")
    (tmp_path / "out").mkdir()
    link = tmp_path / "out" / "grades.csv"
    link.symlink_to(elsewhere)
    assert check(key, answers_file(tmp_path, HEADER + GOOD), link) == 0
    assert elsewhere.read_text() == "not the grades"
    assert not link.is_symlink() and read_grades(link)[0]["student"] == "ada"


# -- stopped midway: nothing half-done, and how far it got ----------------------------------------------------------

@pytest.mark.parametrize("signum, code, name", [(signal.SIGTERM, 143, "SIGTERM"),
                                                (signal.SIGINT, 130, r"an interrupt \(SIGINT\)")])
def test_a_stopped_grader_writes_nothing_and_says_how_far_it_got(tmp_path, key, signum, code, name):
    answers = answers_file(tmp_path, HEADER + b"".join(b"s%d,q1,4.%d\n" % (i, i % 10) for i in range(20_000)))
    out = tmp_path / "grades.csv"
    out.write_text("the previous grades\n")
    grader = subprocess.Popen([sys.executable, "-m", "symgrad", "check", "--key", str(key), "--answers", str(answers),
                               "-o", str(out)], cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    err, deadline = b"", time.monotonic() + 60
    while not re.search(rb"[1-9]\d*/20000", err) and time.monotonic() < deadline:  # some answers are checked
        if select.select([grader.stderr], [], [], 1)[0]:
            err += os.read(grader.stderr.fileno(), 4096)
    grader.send_signal(signum)
    _, rest = grader.communicate(timeout=30)
    err = (err + rest).decode()
    assert grader.returncode == code
    assert "Traceback" not in err
    done = re.search(rf"symgrad check: stopped by {name} after checking (\d+) of 20000 answers; nothing was written",
                     err)
    assert done and 0 < int(done.group(1)) < 20_000, err[-2000:]
    assert contents(tmp_path) == {"answers.csv": answers.read_bytes(), "grades.csv": b"the previous grades\n",
                                  "s3.key.json": key.read_bytes()}



def test_a_run_that_is_not_stopped_ends_without_a_traceback(tmp_path, key):
    # the worker is forked while symgrad check handles SIGTERM: it must still end quietly when stopped
    done = subprocess.run([sys.executable, "-m", "symgrad", "check", "--key", str(key), "--answers",
                           str(answers_file(tmp_path, HEADER + GOOD * 20)), "-o", str(tmp_path / "g.csv"), "--quiet"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == f"checked 20 answers from 1 students: 20 correct, 0 incorrect, 0 not checked; grades in {tmp_path / 'g.csv'}\n"

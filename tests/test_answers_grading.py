import csv
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import sympy as sp

from answer_keys import key_of_file
from symgrad import Question
from symgrad.answers.grading import Submission, Total, grade, outcome_counts, read_answers, totals
from symgrad.answers.keys import Key
from symgrad.cli import main
from symgrad.core.errors import SymgradError
from symgrad.core.serialize import to_tree

w, x = sp.symbols("w x")

WORKSHEETS = Path(__file__).parent.parent / "worksheets"
ANSWERS = [
    # student, question, answer
    ("ada", "q1", "4.2"),                  # dL/dy*
    ("ada", "q3", "4.2"),                  # dL/dw5
    ("ada", "q4", "2.1"),                  # dL/dw1
    ("ada", "q6", "(0.958, 0.979)"),       # the SGD step
    ("bob", "q1", "-4.2"),
    ("bob", "q3", "4.41"),
    ("bob", "q4", r"__import__('os').system('touch pwned_by_student')"),
    ("bob", "q6", "(1.042, 1.021)"),
    ("bob", "q9", "1"),                    # no such question
    ("cy", "q3", "=1+1"),                  # a spreadsheet formula
    ("cy", "q3", "4.2"),                   # answered twice: the last answer counts
    ("cy", "q4", "2^{2^{2^{40}}}"),
]


@pytest.fixture
def files(tmp_path):
    key = tmp_path / "s3.key.json"
    key.write_text(json.dumps(key_of_file(WORKSHEETS / "s3_backprop_by_hand.py")))
    answers = tmp_path / "answers.csv"
    with open(answers, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "question", "answer"])
        writer.writerows(ANSWERS)
    return tmp_path, key, answers


def read_grades(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_grading_a_class(files, capsys):
    folder, key, answers = files
    out, report = folder / "grades.csv", folder / "grades.pdf"
    assert main(["check", "--key", str(key), "--answers", str(answers), "-o", str(out), "--report", str(report)]) == 0
    captured = capsys.readouterr()
    assert "checking" in captured.err  # the progress bar
    assert captured.out.startswith("checked 12 answers from 3 students: 5 correct, 4 incorrect, 3 not checked "
                                   "(read these by hand); grades in ")
    rows = read_grades(out)
    answers_rows = [r for r in rows if r["question"] != "TOTAL"]
    assert [(r["student"], r["question"], r["correct"], r["mistake"]) for r in answers_rows] == [
        ("ada", "q1", "yes", ""), ("ada", "q3", "yes", ""), ("ada", "q4", "yes", ""), ("ada", "q6", "yes", ""),
        ("bob", "q1", "no", "sign_error"), ("bob", "q3", "no", "returned_function_value"),
        ("bob", "q4", "no", "unparseable"), ("bob", "q6", "no", "gd_wrong_sign"), ("bob", "q9", "no", "not_in_key"),
        ("cy", "q3", "no", "other"), ("cy", "q3", "yes", ""), ("cy", "q4", "no", "too_complex")]
    assert [r["outcome"] for r in answers_rows] == ["correct"] * 4 + [
        "incorrect", "incorrect", "not_checked", "incorrect", "not_checked", "incorrect", "correct", "not_checked"]
    assert list(rows[0]) == ["student", "worksheet", "question", "answer", "correct", "score", "mistake", "feedback",
                             "interpreted", "outcome", "first_wrong_line"]  # new columns come last
    assert {r["first_wrong_line"] for r in rows} == {""}  # no derivations
    totals = {r["student"]: (r["score"], r["feedback"]) for r in rows if r["question"] == "TOTAL"}
    assert totals == {"ada": ("4", "4 of 6 questions right"), "bob": ("0", "0 of 6 questions right, 1 not checked"),
                      "cy": ("1", "1 of 6 questions right, 1 not checked")}
    assert answers_rows[9]["answer"] == "'=1+1"  # inert in a spreadsheet
    assert answers_rows[8]["feedback"] == "There is no question 'q9' in the key."
    assert answers_rows[0]["interpreted"] == r"\frac{21}{5}"
    assert not (folder / "pwned_by_student").exists() and not Path("pwned_by_student").exists()
    assert report.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(report), "-"], capture_output=True, text=True, check=True).stdout
        assert "s3_backprop_by_hand: 3 students, 11 answers" in text  # the answer to q9 is to no question of it and "Score distribution" in text
        assert "sign_error" in text and "gd_wrong_sign" in text
        assert "ada" not in text and "__import__" not in text  # no student text reaches the report


def test_json_answers_and_per_student_variants(tmp_path, capsys):
    sheet = WORKSHEETS / "s0_sgd_by_hand.py"
    common = tmp_path / "common.key.json"
    common.write_text(json.dumps(key_of_file(sheet)))
    variant = key_of_file(sheet, student="dee")
    for q in variant["questions"]:  # dee's variant starts from w = 2: dL/dw = 2x(xw - y) = 0 at x=1, y=2
        if q["point"]:
            q["point"]["w"] = "2"
        q.pop("answer")
    (tmp_path / "dee.key.json").write_text(json.dumps(variant))
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"answers": [
        {"student": "eve", "question": "q2", "answer": "-2"},
        {"student": "dee", "question": "q2", "answer": 0},
        {"student": "dee", "question": "q3", "answer": "2"},
    ]}))
    out = tmp_path / "grades.csv"
    assert main(["check", "--key", str(common), "--key", str(tmp_path / "dee.key.json"), "--answers", str(answers),
                 "-o", str(out), "--quiet"]) == 0
    assert "checking" not in capsys.readouterr().err
    rows = [(r["student"], r["question"], r["correct"]) for r in read_grades(out)]
    assert rows == [("eve", "q2", "yes"), ("eve", "TOTAL", ""), ("dee", "q2", "yes"), ("dee", "q3", "yes"),
                    ("dee", "TOTAL", "")]


def test_a_question_that_cannot_be_checked_does_not_stop_the_batch(tmp_path, capsys):
    key = {"worksheet": "w", "questions": [
        {"id": "bad", "kind": "derivative", "wrt": "w",
         "function_tree": to_tree(w * sp.log(-1 - x ** 2))},
        {"id": "good", "kind": "derivative", "wrt": "w", "function_tree": to_tree(w ** 2)}]}
    (tmp_path / "k.json").write_text(json.dumps(key))
    (tmp_path / "a.csv").write_text("student,question,answer\nfay,bad,1\nfay,good,2w\ngus,bad,2\n")
    assert main(["check", "--key", str(tmp_path / "k.json"), "--answers", str(tmp_path / "a.csv"),
                 "-o", str(tmp_path / "g.csv"), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert "question bad: the question bad cannot be checked" in captured.err
    assert "3 answers from 2 students: 1 correct, 0 incorrect, 2 not checked (read these by hand)" in captured.out
    rows = [(r["student"], r["question"], r["correct"], r["feedback"][:36]) for r in read_grades(tmp_path / "g.csv")]
    assert rows[:2] == [("fay", "bad", "no", "This question could not be checked: "), ("fay", "good", "yes", "Correct.")]
    assert rows[3] == ("gus", "bad", "no", "This question could not be checked: ")
    assert [r["outcome"] for r in read_grades(tmp_path / "g.csv")] == ["not_checked", "correct", "", "not_checked", ""]


@pytest.mark.parametrize("content, suffix, message", [
    ("name,question,answer\na,q1,1\n", ".csv", "the CSV header lacks student"),
    ('[{"student": "a", "question": "q1"}]', ".json", "answer 1 lacks one of the fields"),
    ("{not json", ".json", "not valid JSON"),
    ('{"answers": 3}', ".json", "expected a list of answers"),
])
def test_bad_answer_files(tmp_path, content, suffix, message):
    path = tmp_path / f"answers{suffix}"
    path.write_text(content)
    with pytest.raises(SymgradError, match=message):
        read_answers(path)


def test_errors_are_one_line(tmp_path, capsys):
    assert main(["check", "--key", str(tmp_path / "missing.json"), "--answers", "a.csv", "-o", "g.csv"]) == 2
    assert "symgrad check: error: cannot read the key" in capsys.readouterr().err


def test_a_huge_answer_in_a_csv_is_graded_not_a_crash(tmp_path):
    (tmp_path / "a.csv").write_text("student,question,answer\nhal,q1," + "x" * 200_000 + "\n")
    (submission,) = read_answers(tmp_path / "a.csv")
    assert len(submission.answer) == 200_000


def write_answers(path, rows):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "worksheet", "question", "answer"])
        writer.writerows(rows)


def test_keys_written_by_render_grade_a_class_end_to_end(tmp_path, capsys):
    out = tmp_path / "out"
    sheets = [str(WORKSHEETS / f"{name}.py") for name in ("s3_backprop_by_hand", "softmax_cross_entropy")]
    assert main(["render", *sheets, "-o", str(out), "--tex-only", "--quiet"]) == 0
    s3, softmax = "s3_backprop_by_hand", "softmax_cross_entropy"
    write_answers(tmp_path / "answers.csv", [
        ("ada", s3, "q1", "4.2"),
        ("ada", s3, "q2", r"-2(y - y^*) h_1"),                                 # in the worksheet's nodes
        ("ada", softmax, "q1", r"\operatorname{softmax}_1(z_1, z_2, z_3)"),     # as the key prints it
        ("ada", softmax, "q2", r"\frac{1}{1 + 2e} - 1"),
        ("bob", s3, "q2", r"-2(y - y^*)"),                                     # dy*/dw5 = h1 forgotten
        ("bob", softmax, "q1", r"-\operatorname{softmax}_1(z_1, z_2, z_3)"),
        ("bob", "", "q1", "4.2"),                                              # q1 of which worksheet?
    ])
    grades = tmp_path / "grades.csv"
    assert main(["check", "--key", str(out / f"{s3}.key.json"), "--key", str(out / f"{softmax}.key.json"),
                 "--answers", str(tmp_path / "answers.csv"), "-o", str(grades), "--quiet"]) == 0
    rows = read_grades(grades)
    assert [(r["student"], r["worksheet"], r["question"], r["correct"], r["mistake"]) for r in rows] == [
        ("ada", s3, "q1", "yes", ""), ("ada", s3, "q2", "yes", ""), ("ada", softmax, "q1", "yes", ""),
        ("ada", softmax, "q2", "yes", ""), ("ada", "", "TOTAL", "", ""),
        ("bob", s3, "q2", "no", "missing_chain_factor"), ("bob", softmax, "q1", "no", "sign_error"),
        ("bob", "", "q1", "no", "other"), ("bob", "", "TOTAL", "", "")]
    assert rows[4]["feedback"] == "4 of 10 questions right"
    assert rows[5]["feedback"].endswith("the inner expression, $h_{1}$.")
    assert rows[7]["feedback"] == ("The question 'q1' is in the keys of s3_backprop_by_hand, softmax_cross_entropy: "
                                   "say which in a worksheet column.")


def test_keys_of_numbered_variants_written_by_render(tmp_path):
    out = tmp_path / "out"
    assert main(["render", str(WORKSHEETS / "s3_backprop_by_hand.py"), "-o", str(out), "--variants", "2",
                 "--tex-only", "--quiet"]) == 0
    keys = sorted(out.glob("*.key.json"))
    assert [k.name for k in keys] == ["s3_backprop_by_hand-01.key.json", "s3_backprop_by_hand-02.key.json"]
    values = [next(q["answer"]["value"] for q in json.loads(k.read_text())["questions"] if q["id"] == "q3")
              for k in keys]
    assert values[0] != values[1]  # dL/dw5 at each variant's point
    first, second = "s3_backprop_by_hand-01", "s3_backprop_by_hand-02"
    write_answers(tmp_path / "answers.csv", [
        ("ada", first, "q3", f"{values[0]:.6g}"),
        ("bob", second, "q3", f"{values[1]:.6g}"),
        ("cy", second, "q3", f"{values[0]:.6g}"),         # the other variant's answer
        ("dee", "", "q3", f"{values[0]:.6g}"),
        ("eve", "s3_backprop_by_hand-09", "q3", "1"),
    ])
    grades = tmp_path / "grades.csv"
    assert main(["check", *[a for k in keys for a in ("--key", str(k))], "--answers", str(tmp_path / "answers.csv"),
                 "-o", str(grades), "--quiet"]) == 0
    rows = [(r["student"], r["worksheet"], r["correct"], r["feedback"]) for r in read_grades(grades)]
    assert [r["outcome"] for r in read_grades(grades)][8] == "not_checked"  # no such worksheet: read it by hand
    assert rows[0] == ("ada", first, "yes", "Correct.") and rows[1] == ("ada", "", "", "1 of 6 questions right")
    assert rows[2] == ("bob", second, "yes", "Correct.") and rows[3][3] == "1 of 6 questions right"
    assert rows[4][:3] == ("cy", second, "no")
    assert rows[6][:3] == ("dee", "", "no") and "say which in a worksheet column" in rows[6][3]
    assert rows[8] == ("eve", "s3_backprop_by_hand-09", "no",
                       "There is no key for the worksheet 's3_backprop_by_hand-09'.")


GAMED = r"2x(xw-y) + 7(w+1.876)(w+1.664)(w+1.242)(w+0.305)(w-0.593)(w-0.671)"


def test_check_with_a_seed_grades_reproducibly_and_rejects_a_gamed_answer(tmp_path, capsys):
    w, x, y = sp.symbols("w x y")
    key = tmp_path / "k.key.json"
    key.write_text(json.dumps({"worksheet": "k", "questions": [
        {"id": "q1", "kind": "derivative", "wrt": "w", "function_tree": to_tree((w * x - y) ** 2)}]}))
    answers = tmp_path / "answers.csv"
    answers.write_text(f"student,question,answer\nada,q1,2x(xw-y)\neve,q1,\"{GAMED}\"\n")
    grades = []
    for seed in ("3", "3", "0"):
        out = tmp_path / f"grades-{len(grades)}.csv"
        assert main(["check", "--key", str(key), "--answers", str(answers), "-o", str(out), "--quiet",
                     "--seed", seed]) == 0
        grades.append(out.read_text())
        assert [r["correct"] for r in read_grades(out) if r["question"] != "TOTAL"] == ["yes", "no"]
    assert grades[0] == grades[1]


@pytest.mark.parametrize("tolerance", [None, "1%", "0.01", "1 %"])
def test_the_tolerance_of_the_command_line_is_every_questions(files, tolerance):
    folder, key, _ = files
    answers, out = folder / "close.csv", folder / "g.csv"
    answers.write_text("student,question,answer\nada,q1,4.23\nada,q3,4.26\nada,q4,2.1\n")  # 0.7%, 1.4%, 0% off
    option = ["--tolerance", tolerance] if tolerance else []
    assert main(["check", "--key", str(key), "--answers", str(answers), "-o", str(out), "--quiet", *option]) == 0
    got = [r["correct"] for r in read_grades(out) if r["question"] != "TOTAL"]
    assert got == (["yes", "no", "yes"] if tolerance else ["no", "no", "yes"])


def test_a_tolerance_that_is_no_number_is_refused(files, capsys):
    folder, key, answers = files
    with pytest.raises(SystemExit):
        main(["check", "--key", str(key), "--answers", str(answers), "-o", str(folder / "g.csv"), "--tolerance", "1x"])
    assert "a tolerance is a number or a percentage (0.01 or 1%), not '1x'" in capsys.readouterr().err


def test_the_grades_count_correct_incorrect_and_not_checked_apart():
    key = Key("w", {"q1": Question.derivative(w ** 2, w), "q2": Question.derivative(w ** 3, w),
                    "q3": Question.derivative(w * x, w)})
    submissions = [Submission("ann", "q1", "2w"), Submission("ann", "q2", "-3w^2"), Submission("ann", "q3", "2x("),
                   Submission("ben", "q1", r"\frac{w}{w^2 - |w|^2}"), Submission("ben", "q2", "3w^2"),
                   Submission("ben", "q3", "x", problem="line 7 is not valid CSV")]
    grades = grade(submissions, [key], progress=False)
    assert [g.verdict.outcome for g in grades] == ["correct", "incorrect", "not_checked", "not_checked", "correct",
                                                   "not_checked"]
    assert [g.verdict.reason for g in grades] == [None, None, "unreadable", "the equivalence test could not decide",
                                                  None, "unreadable"]
    assert outcome_counts(grades) == {"correct": 2, "incorrect": 1, "not_checked": 3}
    assert totals(grades, [key]) == [Total("ann", 1.0, 3, 1, 1), Total("ben", 1.0, 3, 1, 2)]


def test_an_answer_to_no_question_of_the_key_is_not_checked():
    key = Key("w", {"q1": Question.derivative(w ** 2, w)})
    grades = grade([Submission("ann", "q9", "2w"), Submission("ann", "q1", "2w", worksheet="v"),
                    Submission("ann", "q1", "2w")], [key], progress=False)
    assert [(g.verdict.mistake, g.verdict.outcome, g.verdict.reason) for g in grades] == [
        ("not_in_key", "not_checked", "no such question in the key"),
        ("not_in_key", "not_checked", "no such question in the key"), (None, "correct", None)]
    assert [g.verdict.feedback for g in grades[:2]] == ["There is no question 'q9' in the key.",
                                                       "There is no key for the worksheet 'v'."]
    assert outcome_counts(grades) == {"correct": 1, "incorrect": 0, "not_checked": 2}


def derivation_key(tmp_path):
    y = sp.Symbol("y")
    key = {"worksheet": "w", "questions": [
        {"id": "sq", "kind": "derivative_at", "wrt": "w", "function_tree": to_tree((w * x - y) ** 2),
         "point": {"w": "0.5", "x": "2", "y": "3"}},                                # 2x(wx - y) = -8
        {"id": "sym", "kind": "derivative", "wrt": "w", "function_tree": to_tree(w ** 2 * x)},
        {"id": "grad", "kind": "gradient", "wrt": ["w", "x"], "function_tree": to_tree(w * x)}]}
    (tmp_path / "k.json").write_text(json.dumps(key))
    return tmp_path / "k.json"


def test_a_derivation_column_is_checked_line_by_line_and_scores_its_final_line(tmp_path, capsys):
    key = derivation_key(tmp_path)
    write_rows = [["student", "question", "answer", "derivation"],
                  ["ada", "sq", "", r"2(wx-y) \cdot \frac{\partial}{\partial w}(wx - y) \\ = 2(wx-y)x \\ = -8"],
                  ["ada", "sym", "2wx", ""],                                          # an answer, as before
                  ["bob", "sq", "", "= 2(wx-y)\n= 2(1 - 3)\n= -4"],      # line 1 drops the chain factor
                  ["bob", "sym", "", r"2xw \\ = 2wx^2"],                  # line 2 wrong, so the final line
                  ["cy", "sq", "", r"2x(wx-y) \\ = 2wx^2 + 2xy \\ = -8"],  # a line does not follow: right anyway
                  ["cy", "sym", "2wx", "2wx"],                            # both: refused, the rest go on
                  ["cy", "grad", "", "(x, w)"],                           # not a derivative: one answer
                  ["dee", "q9", "", r"1 \\ 2"]]
    with open(tmp_path / "a.csv", "w", newline="") as f:
        csv.writer(f).writerows(write_rows)
    out = tmp_path / "g.csv"
    assert main(["check", "--key", str(key), "--answers", str(tmp_path / "a.csv"), "-o", str(out), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("checked 8 answers from 4 students: 4 correct, 2 incorrect, 2 not checked "
                                   "(read these by hand); 3 of 4 derivations have a line that does not follow; ")
    rows = read_grades(out)
    assert list(rows[0]) == ["student", "worksheet", "question", "answer", "correct", "score", "mistake", "feedback",
                             "interpreted", "outcome", "first_wrong_line"]
    graded = [(r["student"], r["question"], r["outcome"], r["mistake"], r["first_wrong_line"])
              for r in rows if r["question"] != "TOTAL"]
    assert graded == [("ada", "sq", "correct", "", ""), ("ada", "sym", "correct", "", ""),
                      ("bob", "sq", "incorrect", "missing_chain_factor", "1"),
                      ("bob", "sym", "incorrect", "other", "2"),
                      ("cy", "sq", "correct", "", "2"), ("cy", "sym", "not_checked", "unparseable", ""),
                      ("cy", "grad", "correct", "", ""), ("dee", "q9", "not_checked", "not_in_key", "")]
    feedback = {(r["student"], r["question"]): r["feedback"] for r in rows}
    assert feedback["ada", "sq"] == "Every line follows. The result is right. Final line: Correct."
    assert feedback["ada", "sym"] == "Correct."
    assert feedback["cy", "sq"] == ("Line 2 does not follow: A sign is lost when expanding: the term $- 2 x y$ "
                                    "changed sign. The final line is right anyway. Final line: Correct.")
    # bob's first answer spans three lines of the file, so cy's second is on line 9
    assert feedback["cy", "sym"] == "This answer was not checked: line 9 has both an answer and a derivation."
    assert feedback["bob", "sq"].startswith("Line 1 does not follow: A chain-rule factor is missing")
    assert [r["first_wrong_line"] for r in rows if r["question"] == "TOTAL"] == [""] * 4


def test_check_derivation_reads_every_answer_as_a_derivation(tmp_path, capsys):
    key = derivation_key(tmp_path)
    (tmp_path / "a.json").write_text(json.dumps([
        {"student": "ada", "question": "sq", "answer": ["= 2x(wx-y)", r"= 2 \cdot 2(1 - 3)", "= -8"]},
        {"student": "bob", "question": "sq", "answer": "= 2x(wx - y) \\\\ = 2x(wx + y) \\\\ = 16"},  # 16 = 2x(wx - y)^2
        {"student": "cy", "question": "sq", "answer": " \\\\ ".join(["-8"] * 31)},   # too many lines
        {"student": "dee", "question": "sq", "answer": "-8"}]))                     # one line: a derivation too
    out = tmp_path / "g.csv"
    assert main(["check", "--key", str(key), "--answers", str(tmp_path / "a.json"), "-o", str(out), "--quiet",
                 "--derivation"]) == 0
    assert "2 correct, 1 incorrect, 1 not checked (read these by hand); 1 of 3 derivations has a line that does not " \
           "follow; " in capsys.readouterr().out
    graded = [(r["student"], r["outcome"], r["mistake"], r["first_wrong_line"]) for r in read_grades(out)
              if r["question"] != "TOTAL"]
    assert graded == [("ada", "correct", "", ""), ("bob", "incorrect", "power_rule_error", "2"),
                      ("cy", "not_checked", "too_complex", ""), ("dee", "correct", "", "")]
    feedback = [r["feedback"] for r in read_grades(out) if r["question"] != "TOTAL"]
    assert feedback[2] == "This answer is too complex to check: a derivation has at most 30 lines."
    assert feedback[3] == "Every line follows. The result is right. Final line: Correct."


def test_a_derivation_column_alone_is_a_header_of_answers(tmp_path):
    (tmp_path / "a.csv").write_text("student,question,derivation\nada,sq,1\n")
    assert read_answers(tmp_path / "a.csv") == [Submission("ada", "sq", "1", derivation=True)]
    (tmp_path / "b.csv").write_text("student,question,answer\nada,sq,1\n")
    assert read_answers(tmp_path / "b.csv", derivation=True) == [Submission("ada", "sq", "1", derivation=True)]
    (tmp_path / "c.csv").write_text("student,question\nada,sq\n")
    with pytest.raises(SymgradError, match="the CSV header lacks answer"):
        read_answers(tmp_path / "c.csv")

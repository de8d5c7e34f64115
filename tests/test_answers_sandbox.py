import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sympy as sp

from symgrad import Question, SymgradError
from symgrad.answers import sandbox as sandbox_module
from symgrad.answers.limits import Limits
from symgrad.answers.sandbox import Sandbox, _cap_memory

w, x, y = sp.symbols("w x y")
SLOW = r"\exp(\exp(\exp(\exp(\exp(1)))))"  # its value has millions of digits: far slower than 0.05 s


@pytest.fixture
def box():
    sandbox = Sandbox()
    yield sandbox
    sandbox.close()


def test_a_check_over_the_time_limit_is_too_complex_and_the_worker_is_replaced(box):
    hasty = Question.derivative((w * x - y) ** 2, w, limits=Limits(seconds=0.05))
    assert hasty.check("2x(xw-y)", box).correct
    first = box.pid
    start = time.perf_counter()
    verdict = hasty.check(SLOW, box)
    assert time.perf_counter() - start < 1.0
    assert verdict.mistake == "too_complex" and "longer than 0.05 s" in verdict.feedback
    assert box.restarts == 1
    assert hasty.check("-2x(xw-y)", box).mistake == "sign_error"
    assert box.pid != first


def test_checks_work_from_other_threads(box):
    q = Question.derivative((w * x - y) ** 2, w)
    results = []
    threads = [threading.Thread(target=lambda a=a: results.append(q.check(a, box).mistake))
               for a in ["2x(xw-y)", "-2x(xw-y)", "2(xw-y)", "2^{2^{2^{40}}}"]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results, key=str) == sorted([None, "sign_error", "missing_chain_factor", "too_complex"], key=str)


def _mark_or_fail(question, scheme, answer):
    if answer == "exhaust memory":
        raise MemoryError
    if answer == "crash":
        os._exit(3)
    if answer == "bug":
        raise KeyError("a bug")
    return _real_mark(question, scheme, answer)


_real_mark = sandbox_module.mark


@pytest.mark.parametrize("answer, mistake, feedback", [
    ("exhaust memory", "too_complex", "needed more than 512 MB"),
    ("crash", "check_failed", "the checking process stopped"),
])
def test_a_worker_that_runs_out_of_memory_or_dies_is_replaced(monkeypatch, answer, mistake, feedback):
    monkeypatch.setattr(sandbox_module, "mark", _mark_or_fail)  # before the worker is forked
    box = Sandbox()
    try:
        q = Question.derivative((w * x - y) ** 2, w)
        verdict = q.check(answer, box)
        assert verdict.mistake == mistake and feedback in verdict.feedback
        assert box.restarts == 1
        assert q.check("2x(xw-y)", box).correct
    finally:
        box.close()


def test_a_bug_in_checking_one_answer_is_reported_and_the_worker_goes_on(monkeypatch):
    monkeypatch.setattr(sandbox_module, "mark", _mark_or_fail)
    box = Sandbox()
    try:
        q = Question.derivative((w * x - y) ** 2, w)
        verdict = q.check("bug", box)
        assert verdict.mistake == "check_failed" and "KeyError" in verdict.feedback
        assert verdict.outcome == "not_checked" and verdict.reason == "symgrad failed to check it"
        assert verdict.feedback.startswith("symgrad could not check this answer (KeyError")
        assert q.check("2x(xw-y)", box).correct and box.restarts == 0
    finally:
        box.close()


class _FailingLines(sandbox_module.LineReference):
    def mark(self, number, text, before, symbolic):
        if text == "bug":
            raise KeyError("a bug")
        return super().mark(number, text, before, symbolic)


def test_a_bug_in_checking_a_line_is_reported_and_the_lines_go_on(monkeypatch):
    monkeypatch.setattr(sandbox_module, "LineReference", _FailingLines)  # before the worker is forked
    box = Sandbox()
    try:
        q = Question.derivative((w * x - y) ** 2, w)
        check = q.check_derivation(["2x(wx-y)", "bug", "2wx^2 - 2xy"], box)
        assert [(c.status, c.mistake) for c in check.lines] == [("ok", None), ("unreadable", "check_failed"),
                                                                ("ok", None)]
        assert check.lines[1].feedback.startswith("symgrad could not check this line (KeyError")
        assert check.first_wrong is None and check.final_correct
    finally:
        box.close()


def _allocate_under_cap(connection):
    _cap_memory(64)
    try:
        bytearray(512 * 2 ** 20)
    except MemoryError:
        connection.send("MemoryError")
    else:
        connection.send("allocated")


def test_the_memory_cap_refuses_an_allocation_over_it():
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe()
    process = context.Process(target=_allocate_under_cap, args=(child,))
    process.start()
    assert parent.recv() == "MemoryError"
    process.join(5)


def test_a_prepared_scheme_is_reused_by_a_replacement_worker(box):
    q = Question.derivative((w * x - y) ** 2, w, limits=Limits(seconds=0.05))
    box.prepare(q)
    scheme = box._questions[q][1]
    assert scheme is not None
    q.check(SLOW, box)  # the worker is replaced
    assert q.check("2x(xw-y)", box).correct and box._questions[q][1] is scheme


def test_a_question_that_cannot_be_prepared_is_an_error_for_the_teacher(box):
    q = Question.derivative(sp.log(-x ** 2 - 1) * w, w, id="q7")
    with pytest.raises(SymgradError, match="the question q7 cannot be checked: .*undefined at every point"):
        q.check("0", box)


class Local(sp.Function):
    """A function (its own derivative) that pickle cannot find by name once it is hidden."""

    def fdiff(self, argindex=1):
        return self


def test_what_cannot_be_sent_to_the_worker_is_a_clear_verdict_or_error(box, monkeypatch):
    q = Question.derivative((w * x - y) ** 2, w)
    verdict = q.check(lambda: 1, box)
    assert verdict.mistake == "unparseable" and "of type function" in verdict.feedback
    assert q.check("2x(xw-y)", box).correct
    hidden = Question.derivative(Local(w) * w, w, id="q3")
    monkeypatch.delattr(__import__(__name__), "Local")
    with pytest.raises(SymgradError, match="the question q3 cannot be sent to the checking process"):
        hidden.check("0", box)


def test_a_worker_holding_many_questions_is_renewed(box, monkeypatch):
    monkeypatch.setattr(sandbox_module, "MAX_QUESTIONS", 2)
    questions = [Question.derivative(w ** k, w) for k in (2, 3, 4)]
    assert [q.check(f"{k} w^{k - 1}", box).correct for q, k in zip(questions, (2, 3, 4))] == [True] * 3
    assert len(box._known) == 1 and box.restarts == 0
    assert questions[0].check("2w", box).correct


GRADER = """
import sys, threading, time
import sympy as sp
from symgrad import Question
from symgrad.answers.limits import Limits
from symgrad.answers.sandbox import Sandbox
w, x, y = sp.symbols("w x y")
box = Sandbox()
how, slow = sys.argv[1:]
starter = threading.Thread(target=box.start)  # a worker forked by a thread that has ended
starter.start() if how == "thread" else box.start()
starter.join() if how == "thread" else None
print(box.pid, flush=True)
if how == "busy":
    Question.derivative((w * x - y) ** 2, w, limits=Limits(seconds=600)).check(slow, box)
time.sleep(600)
"""


def _gone(pid):
    """Whether process ``pid`` has ended (a zombie nobody reaps has)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("how, sent", [("idle", signal.SIGKILL), ("busy", signal.SIGKILL), ("busy", signal.SIGTERM),
                                       ("thread", signal.SIGKILL)])
def test_the_worker_ends_within_a_second_of_its_grader(how, sent):
    root = Path(__file__).resolve().parent.parent
    grader = subprocess.Popen([sys.executable, "-c", GRADER, how, SLOW], cwd=root, stdout=subprocess.PIPE, text=True)
    try:
        worker = int(grader.stdout.readline())
        time.sleep(1.0 if how == "busy" else 0.2)  # busy: computing SLOW, which takes minutes
        assert not _gone(worker)
        grader.send_signal(sent)
        grader.wait(5)
        deadline = time.monotonic() + 1.0
        while not _gone(worker) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _gone(worker)
    finally:
        grader.kill()
        grader.wait()


def test_a_worker_forked_by_a_thread_outlives_the_thread(box):
    """The parent-death signal comes when the forking thread ends: a worker forked by another thread
    relies on watching its parent instead, and goes on serving."""
    starter = threading.Thread(target=box.start)
    starter.start()
    starter.join()
    time.sleep(0.3)
    assert Question.derivative(w ** 2, w).check("2w", box).correct and box.restarts == 0

"""Checking answers in a warm worker process, under a wall-clock and a memory limit that work from
any thread (no signals).

One worker serves many checks: it is forked (where the platform allows) from the checking process,
so it starts in milliseconds with symgrad imported and the parser warmed up. It prepares each
question's marking scheme once and sends it back, so a replacement worker need not prepare it again.
The caller waits for each verdict at most ``limits.seconds``; a worker that overruns is killed and
replaced, and the answer gets ``too_complex``. The worker's address space is capped at what it
started with plus ``memory_mb`` (``RLIMIT_AS``, on Linux), so an answer that needs more memory gets
``too_complex`` too. Either way the next answer is checked normally. The worker also computes
what a key file asks for (:meth:`Sandbox.run`), under the same limits. It never outlives the
process that started it: it holds no end of its pipe but its own, and ends with its parent.
"""

import atexit
import functools
import itertools
import multiprocessing
import os
import pickle
import signal
import threading
import time
import weakref
from dataclasses import dataclass

from ..core.errors import SymgradError
from .feedback import sentence
from .limits import DEFAULT_LIMITS
from .marking import LineReference, check_lines, lines_of, mark, prepare_scheme, refused, unreadable_line
from .problems import AnswerProblem
from .verdict import Verdict

__all__ = ["Sandbox", "default_sandbox"]

MAX_QUESTIONS = 1000  # questions a worker holds before it is replaced by a fresh one
_FAILURES = ("timeout", "memory", "died")  # the worker is replaced after these
_LIMITS = ("timeout", "memory", "deep")  # a limit was hit
PARENT_POLL = 0.2  # seconds between a worker's checks that the process it serves is still there
PR_SET_PDEATHSIG = 1  # prctl(2)


class _Unpicklable(Exception):
    """A question or answer that cannot be sent to the worker."""


class Sandbox:
    """A warm worker process that checks answers. Thread-safe: concurrent checks take turns. ``seed``
    makes the points symbolic answers are compared at reproducible (by default they are drawn from
    the system's randomness, so that no answer can be tailored to them)."""

    def __init__(self, memory_mb=DEFAULT_LIMITS.memory_mb, seed=None):
        self.memory_mb = memory_mb
        self.seed = seed  # of the points symbolic answers are compared at; None: a fresh secret one per question
        self.restarts = 0  # workers replaced after a limit was hit or a crash
        self._lock = threading.Lock()
        self._process = self._connection = None
        self._questions = weakref.WeakKeyDictionary()  # question -> [token, scheme or None]
        self._known = set()  # tokens of the questions the current worker holds
        self._tokens = itertools.count()

    @property
    def pid(self):
        """The worker's process id (None before the first check)."""
        return self._process.pid if self._process is not None else None

    def start(self):
        """Start the worker now (else the first check starts it): best done before this process starts
        threads, since the worker is forked from it."""
        with self._lock:
            if self._process is None or not self._process.is_alive():
                self._start()

    def prepare(self, question):
        """Prepare ``question``'s marking scheme in the worker; raises SymgradError if it cannot be."""
        with self._lock:
            self._hand_over(question)

    def check(self, question, answer):
        """The :class:`~symgrad.answers.verdict.Verdict` on ``answer``, within ``question.limits``."""
        try:
            status, payload = self._ask(question, "check", answer, question.limits.seconds)
        except _Unpicklable:
            return Verdict(False, 0.0, "unparseable", sentence(
                "unparseable", f"cannot read an answer of type {type(answer).__name__}"))
        if status == "verdict":
            return payload
        if status in _LIMITS:
            return _too_complex(f"checking it {self._overrun(status, question.limits.seconds)}")
        return Verdict(False, 0.0, "check_failed", sentence("check_failed", payload))

    def check_derivation(self, question, working):
        """The :class:`~symgrad.answers.marking.DerivationCheck` of ``working`` (lines of text), each line
        checked within ``question.limits`` as an answer is (one over them is ``too_complex``), once what
        the lines are compared with is prepared (within ``prepare_seconds``)."""
        try:
            lines = lines_of(working, question.limits)
        except AnswerProblem as problem:
            return refused(sentence(problem.kind, str(problem).rstrip(".")))
        seconds = question.limits.prepare_seconds
        status, payload = self._ask(question, "lines", None, seconds)
        if status in _LIMITS:
            return refused(sentence("too_complex", f"preparing its question {self._overrun(status, seconds)}"))
        if status != "prepared":
            return refused(f"symgrad could not check this derivation ({payload}); please tell your teacher.")
        return check_lines(question, lines, functools.partial(self._mark_line, question))

    def _mark_line(self, question, number, text, before, symbolic):
        seconds = question.limits.seconds
        status, payload = self._ask(question, "line", (number, text, before, symbolic), seconds)
        if status == "verdict":
            return payload
        if status in _LIMITS:
            return unreadable_line(number, text, "too_complex", sentence(
                "too_complex", f"checking it {self._overrun(status, seconds)}")), None
        return unreadable_line(number, text, "check_failed", f"symgrad could not check this line ({payload}); "
                               "please tell your teacher."), None

    def run(self, subject, seconds, function, *args):
        """``function(*args)``, computed in the worker within ``seconds`` and its memory limit: work on
        data from outside (a key's question) that might never end or exhaust memory. Raises a
        SymgradError naming ``subject`` when it fails."""
        with self._lock:
            try:
                status, payload = self._call(("run", function, args), seconds)
            except _Unpicklable as error:
                raise SymgradError(f"{subject} cannot be sent to the checking process: {error}") from None
        if status == "done":
            return payload
        if status in _LIMITS:
            raise SymgradError(f"{subject}: {'it' if status == 'deep' else 'preparing it'} "
                               f"{self._overrun(status, seconds)}")
        raise SymgradError(payload if payload.startswith(subject) else f"{subject}: {payload}")

    def close(self):
        """Stop the worker (a new one starts at the next check)."""
        with self._lock:
            self._stop()

    # -- the worker ------------------------------------------------------------------------------

    def _ask(self, question, request, answer, seconds):
        """``(status, payload)``: the worker's reply to ``request`` (check, lines, line) about ``answer``."""
        with self._lock:
            token = self._hand_over(question)
            return self._call((request, token, answer), seconds)

    def _hand_over(self, question):
        """Make sure the worker holds ``question`` and its scheme; returns its token."""
        entry = self._questions.get(question)
        if entry is None:
            entry = self._questions[question] = [next(self._tokens), None]
        token, scheme = entry
        if token in self._known:
            return token
        if len(self._known) >= MAX_QUESTIONS:  # a fresh worker forgets them (their schemes are kept here)
            self._stop()
        limit = question.limits.prepare_seconds
        name = f"the question {question.id}" if question.id else "the question"
        try:
            status, payload = self._call(("question", token, question, scheme), limit)
        except _Unpicklable as error:
            raise SymgradError(f"{name} cannot be sent to the checking process: {error}") from None
        if status in _LIMITS:
            raise SymgradError(f"preparing {name} {self._overrun(status, limit)}")
        if status != "prepared":
            raise SymgradError(f"{name} cannot be checked: {payload}")
        if payload is not None:
            entry[1] = payload
        self._known.add(token)
        return token

    def _overrun(self, status, seconds):
        """What a limit that was hit says: ``took longer than 1.5 s``."""
        return {"timeout": f"took longer than {seconds:g} s", "memory": f"needed more than {self.memory_mb} MB",
                "deep": "is nested too deeply"}[status]

    def _call(self, message, seconds):
        """Send ``message`` and wait at most ``seconds`` for ``(status, payload)``; a worker that overran,
        ran out of memory or died is stopped (and replaced at the next call)."""
        if self._process is None or not self._process.is_alive():
            self._start()
        try:
            self._connection.send(message)  # pickled whole before anything is written
        except (pickle.PicklingError, TypeError, AttributeError) as error:
            raise _Unpicklable(str(error)) from None
        except (EOFError, OSError):
            status, payload = "died", None
        else:
            status, payload = self._wait(seconds)
        if status not in _FAILURES:
            return status, payload
        self._stop()
        self.restarts += 1
        return status, "the checking process stopped" if status == "died" else None

    def _wait(self, seconds):
        try:
            if self._connection.poll(seconds):
                return self._connection.recv()
            return "timeout", None
        except (EOFError, OSError):
            return "died", None

    def _start(self):
        context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods()
                                              else "spawn")
        if context.get_start_method() == "fork":
            from .parsing import warm_up

            warm_up()  # the worker inherits the parser's warmed-up tables
        parent, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, parent, _Parent.here(), self.memory_mb, self.seed),
                                        daemon=True, name="symgrad-answers")
        self._process.start()
        child.close()
        self._connection = parent
        self._known = set()

    def _stop(self):
        if self._process is not None:
            self._process.kill()
            self._process.join(5)
            self._connection.close()
        self._process = self._connection = None
        self._known = set()


def _too_complex(reason):
    return Verdict(False, 0.0, "too_complex", sentence("too_complex", reason))


def _serve(connection, parents_end, parent, memory_mb, seed):
    """The worker's loop: prepare questions and mark answers until the connection closes or the
    process that started it (``parent``) is gone."""
    parents_end.close()  # inherited by the fork: held open here, it would hide the parent's death
    parent.follow()
    _cap_memory(memory_mb)
    questions, references = {}, {}  # token -> (question, scheme); token -> LineReference, when asked
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        try:
            reply = _reply(message, questions, seed, references)
        except MemoryError:
            connection.send(("memory", None))
            os._exit(1)  # the heap may be in any state: let a fresh worker take over
        except RecursionError:
            reply = ("deep", None)
        except SymgradError as error:
            reply = ("error", str(error))
        except Exception as error:  # a bug must not stop a class's grading: report it, keep serving
            reply = ("error", f"{type(error).__name__}: {error}")
        connection.send(reply)


def _reply(message, questions, seed, references):
    """The worker's reply to one message: ``question`` (hold a question, preparing its scheme unless
    it comes with one), ``check`` (mark an answer to a held question), ``lines`` (prepare a held question's
    :class:`~symgrad.answers.marking.LineReference`, once), ``line`` (mark a line of a derivation against
    it, preparing it if this worker has not) or ``run`` (compute a function)."""
    if message[0] == "question":
        _, token, question, scheme = message
        fresh = scheme is None
        scheme = _rebuilt(prepare_scheme(question, seed)) if fresh else scheme
        questions[token] = (question, scheme)
        return "prepared", scheme if fresh else None
    if message[0] == "check":
        _, token, answer = message
        return "verdict", mark(*questions[token], answer)
    if message[0] in ("lines", "line"):
        _, token, line = message
        if token not in references:
            references[token] = LineReference(questions[token][0], seed)
        return ("verdict", _rebuilt(references[token].mark(*line))) if line else ("prepared", None)
    _, function, args = message
    return "done", _rebuilt(function(*args))


def _rebuilt(value):
    """``value`` as the caller will unpickle it. SymPy objects are rebuilt by their constructors, which
    evaluate: ``2**(2**(2**10))`` kept unevaluated here would be computed in the caller, with no
    limit. Rebuilt here first, under the worker's limits, it reaches the caller already evaluated."""
    return pickle.loads(pickle.dumps(value))


@dataclass(frozen=True)
class _Parent:
    """The process that starts a worker: its id, and whether its main thread forks the worker."""

    pid: int
    main_thread: bool

    @classmethod
    def here(cls):
        return cls(os.getpid(), threading.current_thread() is threading.main_thread())

    def follow(self):
        """End this worker when the parent ends: at once by a parent-death signal (Linux; only when the
        parent's main thread forked it, since the signal comes when the forking thread ends), and in
        any case within ``PARENT_POLL`` seconds, even in the middle of a computation."""
        if self.main_thread:
            try:
                import ctypes

                ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            except (OSError, AttributeError):  # not Linux
                pass
        if os.getppid() != self.pid:  # the parent ended before the signal was set up
            os._exit(0)
        threading.Thread(target=self._watch, daemon=True, name="symgrad-parent-watch").start()

    def _watch(self):
        while os.getppid() == self.pid:
            time.sleep(PARENT_POLL)
        os._exit(0)


def _cap_memory(memory_mb):
    """Limit the worker's address space to its current size plus ``memory_mb`` (Linux only)."""
    try:
        import resource

        with open("/proc/self/statm") as statm:
            current = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (ImportError, OSError, ValueError):
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = current + memory_mb * 2 ** 20
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


_default = None
_default_lock = threading.Lock()


def default_sandbox():
    """The sandbox :meth:`Question.check <symgrad.answers.question.Question.check>` uses by default."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Sandbox()
            atexit.register(_default.close)
        return _default


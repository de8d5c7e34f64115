"""Stopping a command cleanly: SIGTERM is raised as Ctrl-C is, so every command stops where it is,
writes nothing half-done (outputs are written whole or not at all) and says so in one line."""

import os
import signal
import threading
from contextlib import contextmanager

__all__ = ["Terminated", "terminate_as_interrupt", "exit_status", "signal_name"]


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, as Ctrl-C raises KeyboardInterrupt."""


@contextmanager
def terminate_as_interrupt():
    """SIGTERM raises :class:`Terminated` in the block (where signals can be handled: the main thread);
    a process forked meanwhile (the checking worker) is terminated by it as usual."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pid = os.getpid()

    def terminated(signum, frame):
        if os.getpid() != pid:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise Terminated

    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def exit_status(stop):
    """The shell's status for a command stopped by ``stop`` (a KeyboardInterrupt): 128 + the signal."""
    return 128 + (signal.SIGTERM if isinstance(stop, Terminated) else signal.SIGINT)


def signal_name(stop):
    """How the signal that stopped a command is named in its last line."""
    return "SIGTERM" if isinstance(stop, Terminated) else "an interrupt (SIGINT)"

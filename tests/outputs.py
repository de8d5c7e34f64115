"""Helpers for the tests of output files: a disk that fills up, a place that takes no files, and a
folder's files as bytes (to show that a failed write changed nothing)."""

import resource
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def disk_full_after(size):
    """Any file written in the block stops growing at ``size`` bytes: the next write fails with EFBIG
    (``RLIMIT_FSIZE``; Python ignores SIGXFSZ), as on a full disk."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


def read_only_folder(tmp_path):
    """A folder no file can be created in: a folder without write permission, or /sys when the tests
    run as root (who may write anywhere else)."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    for candidate in (folder, Path("/sys")):
        try:
            tempfile.TemporaryFile(dir=candidate).close()
        except OSError:
            return candidate
    pytest.skip("no folder refuses new files here")


def contents(folder):
    """``{name: bytes}`` of every file in ``folder`` (hidden temporary files included)."""
    return {p.name: p.read_bytes() for p in sorted(Path(folder).iterdir()) if p.is_file() and not p.is_symlink()}


__all__ = ["disk_full_after", "read_only_folder", "contents"]

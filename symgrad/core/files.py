"""Writing output files whole, and checking beforehand that they can be written.

Every file symgrad writes goes to a temporary file in the folder of its target, is flushed to disk, and
then replaces the target by a rename: a reader sees the old file or the new one, never half of one; a
failure (a full disk, an interruption) leaves the old file as it was and removes the temporary one.
The rename replaces a symlink at the target itself, so a link's target is never written through. Text
is written as UTF-8, anything that cannot be encoded (a lone surrogate) shown as a ``\\udcff`` escape.
"""

import os
import secrets
import shutil
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError

__all__ = ["write_atomically", "atomic_path", "staging_folder", "check_output", "check_folder", "SOURCE_DATE_EPOCH"]

CHUNK = 1 << 16  # bytes per write call
SOURCE_DATE_EPOCH = "1704067200"  # 2024-01-01: the date written in PDFs, so the same input gives the same bytes


def write_atomically(path, content):
    """Write ``content`` (text or bytes) to ``path`` whole; raises :class:`OutputError` if it cannot be."""
    data = content.encode("utf-8", "backslashreplace") if isinstance(content, str) else bytes(content)
    with atomic_path(path) as temporary:
        descriptor = os.open(temporary, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0))
        try:
            left = memoryview(data)
            while left:
                left = left[os.write(descriptor, left[:CHUNK]):]
        finally:
            os.close(descriptor)


@contextmanager
def atomic_path(path):
    """A temporary file beside ``path`` (its name ends as ``path``'s, so a writer choosing the format by
    the suffix sees the same one) for the block to write; it replaces ``path`` when the block ends
    normally, and is removed, ``path`` untouched, when the block raises."""
    path = Path(path)
    temporary = _temporary(path)
    try:
        try:
            yield temporary
            _replace(temporary, path)
        except Exception as error:
            failure = _write_failure(error)
            if failure is None:
                raise
            raise OutputError(f"cannot write {path}: {failure}; it was left as it was") from None
    finally:
        temporary.unlink(missing_ok=True)
    _sync_folder(path.parent)


@contextmanager
def staging_folder(folder):
    """A temporary folder inside ``folder`` for the block to write files into; when the block ends
    normally each file in it replaces the one of its name in ``folder``, and when it raises they are
    removed and ``folder`` is as it was."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=".stage-", dir=folder))
    except OSError as error:
        raise OutputError(f"cannot write into {folder}: {error.strerror or error}") from None
    try:
        try:
            yield stage
            for file in sorted(stage.iterdir()):
                _replace(file, folder / file.name)
        except Exception as error:
            failure = _write_failure(error)
            if failure is None:
                raise
            raise OutputError(f"cannot write into {folder}: {failure}") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    _sync_folder(folder)


def check_output(path, inputs=()):
    """Raise :class:`OutputError` unless a file can be written at ``path`` (before any work is done):
    it is not a folder, its folder exists and takes new files, and it is none of ``inputs`` (the same
    file by another spelling, a hard link or a symlink counts)."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a folder")
    for other in inputs:
        if _same_file(path, Path(other)):
            raise OutputError(f"cannot write {path}: it is the input {other}, which would be overwritten")
    if path.exists() and not path.is_symlink() and not os.access(path, os.W_OK):
        raise OutputError(f"cannot write {path}: it is read-only")
    _check_folder_takes_files(path.parent, path)


def check_folder(folder):
    """Raise :class:`OutputError` unless ``folder`` is a folder that takes new files or can be made
    (its nearest existing ancestor is such a folder)."""
    folder = Path(folder)
    existing = folder
    while not existing.exists() and existing != existing.parent:
        if existing.is_symlink():
            raise OutputError(f"cannot write into {folder}: {existing} is a broken symlink")
        existing = existing.parent
    _check_folder_takes_files(existing, folder)


def _check_folder_takes_files(folder, target):
    if not folder.exists():
        raise OutputError(f"cannot write {target}: the folder {folder} does not exist")
    if not folder.is_dir():
        raise OutputError(f"cannot write {target}: {folder} is not a folder")
    try:
        with tempfile.TemporaryFile(dir=folder):  # the only sure test (permissions, read-only file systems)
            pass
    except OSError as error:
        raise OutputError(f"cannot write {target}: the folder {folder} takes no new files "
                          f"({error.strerror or error})") from None


def _write_failure(error):
    """Why writing failed, when ``error`` is an OSError or was raised while handling one (a writer's
    clean-up failing after the disk filled up, as matplotlib's does); None for any other error."""
    seen = error
    while seen is not None:
        if isinstance(seen, OutputError):
            return None
        if isinstance(seen, OSError):
            return seen.strerror or str(seen)
        seen = seen.__context__
    return None


def _same_file(a, b):
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return os.path.realpath(a) == os.path.realpath(b)


def _temporary(path):
    """A new empty file beside ``path``, created without following any link, with the usual permissions."""
    for _ in range(100):
        temporary = path.with_name(f".{secrets.token_hex(4)}.tmp-{path.name}")
        try:
            os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666))
        except FileExistsError:
            continue
        except OSError as error:
            raise OutputError(f"cannot write {path}: {error.strerror or error}") from None
        return temporary
    raise OutputError(f"cannot write {path}: no free temporary name beside it")


def _replace(temporary, path):
    """Flush ``temporary`` to disk, keep the permissions of the file it replaces, and rename it to ``path``."""
    descriptor = os.open(temporary, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    try:
        old = os.lstat(path)
    except FileNotFoundError:
        old = None
    if old is not None and stat.S_ISREG(old.st_mode):
        os.chmod(temporary, stat.S_IMODE(old.st_mode))
    os.replace(temporary, path)


def _sync_folder(folder):
    """Flush the folder's entries (the rename) to disk, where the platform can."""
    try:
        descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)

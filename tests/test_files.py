import errno
import os

import pytest

from outputs import contents, disk_full_after, read_only_folder
from symgrad.core import files
from symgrad.core.errors import OutputError, SymgradError
from symgrad.core.files import atomic_path, check_folder, check_output, staging_folder, write_atomically


def test_text_and_bytes_are_written_whole(tmp_path):
    write_atomically(tmp_path / "a.txt", "zürich\n")
    write_atomically(tmp_path / "b.bin", b"\x00\xff")
    assert (tmp_path / "a.txt").read_bytes() == "zürich\n".encode()
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\xff"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.bin"]  # no temporary file left


def test_text_that_cannot_be_encoded_is_written_visibly(tmp_path):
    write_atomically(tmp_path / "a.txt", "bo\ud800b,\udcff\n")
    assert (tmp_path / "a.txt").read_bytes() == b"bo\\ud800b,\\udcff\n"


def test_a_full_disk_midway_leaves_the_old_file_as_it_was(tmp_path, monkeypatch):
    target = tmp_path / "grades.csv"
    write_atomically(target, "the complete old file\n" * 10_000)
    real_write, calls = os.write, []

    def write_then_fill_up(descriptor, data):  # half of the first chunk goes through, then the disk is full
        calls.append(len(data))
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(descriptor, bytes(data[:len(data) // 2]))

    monkeypatch.setattr(files.os, "write", write_then_fill_up)
    with pytest.raises(OutputError, match=r"cannot write .*grades.csv: No space left on device; it was left as it"):
        write_atomically(target, "the new file\n" * 20_000)
    monkeypatch.undo()
    assert calls == [files.CHUNK, files.CHUNK]  # the second write, after half of the first, fails
    assert contents(tmp_path) == {"grades.csv": b"the complete old file\n" * 10_000}


def test_a_real_size_limit_midway_leaves_the_old_file_as_it_was(tmp_path):
    target = tmp_path / "out.bin"
    write_atomically(target, b"old" * 1000)
    with disk_full_after(100_000), pytest.raises(OutputError, match="File too large"):
        write_atomically(target, b"new" * 100_000)
    assert contents(tmp_path) == {"out.bin": b"old" * 1000}


def test_a_symlink_is_replaced_and_its_target_left_unchanged(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("do not overwrite")
    (tmp_path / "out").mkdir()
    link = tmp_path / "out" / "grades.csv"
    link.symlink_to(secret)
    write_atomically(link, "grades")
    assert secret.read_text() == "do not overwrite"
    assert not link.is_symlink() and link.read_text() == "grades"


def test_the_permissions_of_the_replaced_file_are_kept(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")
    target.chmod(0o640)
    write_atomically(target, "new")
    assert target.stat().st_mode & 0o777 == 0o640


def test_a_writer_that_fails_leaves_nothing(tmp_path):
    target = tmp_path / "figure.png"
    target.write_bytes(b"old figure")
    with pytest.raises(RuntimeError, match="drawing failed"):
        with atomic_path(target) as temporary:
            assert temporary.parent == tmp_path and temporary.name.endswith("figure.png")
            temporary.write_bytes(b"half a fig")
            raise RuntimeError("drawing failed")
    assert contents(tmp_path) == {"figure.png": b"old figure"}


def test_a_staging_folder_moves_its_files_in_at_the_end_or_none(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "elsewhere.tex").write_text("untouched")
    (out / "a.tex").symlink_to(tmp_path / "elsewhere.tex")
    with staging_folder(out) as stage:
        (stage / "a.tex").write_text("new a")
        (stage / "b.key.json").write_text("new b")
        assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["a.tex"]
    assert contents(out) == {"a.tex": b"new a", "b.key.json": b"new b"}
    assert (tmp_path / "elsewhere.tex").read_text() == "untouched"
    with pytest.raises(KeyboardInterrupt):
        with staging_folder(out) as stage:
            (stage / "a.tex").write_text("half")
            raise KeyboardInterrupt
    assert contents(out) == {"a.tex": b"new a", "b.key.json": b"new b"}


def test_check_output_refuses_what_cannot_be_written(tmp_path):
    answers = tmp_path / "answers.csv"
    answers.write_text("student,question,answer\n")
    (tmp_path / "link.csv").symlink_to(answers)
    (tmp_path / "a-file").write_text("")
    (tmp_path / "sub").mkdir()
    cases = [
        (tmp_path, "it is a folder"),
        (tmp_path / "missing" / "grades.csv", "the folder .*missing does not exist"),
        (tmp_path / "a-file" / "grades.csv", "a-file is not a folder"),
        (answers, "it is the input .*answers.csv, which would be overwritten"),
        (tmp_path / "sub" / ".." / "answers.csv", "it is the input"),
        (tmp_path / "link.csv", "it is the input"),
        (read_only_folder(tmp_path) / "grades.csv", "takes no new files"),
    ]
    for path, message in cases:
        with pytest.raises(OutputError, match=message):
            check_output(path, inputs=[answers])
    check_output(tmp_path / "grades.csv", inputs=[answers])
    assert issubclass(OutputError, SymgradError) and issubclass(OutputError, OSError)


def test_check_folder(tmp_path):
    (tmp_path / "a-file").write_text("")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    check_folder(tmp_path / "new" / "deeper")  # made when written
    for folder, message in [(tmp_path / "a-file", "a-file is not a folder"),
                            (tmp_path / "a-file" / "out", "a-file is not a folder"),
                            (tmp_path / "dangling", "dangling is a broken symlink"),
                            (read_only_folder(tmp_path) / "out", "takes no new files")]:
        with pytest.raises(OutputError, match=message):
            check_folder(folder)
    assert not (tmp_path / "new").exists()


def test_a_writer_failing_in_a_staging_folder_is_an_output_error(tmp_path):
    (tmp_path / "a.tex").write_text("old")
    with pytest.raises(OutputError, match=r"cannot write into .*: No space left on device"):
        with staging_folder(tmp_path) as stage:
            (stage / "a.tex").write_text("half")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert contents(tmp_path) == {"a.tex": b"old"} and [p.name for p in tmp_path.iterdir()] == ["a.tex"]

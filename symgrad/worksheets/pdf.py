"""Building a PDF from a LaTeX file with latexmk on a real TeX installation, safely and reproducibly.

TeX runs without shell escape, on ``./NAME.tex`` (so no name is taken for an option: latexmk 4.79
has no ``--``), with its file access restricted to the build folder
(``openin_any=p``, ``openout_any=p``), ignoring any latexmkrc, with a fixed ``SOURCE_DATE_EPOCH``.
It runs in a temporary folder next to the target: the PDF appears in the output folder, by an
atomic rename, only when the build succeeded. A failed build raises :class:`TexError` with the
relevant lines of TeX's log; a missing TeX raises :class:`TexMissingError`, saying how to install it.
"""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..core.errors import SymgradError

__all__ = ["build_pdf", "TexError", "TexMissingError", "tex_available", "INSTALL_HINT", "SOURCE_DATE_EPOCH"]

SOURCE_DATE_EPOCH = "1704067200"  # 2024-01-01: PDF dates fixed, so the same input gives the same bytes
INSTALL_HINT = ("install TeX with: sudo apt-get install latexmk texlive-latex-base texlive-latex-recommended "
                "texlive-fonts-recommended lmodern (or run `make setup`)")
TIMEOUT = 300


class TexError(SymgradError, RuntimeError):
    """TeX failed on a document; the message holds the relevant lines of its log."""


class TexMissingError(SymgradError, FileNotFoundError):
    """latexmk or pdflatex is not installed."""


def tex_available():
    return shutil.which("latexmk") is not None and shutil.which("pdflatex") is not None


def build_pdf(tex_file, extra_files=(), timeout=TIMEOUT):
    """Build ``tex_file`` (with ``extra_files``, such as figures, beside it) into the PDF of the same
    name in the same folder, and return its path. Any old PDF of that name is removed first."""
    tex_file = Path(tex_file)
    target = tex_file.with_suffix(".pdf")
    target.unlink(missing_ok=True)
    if not tex_available():
        raise TexMissingError(f"cannot build {target.name}: TeX (latexmk, pdflatex) is not installed; "
                              f"{INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix=".build-", dir=tex_file.parent) as build:
        build = Path(build)
        for f in (tex_file, *map(Path, extra_files)):
            shutil.copy2(f, build / f.name)
        command = ["latexmk", "-norc", "-pdf", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error",
                   "-file-line-error", "-silent", f"./{tex_file.name}"]  # ./: never taken for an option
        try:
            done = subprocess.run(command, cwd=build, env=_environment(build), capture_output=True, text=True,
                                  timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise TexError(f"TeX took more than {timeout} s on {tex_file.name} and was stopped") from None
        built = build / target.name
        if done.returncode != 0 or not built.is_file():
            raise TexError(_failure(tex_file.name, build / tex_file.with_suffix(".log").name, done))
        os.replace(built, target)
    return target


def _environment(build):
    env = dict(os.environ)
    env.update({"openin_any": "p", "openout_any": "p", "shell_escape": "f", "TEXMFOUTPUT": str(build),
                "SOURCE_DATE_EPOCH": env.get("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH), "FORCE_SOURCE_DATE": "1"})
    return env


def _failure(name, log_file, done):
    """The error lines of TeX's log (``! ...`` or ``file:line: ...``, with the two lines after)."""
    log = log_file.read_text(errors="replace") if log_file.is_file() else done.stdout + done.stderr
    lines = log.splitlines()
    picked = []
    for i, line in enumerate(lines):
        if line.startswith("!") or _FILE_LINE.match(line):
            picked.extend(lines[i:i + 3])
        if len(picked) >= 12:
            break
    detail = "\n".join(picked) if picked else "\n".join(lines[-12:])
    return f"TeX failed on {name}; no PDF was written. From its log:\n{detail}"


_FILE_LINE = re.compile(r"^\./[^:]+\.tex:\d+: ")

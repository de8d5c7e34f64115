"""Building a PDF from a LaTeX file with latexmk on a real TeX installation, safely and reproducibly.

TeX runs without shell escape, on ``./NAME.tex`` (so no name is taken for an option: latexmk 4.79
has no ``--``), with its file access restricted to the build folder
(``openin_any=p``, ``openout_any=p``), ignoring any latexmkrc, with a fixed ``SOURCE_DATE_EPOCH``.
A document in ASCII and Latin text (:data:`PDFLATEX_TEXT`) is built with pdfLaTeX, any other with
LuaLaTeX (:func:`engine`), which prints every script from system fonts but is slower.
TeX runs in a temporary folder next to the target: the PDF appears in the output folder, by an
atomic rename, only when the build succeeded. A failed build raises :class:`TexError` with the
relevant lines of TeX's log; a missing TeX raises :class:`TexMissingError`, saying how to install it.
"""

import functools
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..core.errors import SymgradError
from ..core.files import SOURCE_DATE_EPOCH

__all__ = ["build_pdf", "engine", "TexError", "TexMissingError", "tex_available", "INSTALL_HINT", "SOURCE_DATE_EPOCH",
           "PDFLATEX_TEXT"]

INSTALL_HINT = ("install TeX with: sudo apt-get install latexmk texlive-latex-base texlive-latex-recommended "
                "texlive-fonts-recommended lmodern texlive-luatex fontconfig fonts-noto-core fonts-noto-cjk "
                "fonts-symbola (or run `make setup`)")
TIMEOUT = 300
PDFLATEX_TEXT = frozenset(chr(c) for c in [9, 10, *range(32, 127), *range(0xA0, 0x180), 0x2013, 0x2014, 0x2018,
                                          0x2019, 0x201C, 0x201D, 0x2020, 0x2021, 0x2022, 0x2026, 0x20AC]
                          if chr(c) not in "\xb8\u0126\u0127\u0138\u013f\u0140\u0149\u0166\u0167\u017f")
"""The characters pdfLaTeX prints in T1 and TS1 (ASCII, Latin-1, Latin Extended-A but for the ten
its encodings leave out, dashes, quotes, the ellipsis and the euro sign)."""
UNICODE_FONTS = ("Noto Serif", "Noto Serif CJK SC", "Noto Naskh Arabic", "Noto Serif Hebrew", "Symbola")
"""The fonts LuaLaTeX falls back to for other scripts (see the preamble of :mod:`symgrad.worksheets.document`)."""


class TexError(SymgradError, RuntimeError):
    """TeX failed on a document; the message holds the relevant lines of its log."""


class TexMissingError(SymgradError, FileNotFoundError):
    """latexmk or pdflatex is not installed, or LuaLaTeX and its fonts for a document that needs them."""


def tex_available():
    return shutil.which("latexmk") is not None and shutil.which("pdflatex") is not None


@functools.cache
def unicode_available():
    """Whether LuaLaTeX, fontspec and the fallback fonts the preamble names are installed."""
    if not all(shutil.which(program) for program in ("lualatex", "kpsewhich", "fc-list")):
        return False
    checks = [["kpsewhich", "fontspec.sty"], *(["fc-list", "-q", font] for font in UNICODE_FONTS)]
    return all(subprocess.run(command, capture_output=True).returncode == 0 for command in checks)


def engine(source):
    """The TeX engine ``source`` needs: ``"pdflatex"`` for text in :data:`PDFLATEX_TEXT`, else ``"lualatex"``."""
    return "pdflatex" if set(source) <= PDFLATEX_TEXT else "lualatex"


def build_pdf(tex_file, extra_files=(), timeout=TIMEOUT):
    """Build ``tex_file`` (with ``extra_files``, such as figures, beside it) into the PDF of the same
    name in the same folder, and return its path. Any old PDF of that name is removed first."""
    tex_file = Path(tex_file)
    target = tex_file.with_suffix(".pdf")
    target.unlink(missing_ok=True)
    if not tex_available():
        raise TexMissingError(f"cannot build {target.name}: TeX (latexmk, pdflatex) is not installed; "
                              f"{INSTALL_HINT}")
    source = tex_file.read_text(encoding="utf-8")
    program = engine(source)
    if program == "lualatex" and not unicode_available():
        raise TexMissingError(f"cannot build {target.name}: {_first_beyond_latin(source)} needs LuaLaTeX and its "
                              f"fonts, which are not installed; {INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix=".build-", dir=tex_file.parent) as build:
        build = Path(build)
        for f in (tex_file, *map(Path, extra_files)):
            shutil.copy2(f, build / f.name)
        flag = {"pdflatex": "-pdf", "lualatex": "-lualatex"}[program]
        command = ["latexmk", "-norc", flag, "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error",
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


def _first_beyond_latin(source):
    """Where the first character pdfLaTeX cannot print is: ``the character 'α' (U+03B1, line 3, column 20)``."""
    for number, line in enumerate(source.splitlines(), 1):
        for column, c in enumerate(line, 1):
            if c not in PDFLATEX_TEXT:
                return f"the character {c!r} (U+{ord(c):04X}, line {number}, column {column})"
    return "its text"


def _environment(build):
    env = dict(os.environ)
    env.update({"openin_any": "p", "openout_any": "p", "shell_escape": "f", "TEXMFOUTPUT": str(build),
                "SOURCE_DATE_EPOCH": env.get("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH), "FORCE_SOURCE_DATE": "1"})
    return env


def _failure(name, log_file, done):
    """The error lines of TeX's log (``! ...``, ``file:line: ...`` or ``Missing character: ...`` for a
    character no font has, with the two lines after)."""
    log = log_file.read_text(errors="replace") if log_file.is_file() else done.stdout + done.stderr
    lines = log.splitlines()
    picked = []
    for i, line in enumerate(lines):
        if line.startswith(("!", "Missing character:")) or _FILE_LINE.match(line):
            picked.extend(lines[i:i + 3])
        if len(picked) >= 12:
            break
    detail = "\n".join(picked) if picked else "\n".join(lines[-12:])
    return f"TeX failed on {name}; no PDF was written. From its log:\n{detail}"


_FILE_LINE = re.compile(r"^\./[^:]+\.tex:\d+: ")

"""Building PDFs: latexmk without shell escape, file access kept to the build folder, clear errors,
no half-written PDF, the same bytes every time."""

import re
import subprocess
from pathlib import Path

import pytest

from symgrad.worksheets import pdf
from symgrad.worksheets.document import PREAMBLE
from symgrad.worksheets.pdf import TexError, TexMissingError, build_pdf

needs_tex = pytest.mark.skipif(not pdf.tex_available(), reason="TeX is not installed")
DOCUMENT = "\\documentclass{article}\n\\ifdefined\\pdftrailerid \\pdftrailerid{}\\fi\n\\begin{document}\n%s\n\\end{document}\n"


def write(tmp_path, body, name="doc"):
    tex = tmp_path / f"{name}.tex"
    tex.write_text(DOCUMENT % body)
    return tex


@needs_tex
def test_a_document_builds_into_the_same_bytes_every_time(tmp_path):
    tex = write(tmp_path, "Hello $x^2$.")
    first = build_pdf(tex).read_bytes()
    assert first.startswith(b"%PDF") and build_pdf(tex).read_bytes() == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.pdf", "doc.tex"]  # the build folder is gone


@needs_tex
def test_a_tex_error_names_the_line_and_leaves_no_pdf(tmp_path):
    tex = write(tmp_path, "Hello.")
    build_pdf(tex)
    tex.write_text(DOCUMENT % "Hello $x^2$ \\undefinedcommand")
    with pytest.raises(TexError, match=r"(?s)no PDF was written.*Undefined control sequence.*\\undefinedcommand"):
        build_pdf(tex)
    assert not (tmp_path / "doc.pdf").exists()  # the old one is gone too: no stale PDF


@needs_tex
def test_tex_cannot_read_outside_its_folder(tmp_path):
    tex = write(tmp_path, "\\input{/etc/hostname}")
    with pytest.raises(TexError, match="hostname"):
        build_pdf(tex)


@needs_tex
def test_tex_cannot_run_a_shell(tmp_path):
    tex = write(tmp_path, "\\immediate\\write18{touch pwned}Hello.")
    build_pdf(tex)
    assert not (tmp_path / "pwned").exists() and not list(tmp_path.glob("**/pwned"))


def test_without_tex_the_error_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf, "tex_available", lambda: False)
    with pytest.raises(TexMissingError, match="apt-get install latexmk texlive-latex-base"):
        build_pdf(write(tmp_path, "Hello."))


@needs_tex
@pytest.mark.parametrize("name", ["-pdflatex=cd ..;touch pwned7;true", "-o"])
def test_a_file_name_is_never_taken_for_an_option(tmp_path, name):
    folder = tmp_path / "out"
    folder.mkdir()
    built = build_pdf(write(folder, "Hello.", name=name))
    assert built == folder / f"{name}.pdf" and built.read_bytes().startswith(b"%PDF")
    assert not list(tmp_path.parent.glob("**/pwned7"))


@pytest.mark.parametrize("text, engine", [
    ("Backpropagation by hand", "pdflatex"), ("Descente de gradient, étape n° 1", "pdflatex"),
    ("Gradientenabstieg für Anfänger – Übung “1” …", "pdflatex"), ("Łódź, Ostrava, Cluj", "pdflatex"),
    ("Κλίση", "lualatex"), ("梯度下降", "lualatex"), ("😀", "lualatex"), ("الانحدار", "lualatex"),
    ("שיפוע", "lualatex"), ("Спуск", "lualatex"), ("ħ", "lualatex"),
])
def test_latin_text_is_built_with_pdflatex_and_other_scripts_with_lualatex(text, engine):
    assert pdf.engine(PREAMBLE + "\\begin{document}%s\\end{document}\n" % text) == engine


def test_pdflatex_text_is_what_its_t1_and_ts1_encodings_declare():
    files = ["t1enc.dfu", "ts1enc.dfu", "utf8enc.dfu"]
    found = subprocess.run(["kpsewhich", *files], capture_output=True, text=True).stdout.split()
    if len(found) != len(files):
        pytest.skip("LaTeX's encoding files are not installed")
    declared = {chr(int(code, 16)) for f in found for code in re.findall(r"DeclareUnicodeCharacter\{([0-9A-F]+)\}",
                                                                            Path(f).read_text(errors="replace"))}
    assert sorted(c for c in pdf.PDFLATEX_TEXT if not c.isascii() and c not in declared) == []


def test_without_lualatex_a_document_in_another_script_names_its_first_such_character(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf, "tex_available", lambda: True)
    monkeypatch.setattr(pdf, "unicode_available", lambda: False)
    tex = tmp_path / "doc.tex"
    tex.write_text("\\documentclass{article}\n\\begin{document}\nCafé: Κλίση\n\\end{document}\n",
                   encoding="utf-8")
    with pytest.raises(TexMissingError, match=r"^cannot build doc.pdf: the character 'Κ' \(U\+039A, line 3, "
                                              r"column 7\) needs LuaLaTeX and its fonts, .* apt-get install "
                                              r".*texlive-luatex"):
        build_pdf(tex)


needs_unicode = pytest.mark.skipif(not pdf.tex_available() or not pdf.unicode_available(),
                                   reason="LuaLaTeX or its fonts are not installed")


@needs_unicode
def test_a_document_in_another_script_builds_into_the_same_bytes_every_time(tmp_path):
    tex = tmp_path / "doc.tex"
    tex.write_text(PREAMBLE + "\\begin{document}\nΚλίση 梯度 😀 שיפוע $\\hat y$\n\\end{document}\n",
                   encoding="utf-8")
    first = build_pdf(tex).read_bytes()
    assert build_pdf(tex).read_bytes() == first and b"/ID" not in first


@needs_unicode
def test_a_character_no_font_has_is_a_tex_error_naming_it(tmp_path):
    tex = tmp_path / "doc.tex"
    tex.write_text(PREAMBLE + "\\begin{document}\nढलान\n\\end{document}\n", encoding="utf-8")
    with pytest.raises(TexError, match=r"(?s)no PDF was written.*Missing character: There is no ढ \(U\+0922\)"):
        build_pdf(tex)
    assert not (tmp_path / "doc.pdf").exists()

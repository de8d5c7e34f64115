"""symgrad render: PDFs of every worksheet holding their keys' numbers, variants that are the same
for the same seed, text from a worksheet printed literally, and a clear word when TeX is missing."""

import json
import subprocess
from pathlib import Path

import pytest

from symgrad.worksheets import pdf
from symgrad.cli import main
from symgrad.explain.notation import decimal, number
from symgrad.core.serialize import from_tree

WORKSHEETS = Path(__file__).parent.parent / "worksheets"
S3 = WORKSHEETS / "s3_backprop_by_hand.py"
needs_tex = pytest.mark.skipif(not pdf.tex_available(), reason="TeX is not installed")


def text_of(pdf_file):
    text = subprocess.run(["pdftotext", "-layout", str(pdf_file), "-"], capture_output=True, text=True, check=True)
    return text.stdout.replace("\u2212", "-").replace("\u2019", "'")


@pytest.fixture(scope="session")
def teacher_pdfs(tmp_path_factory):
    """Every worksheet rendered once, with its answers."""
    if not pdf.tex_available():
        pytest.skip("TeX is not installed")
    out = tmp_path_factory.mktemp("pdfs")
    assert main(["render", str(WORKSHEETS), "-o", str(out), "--answers", "--quiet"]) == 0
    return out


def printed_numbers(key):
    """How the key's exact numbers print: decimals where they are short, six digits where irrational."""
    for q in key["questions"]:
        trees = q["answer"]["tree"] if isinstance(q["answer"]["tree"], list) else [q["answer"]["tree"]]
        for value in map(from_tree, trees):
            if value.is_Rational and "frac" not in number(value):
                yield number(value)
            elif value.is_number:
                yield decimal(value)


@needs_tex
@pytest.mark.parametrize("path", sorted(WORKSHEETS.glob("*.py")), ids=lambda p: p.stem)
def test_every_worksheets_pdf_holds_its_keys_numbers(teacher_pdfs, path):
    key = json.loads((teacher_pdfs / f"{path.stem}.key.json").read_text())
    text = text_of(teacher_pdfs / f"{path.stem}.pdf")
    expected = list(printed_numbers(key))
    assert expected
    for value in expected:
        assert value in text, value
    assert "was verified against central finite differences" in text


@needs_tex
def test_the_s3_pdf_shows_the_tutorials_numbers(teacher_pdfs):
    text = text_of(teacher_pdfs / "s3_backprop_by_hand.pdf")
    for value in ["4.41", "4.2", "2.1", "0.958", "0.979", "2.9", "0.95", "3.99", "8.4"]:
        assert value in text, value


# The training runs' numbers, as the seeds give them (S4: theta and J to the digits the tutorial prints).
TRAINING_NUMBERS = {
    "s0_sgd_by_hand": ["w = 1.9999999999999236", "1 1.260688 7.315943 4.0525143"],
    "s0_linear_in_pytorch": ["After the 1000 iterations", "x = 5 is 2.25; after"],
    "s1_batch_gradient_descent": ["the prediction wx at x = 4 is 4; after, 8.0."],
    "s3_backprop_by_hand": ["1 0.979 0.458 0.458 0.616 0.958 1.9601 4.41", "Its training run (exact, 5"],
    "s4_linear_regression": ["1000 0.70941875 1.075823 0.0039175"],
}


@needs_tex
@pytest.mark.parametrize("name", list(TRAINING_NUMBERS))
def test_a_training_run_is_printed_with_its_table_and_verified(teacher_pdfs, name):
    text = " ".join(text_of(teacher_pdfs / f"{name}.pdf").split())
    assert "Training" in text and "so an epoch is" in text  # the iterations per epoch, counted as S4 counts them
    for value in TRAINING_NUMBERS[name]:
        assert value in text, value
    assert "Its training run (" in text and "torch.optim.SGD" in text


@needs_tex
def test_the_s2_pdf_derives_its_mnist_network_in_matrix_form(teacher_pdfs):
    text = text_of(teacher_pdfs / "s2_two_layer_network.pdf")
    page = text[text.index("The training run, derived in matrix form"):]
    for shown in ["N ×784 784×128", "cross-entropy (NLL of log-softmax)", "linear layer, weight", "128×784",
                  "linear layer, input", "relu", "SGD(lr=0.003)"]:
        assert shown in page, shown
    assert page.count("linear layer, weight") == 3 and page.count("linear layer, bias") == 3


@needs_tex
def test_the_students_version_has_no_answers(tmp_path):
    assert main(["render", str(S3), "-o", str(tmp_path), "--quiet"]) == 0
    text = text_of(tmp_path / "s3_backprop_by_hand.pdf")
    assert "Student's version" in text and "Question 6" in text
    assert "Answer" not in text and "0.958" not in text and "1.9601" not in text
    assert "Run it: give the parameters and the loss after each epoch" in " ".join(text.split())
    assert json.loads((tmp_path / "s3_backprop_by_hand.key.json").read_text())["questions"][5]["answer"]["value"] == [
        0.958, 0.979]


@needs_tex
def test_the_same_seed_gives_the_same_files(tmp_path):
    runs = [tmp_path / "a", tmp_path / "b", tmp_path / "c"]
    for out, seed in zip(runs, ["3", "3", "4"]):
        assert main(["render", str(S3), "-o", str(out), "--variants", "2", "--seed", seed, "--answers", "--quiet"]) == 0
    names = sorted(p.name for p in runs[0].iterdir())
    assert names == [f"s3_backprop_by_hand-0{k}{end}" for k in (1, 2)
                     for end in ("-graph.pdf", "-loss.pdf", "-surface.pdf", ".key.json", ".pdf", ".tex")]  # figures too
    assert all((runs[0] / n).read_bytes() == (runs[1] / n).read_bytes() for n in names)
    keys = [json.loads((run / "s3_backprop_by_hand-01.key.json").read_text()) for run in runs]
    assert keys[0]["questions"][0]["point"] != keys[2]["questions"][0]["point"]  # another seed, other numbers
    key2 = json.loads((runs[0] / "s3_backprop_by_hand-02.key.json").read_text())
    assert key2["questions"][0]["point"] != keys[0]["questions"][0]["point"]


@needs_tex
def test_text_from_a_worksheet_prints_literally(tmp_path):
    sheet = tmp_path / "sneaky.py"
    sheet.write_text(
        "import sympy as sp\nfrom symgrad.worksheets.worksheet import Derivative, Worksheet\nx = sp.Symbol('x')\n"
        "WORKSHEET = Worksheet(name='sneaky', title=r'\\input{/etc/passwd} and \\write18{touch pwned}',\n"
        "    notes=r'Math too: $\\input{/etc/passwd}$, $\\csname x\\endcsname$ and 100% & #1.',\n"
        "    model=x ** 2, questions=[Derivative(x)])\n")
    assert main(["render", str(sheet), "-o", str(tmp_path / "out"), "--quiet"]) == 0
    text = text_of(tmp_path / "out" / "sneaky.pdf")
    assert "\\input{/etc/passwd} and \\write18{touch pwned}" in text
    assert "100% & #1" in text and "root:" not in text
    assert not list(tmp_path.glob("**/pwned"))


def test_without_tex_the_tex_and_keys_are_written_and_the_message_says_how_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(pdf, "tex_available", lambda: False)
    sheets = [str(S3), str(WORKSHEETS / "s0_sgd_by_hand.py")]
    assert main(["render", *sheets, "-o", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert "TeX is not installed" in err and "apt-get install latexmk" in err
    assert "rendering" in err  # progress, for several worksheets
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "s0_sgd_by_hand.key.json", "s0_sgd_by_hand.tex", "s3_backprop_by_hand-graph.pdf",  # the figure the TeX includes
        "s3_backprop_by_hand.key.json", "s3_backprop_by_hand.tex"]
    assert "2 worksheets rendered" in out


@pytest.mark.parametrize("arguments, message", [
    (["--variants", "2"], "declares no variants"),
    (["--variants", "-1"], "--variants must be 0 or more"),
])
def test_bad_requests(tmp_path, capsys, arguments, message):
    sheet = tmp_path / "plain.py"
    sheet.write_text("import sympy as sp\nfrom symgrad.worksheets.worksheet import Derivative, Worksheet\nx = sp.Symbol('x')\n"
                     "WORKSHEET = Worksheet(name='plain', title='Plain', model=x ** 2, questions=[Derivative(x)])\n")
    assert main(["render", str(sheet), "-o", str(tmp_path / "out"), "--tex-only", *arguments]) == 2
    assert message in capsys.readouterr().err


def test_a_missing_worksheet_is_a_one_line_error(tmp_path, capsys):
    assert main(["render", str(tmp_path / "nope.py"), "-o", str(tmp_path)]) == 2
    assert "symgrad render: error: no worksheet file" in capsys.readouterr().err


@pytest.mark.parametrize("output, message", [
    ("a-file", "a-file is not a folder"),
    ("a-file/out", "a-file is not a folder"),
    ("READ-ONLY/out", "takes no new files"),
])
def test_an_output_folder_that_cannot_be_written_is_refused_before_rendering(tmp_path, capsys, monkeypatch,
                                                                            output, message):
    from outputs import read_only_folder
    from symgrad.cli import render

    monkeypatch.setattr(render, "load_worksheet", lambda path: pytest.fail("the rendering started"))
    (tmp_path / "a-file").write_text("")
    output = output.replace("READ-ONLY", str(read_only_folder(tmp_path)))
    folder = output if output.startswith("/") else str(tmp_path / output)
    assert main(["render", str(S3), "-o", folder, "--tex-only"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("symgrad render: error: cannot write ") and message in err


@needs_tex
def test_the_pdf_replaces_a_symlink_and_leaves_its_target_unchanged(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "elsewhere.pdf").write_text("not symgrad's")
    (out / "s3_backprop_by_hand.pdf").symlink_to(tmp_path / "elsewhere.pdf")
    assert main(["render", str(S3), "-o", str(out), "--quiet"]) == 0
    assert (tmp_path / "elsewhere.pdf").read_text() == "not symgrad's"
    assert (out / "s3_backprop_by_hand.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("name", ["-pdflatex=cd ..;touch pwned7;true", "-o", "/tmp/x", "../../x"])
def test_a_worksheet_name_cannot_reach_latexmk_or_leave_the_output_folder(tmp_path, capsys, name):
    (tmp_path / "a" / "b").mkdir(parents=True)
    sheet = tmp_path / "a" / "b" / "hostile.py"
    sheet.write_text("import sympy as sp\nfrom symgrad.worksheets.worksheet import Derivative, Worksheet\n"
                     f"x = sp.Symbol('x')\nWORKSHEET = Worksheet(name={name!r}, title='t', model=x ** 2, "
                     "questions=[Derivative(x)])\n")
    files = lambda: sorted(p for p in tmp_path.rglob("*") if "__pycache__" not in p.parts)  # noqa: E731
    before = files()
    assert main(["render", str(sheet), "-o", str(tmp_path / "a" / "b" / "out")]) == 2
    err = capsys.readouterr().err
    assert f"{sheet}: worksheet name {name!r} is not allowed" in err and len(err.strip().splitlines()) == 1
    assert files() == before and not Path("/tmp/x.tex").exists()
    assert not list(tmp_path.glob("**/pwned7"))


@pytest.mark.skipif(not pdf.tex_available() or not pdf.unicode_available(),
                    reason="LuaLaTeX or its fonts are not installed")
def test_a_title_in_any_script_prints(tmp_path):
    title = "Κλίση — 梯度下降 — 勾配 — 경사 😀 — الانحدار — שיפוע"
    sheet = tmp_path / "unicode.py"
    sheet.write_text("import sympy as sp\nfrom symgrad.worksheets.worksheet import Derivative, Worksheet\n"
                     f"x = sp.Symbol('x')\nWORKSHEET = Worksheet(name='unicode', title={title!r},\n"
                     "    notes='Σημειώσεις: $\\\\hat y = x^2$, 注意.', model=x ** 2,\n"
                     "    questions=[Derivative(x)])\n", encoding="utf-8")
    assert main(["render", str(sheet), "-o", str(tmp_path / "out"), "--quiet"]) == 0
    built = tmp_path / "out" / "unicode.pdf"
    text = text_of(built)
    words = ["Κλίση", "梯度下降", "勾配", "경사", "😀", "שיפוע", "Σημειώσεις", "注意"]
    assert all(word in text for word in words)
    fonts = subprocess.run(["pdffonts", str(built)], capture_output=True, text=True, check=True).stdout
    assert all(f in fonts for f in ["LMRoman", "NotoSerif-", "NotoSerifCJK", "Symbola", "NotoNaskhArabic",
                                    "NotoSerifHebrew"])  # the Arabic is shaped by its own font, right to left

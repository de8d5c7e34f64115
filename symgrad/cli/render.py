"""Render worksheets to PDF: NAME.tex, NAME.pdf and NAME.key.json for each, with every derivative
explained step by step (--answers) and every number verified; or, with --format html, to one
self-contained page NAME.html each (MathJax inlined; with --answers each derivation's steps are
revealed one at a time, a hint first; the training run is left to the PDF).

Each WORKSHEET is a worksheet file or a folder of them. With --variants N, each worksheet is
written as N per-student versions NAME-01 ... NAME-NN, their numbers drawn from the ranges the
worksheet declares; the same --seed gives the same files. The output folder is checked before any
worksheet is rendered, and each file is written whole (a symlink there is replaced, not followed).
"""

import sys

from tqdm import tqdm

from ..core.errors import SymgradError
from ..core.files import check_folder
from ..worksheets import pdf as tex
from ..worksheets.pdf import INSTALL_HINT
from ..worksheets.rendering import render_html, render_worksheet
from ..worksheets.worksheet import load_worksheet, worksheet_files


def add_arguments(parser):
    parser.add_argument("worksheets", nargs="+", metavar="WORKSHEET", help="worksheet files or folders of them")
    parser.add_argument("-o", "--output", default="out", help="the folder to write into (default: out)")
    parser.add_argument("--answers", action="store_true",
                        help="the teacher's version, with derivations and answers (default: the student's)")
    parser.add_argument("--variants", type=int, default=0, metavar="N", help="write N per-student versions")
    parser.add_argument("--seed", type=int, default=0, help="the seed the variants are drawn with (default: 0)")
    parser.add_argument("--format", choices=("pdf", "html"), default="pdf",
                        help="pdf: TeX, key and PDF (the default); html: one self-contained page each")
    parser.add_argument("--tex-only", action="store_true", help="write the .tex and keys, do not run TeX")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args):
    if args.variants < 0:
        raise SymgradError(f"--variants must be 0 or more, got {args.variants}")
    if args.tex_only and args.format == "html":
        raise SymgradError("--tex-only writes TeX, so it cannot go with --format html")
    check_folder(args.output)
    sheets = [load_worksheet(p) for p in worksheet_files(args.worksheets)]
    jobs = []
    for sheet in sheets:
        if args.variants and not sheet.variants:
            raise SymgradError(f"worksheet {sheet.name} declares no variants (Worksheet(variants=...)), "
                               "so its versions would all be the same")
        jobs.extend([sheet.variant(k, args.seed) for k in range(1, args.variants + 1)] if args.variants else [sheet])
    if args.format == "html":
        return _pages(jobs, args)
    pdf, written = not args.tex_only and tex.tex_available(), []
    for sheet in _progress(jobs, args):
        written.append(render_worksheet(sheet, args.output, answers=args.answers, pdf=pdf))
    for r in written:
        print(r.pdf or r.tex)
    print(f"{_count(written)} rendered into {args.output}/{'' if pdf or args.tex_only else ' (TeX and keys only)'}")
    if not pdf and not args.tex_only:
        print(f"symgrad render: TeX is not installed, so no PDF was built; {INSTALL_HINT}", file=sys.stderr)
        return 1
    return 0


def _pages(jobs, args):
    """Each worksheet as one HTML page."""
    written = [render_html(sheet, args.output, answers=args.answers) for sheet in _progress(jobs, args)]
    for path in written:
        print(path)
    print(f"{_count(written)} rendered into {args.output}/ as HTML pages")
    return 0


def _progress(jobs, args):
    """The worksheets, with a progress bar naming the one being rendered (none for one, or --quiet)."""
    progress = tqdm(jobs, desc="rendering", unit="worksheet", file=sys.stderr,
                    disable=args.quiet or len(jobs) < 2, leave=False)
    for sheet in progress:
        progress.set_postfix_str(sheet.name)
        yield sheet


def _count(written):
    return f"{len(written)} worksheet{'s' if len(written) != 1 else ''}"


r"""Laying out derivations: rows of ``lhs = rhs`` chains, broken so that they fit the page width.

A :class:`Piece` is rendered math that knows its top-level terms (``a + b - c``, ``a \cdot b``), so
a row too wide for the page is broken between terms, never inside one. :func:`width` estimates how
many characters wide a LaTeX formula prints. Blocks become ``align*`` environments in a document
(:func:`document`) or one ``aligned`` environment for Jupyter (:func:`display`).
"""

import re
from dataclasses import dataclass

__all__ = ["Piece", "Row", "Block", "caption", "SUM", "PRODUCT", "ATOM", "width", "document", "display", "chain", "WIDTH"]

WIDTH = 66  # characters of math that fit across a page (11pt, 15 cm), captions and notes included
SUM, PRODUCT, ATOM = 1, 2, 3  # how tightly a piece binds


@dataclass(frozen=True)
class Piece:
    """Math as top-level terms: ``(operator, latex)`` pairs, the first operator empty; ``binding``
    says whether it needs parentheses as a factor (a sum does)."""

    terms: tuple
    binding: int = ATOM

    @classmethod
    def of(cls, latex, binding=ATOM):
        return cls((("", latex),), binding)

    @property
    def text(self):
        return " ".join(f"{op} {t}" if op else t for op, t in self.terms).strip()

    def as_factor(self):
        """The piece as a factor of a product: in parentheses if it is a sum or starts with a sign."""
        text = self.text
        if self.binding == SUM or text.startswith("-"):
            return r"\left(%s\right)" % text
        return text


def product(pieces, *, dot=True, ones=False):
    """The product of pieces; a factor that is a sum or negative is parenthesised, a factor 1 is
    left out unless ``ones`` (numbers substituted into a product keep theirs)."""
    pieces = [p for p in pieces if ones or p.text != "1"] or [Piece.of("1")]
    if len(pieces) == 1:
        return pieces[0]
    factors = [p.as_factor() for p in pieces]
    terms = [("", factors[0])]
    for f in factors[1:]:  # juxtaposed only where no digit would run into the one before
        terms.append((r"\cdot" if dot or f[:1].isdigit() or f[:1] in ".-" else "", f))
    return Piece(tuple(terms), PRODUCT)


def total(pieces):
    """The sum of pieces; terms that are zero are left out, a term that starts with a minus sign is
    subtracted."""
    terms = []
    for p in pieces:
        for op, t in p.terms if p.binding == SUM else (("", p.text),):
            if t == "0":
                continue
            if op == "" and t.startswith("-"):
                op, t = "-", t[1:].lstrip()
            terms.append((op or "+", t))
    if not terms:
        return Piece.of("0")
    op, t = terms[0]
    terms[0] = ("", t if op == "+" else "-" + t)
    return Piece(tuple(terms), SUM if len(terms) > 1 else ATOM)


@dataclass(frozen=True)
class Row:
    """One line of a chain: ``lhs relation rhs``, with a note naming the rule applied."""

    lhs: str
    rhs: Piece
    note: str = ""
    relation: str = "="


@dataclass(frozen=True)
class Block:
    """Rows under a caption: ``caption`` is a tuple of ``(is_math, latex)`` segments."""

    caption: tuple
    rows: tuple


def caption(*parts):
    """A :class:`Block`'s caption from its segments: text and math alternate, starting with text
    (``caption("Along ", "v", ":")``); empty segments are left out."""
    return tuple((i % 2 == 1, p) for i, p in enumerate(parts) if p)


_CONTROL = re.compile(r"\\(operatorname|mathrm|text|mathbf)\{([^{}]*)\}|\\[a-zA-Z]+|\\.")


def width(latex):
    """An estimate of the printed width of a formula, in characters: commands count as one
    character, sub- and superscripts as half, a fraction as its wider part, ``\\underset{label}{x}``
    as the wider of x and its (smaller) label."""
    text = _undersets(re.sub(r"\\left|\\right|\\[,;:! ]|\\quad|\\qquad", "", latex))
    text = _FRACTION.sub(lambda m: "x" * max(width(m.group(1)), width(m.group(2))), text)
    text = re.sub(r"[_^]\{([^{}]*)\}", lambda m: "x" * ((width(m.group(1)) + 1) // 2), text)
    text = _CONTROL.sub(lambda m: "x" * len(m.group(2)) if m.group(2) is not None else "x", text)
    return len(re.sub(r"[{}\s&]", "", text))


_FRACTION = re.compile(r"\\frac\{((?:[^{}]|\{[^{}]*\})*)\}\{((?:[^{}]|\{[^{}]*\})*)\}")
_UNDERSET = r"\underset"


def _undersets(text):
    """Each ``\\underset{label}{x}`` (its groups nested to any depth) as a run of as many characters
    as the wider of x and two thirds of the label (set in script size)."""
    while (start := text.find(_UNDERSET + "{")) >= 0:
        label_end = _group_end(text, start + len(_UNDERSET))
        end = _group_end(text, label_end)
        label, base = text[start + len(_UNDERSET) + 1:label_end - 1], text[label_end + 1:end - 1]
        text = text[:start] + "x" * max(width(label) * 2 // 3, width(base)) + text[end:]
    return text


def _group_end(text, start):
    """The index after the ``}`` that closes the group opening at ``text[start]``."""
    depth = 0
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return i + 1
    return len(text)


def _lines(row, budget):
    """The row as lines of at most ``budget`` characters where the terms allow it: the first line
    holds ``lhs & relation ...``, the next ones ``& \\quad op ...``."""
    head = f"{row.lhs} &{row.relation} "
    note = r"\qquad %s" % row.note if row.note else ""
    lines, current, used = [], head, width(head)
    for op, term in row.rhs.terms:
        piece = f"{op} {term}" if op else term
        if current != head and not current.endswith("\\quad ") and used + width(piece) > budget:
            lines.append(current.rstrip())
            current, used = r"&\quad ", 4
            piece = piece if op else r"\cdot " + piece  # a product broken: the dot starts the line
        current += piece + " "
        used += width(piece)
    if note and used + width(note) > budget:
        lines.append(current.rstrip())
        current = r"&\qquad "
    lines.append((current + note).rstrip())
    return lines


def chain(block, budget=WIDTH):
    """A block's rows as the lines of an ``align*`` or ``aligned`` environment."""
    return " \\\\\n".join(line for row in block.rows for line in _lines(row, budget))


def document(blocks, budget=WIDTH):
    """Blocks as a document's text: each caption a paragraph, each chain an ``align*``."""
    out = []
    for block in blocks:
        caption = "".join(f"${t}$" if is_math else t for is_math, t in block.caption)
        if caption:
            out.append(r"\noindent %s" % caption)
        if block.rows:
            out.append("\\begin{align*}\n%s\n\\end{align*}" % chain(block, budget))
    return "\n".join(out)


def display(blocks, budget=WIDTH):
    """Blocks as one displayed ``aligned`` environment (for Jupyter): captions as text rows."""
    lines = []
    for block in blocks:
        caption = "".join(t if is_math else r"\text{%s}" % t for is_math, t in block.caption)
        if caption:
            lines.append(r"&\hspace{-3em}%s" % caption)
        if block.rows:
            lines.append(chain(block, budget))
    return "$$\\begin{aligned}\n%s\n\\end{aligned}$$" % " \\\\\n".join(lines)

"""A figure a worksheet's document includes: a plot's file in the build folder and its caption."""

from dataclasses import dataclass

from .escaping import escape

__all__ = ["Figure", "figure_tex"]


@dataclass(frozen=True)
class Figure:
    """A plot to include: a file name in the build folder and its caption (text with ``$...$`` math)."""

    file: str
    caption: str


def figure_tex(figure):
    """The figure centred at 80% of the text width, its caption under it."""
    return ("\\begin{center}\n\\includegraphics[width=0.8\\textwidth]{%s}\n\n\\small %s\n\\end{center}"
            % (figure.file, escape(figure.caption)))

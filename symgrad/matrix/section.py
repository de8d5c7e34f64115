r"""A worksheet's matrix-mode run as its PDF prints it: a page deriving the network layer by layer
in matrix form (:mod:`.latex`) with the optimizer's update rule; what is run (the network, the data,
the batches and epochs counted as S4 counts them, the number type); and, in the teacher's version,
each epoch's mean training loss, the loss curve and the accuracy on the test split, which the
student's version asks for.

Before anything is printed the run is repeated in float64 next to PyTorch's (:mod:`.torch_twin`):
every step's loss, the last step's gradients and the parameters after each epoch. A difference
beyond the tolerance is a :class:`~symgrad.core.errors.DerivationError`; the closing line says how far
apart the two runs are.
"""

from dataclasses import dataclass

from ..twin.crosscheck import TrainingCheck, training_check
from ..explain.escaping import escape_text
from ..explain.figures import Figure, figure_tex
from ..explain.layout import document
from ..numeric.optimizers import make_optimizer
from ..numeric.training import TORCH_ORDER
from ..twin.comparison import TOLERANCES
from ..twin.oracles import torch_available
from .latex import MatrixRenderer
from .reports import network_shape, plot
from .torch_twin import TORCH_LOSSES, verify_training

__all__ = ["MatrixSection", "section"]

DIGITS = 6  # significant digits of the mean losses in the table


@dataclass(frozen=True)
class MatrixSection:
    """A matrix run (a :class:`~.training.MatrixTraining`), what it gave (a
    :class:`~.training.TrainingResult`), the sizes of its data, and its check against PyTorch."""

    run: object
    result: object
    samples: tuple  # (training, test)
    check: TrainingCheck

    def figures(self, sheet, folder):
        """The loss of each step and each epoch's mean, drawn into ``folder``."""
        name = f"{sheet.name}-loss.pdf"
        plot(self.result, folder / name)
        steps = len(self.result.history.step_losses)
        return (Figure(name, f"The loss of the batch at each of the {steps} iterations and its mean over each "
                             f"epoch."),)

    def tex(self, sheet, *, answers, figures=()):
        """The derivation page, what is run, then the table, ``figures`` and accuracy (``answers``)
        or the student's task."""
        body = [self._derivation(), r"\subsection*{Training}", self._setup()]
        if answers:
            body += [self._table(), *map(figure_tex, figures),
                     f"After the {len(self.result.history.step_losses)} iterations, the network classifies "
                     f"{100 * self.result.accuracy:.2f}\\% of the {self.samples[1]} test images correctly."]
        else:
            body.append("Run it: give the mean training loss of each epoch, and the accuracy on the test images "
                        "after training.\n\n\\vspace{6\\baselineskip}")
        return "\n\n".join(body)

    def _derivation(self):
        optimizer = make_optimizer(self.run.optimizer, self.run.options)
        return ("\\clearpage\n\\subsection*{The training run, derived in matrix form}\n"
                + document(MatrixRenderer().render(self.run.derivation()))
                + "\n\n\\noindent After each batch, every parameter $\\theta$ takes a step of %s:\n\\[%s\\]"
                % (escape_text(repr(optimizer)), optimizer.latex()))

    def _setup(self):
        run, history = self.run, self.result.history
        data = ("the digits demo data (scikit-learn's 8$\\times$8 handwritten digits scaled to 28$\\times$28)"
                if run.data == "digits" else f"MNIST, read from \\texttt{{{escape_text(str(run.data))}}}")
        order = (f"shuffled each epoch (seed {run.seed}{TORCH_ORDER if run.shuffle == 'torch' else ''})" if run.shuffle
                 else "in order")
        per_epoch = history.iterations_per_epoch
        return (f"The network {escape_text(network_shape(run.network))} is trained on {data}, normalised with "
                f"mean 0.5 and standard deviation 0.5: $N = {self.samples[0]}$ training images, {order}, in "
                f"batches of $B = {run.batch_size}$, so $\\lceil N/B\\rceil = {per_epoch}$ iterations per epoch and "
                f"{len(history.step_losses)} in {run.epochs} epoch{'' if run.epochs == 1 else 's'}. Its parameters start as PyTorch initialises "
                f"them (seed {run.seed}); the loss is {escape_text(run.loss)} (PyTorch's "
                f"{TORCH_LOSSES[run.loss]}), the {escape_text(run.reduction)} over the batch; the run computes in {self.result.dtype}.")

    def _table(self):
        rows = [f"{e.epoch} & ${e.mean_loss:.{DIGITS}g}$ \\\\" for e in self.result.history.epochs]
        table = ("\\begin{center}\\small\n\\begin{tabular}{rr}\nepoch & mean training loss \\\\ \\hline\n%s\n"
                 "\\end{tabular}\n\\end{center}" % "\n".join(rows))
        return table + ("\n\\noindent{\\small The mean training loss of an epoch is the mean of its batches' "
                        "losses, each computed before that batch's step. Values are rounded to %d significant "
                        "digits.}" % DIGITS)


def section(run, sheet):
    """Train ``run`` for ``sheet``'s PDF and repeat it in float64 against PyTorch's run (when torch
    is installed); a difference beyond the tolerance raises a :class:`~symgrad.core.errors.DerivationError`."""
    result = run.run(progress=False)
    rows = verify_training(run, sheet.name, modes=("float64",)) if torch_available() else ()
    compared = (f"Its training run, repeated in float64, was compared step by step with the same run by PyTorch "
                f"(nn.Sequential, {TORCH_LOSSES[run.loss]}, torch.optim.{make_optimizer(run.optimizer).name}, the "
                f"same batches) in float64: the losses, the last step's gradients and the parameters after each "
                f"epoch")
    train, test = run.datasets()
    return MatrixSection(run, result, (len(train), len(test)), training_check(sheet.name, compared,
                                                                             TOLERANCES["matrix run float64"].rtol, rows))

r"""Derivations as plain Unicode text, for a terminal: what :mod:`symgrad.explain.latex` typesets, in
SymPy's pretty printing (fractions stacked, ``w₁``, ``ŷ``, ``σ`` for the sigmoid, ``y*`` for a node
written ``y^*``).

:class:`TextRenderer` dispatches on step class (``_render_<Class>``, falling back along the class's
bases) and reads the trees with the helpers of :mod:`symgrad.explain.steps`, as the LaTeX renderer
does: the forward pass at the point; for each partial, the chain rule along the paths, each local
partial with the rules it applies, the product, the partial in the variables and its value at the
point; gradient steps; directional derivatives; second partials; the answer.
"""

import re

import sympy
from sympy.printing.pretty.pretty import PrettyPrinter
from sympy.printing.pretty.pretty_symbology import pretty_symbol
from sympy.printing.pretty.stringpict import prettyForm, stringPict

from ..core.operations import operation_of, written_as
from . import steps as S
from .latex import rule_note
from .notation import decimal
from .simplification import simplest

__all__ = ["TextRenderer", "text"]

INDENT = "  "
_STAR = re.compile(r"\{?(\w+)\}?\^\{?\*\}?")
_COMMAND = re.compile(r"\\([A-Za-z]+)")


def text(derivation):
    """The derivation as text: its steps, then its answer."""
    renderer = TextRenderer(derivation.graph)
    return "\n".join(renderer.derivation(derivation) + [""] + renderer.answer(derivation))


class TextRenderer:
    """Renders a derivation's steps as lines; a local partial or a value shared by several answers is
    derived once and recalled afterwards."""

    def __init__(self, graph=None):
        self.graph = graph
        self.shown = set()

    # -- symbols, expressions, numbers -----------------------------------------------------------

    def form(self, expr, values=None):
        """``expr`` pretty-printed (a :class:`prettyForm`); ``values`` print in place of their symbols."""
        return _Printer(self, values or {})._print(sympy.sympify(expr))

    def symbol(self, s):
        latex = self.graph.latex_name(s) if self.graph is not None else None
        starred = _STAR.fullmatch(latex or "") or (re.fullmatch(r"(\w+?)_?star", s.name))
        return pretty_symbol(starred[1]) + "*" if starred else pretty_symbol(s.name)

    def partial(self, of, wrt):
        return f"∂{self.symbol(of)}/∂{self.symbol(wrt)}"

    def second_partial(self, of, u, v):
        below = f"∂{self.symbol(u)}²" if u == v else f"∂{self.symbol(v)}∂{self.symbol(u)}"
        return f"∂²{self.symbol(of)}/{below}"

    def line(self, *parts, relations=None, note=""):
        """``parts[0] = parts[1] = ...`` on one (possibly tall) line, ``relations`` between them
        (``=`` by default), ``note`` in brackets after; repeated right-hand sides are dropped."""
        relations = list(relations or ["="] * (len(parts) - 1))
        kept, kept_relations = [parts[0]], []
        for part, relation in zip(parts[1:], relations):
            if self._flat(part) != self._flat(kept[-1]):
                kept.append(part)
                kept_relations.append(relation)
        forms = [self._as_form(kept[0])]
        for part, relation in zip(kept[1:], kept_relations):
            forms += [prettyForm(f" {relation} "), self._as_form(part)]
        if note:
            forms.append(prettyForm(f"    ({note})"))
        return prettyForm(*stringPict.next(*forms)).render(wrap_line=False)

    def row(self, *parts, **options):
        """:meth:`line`, indented (every line of a tall one)."""
        return "\n".join(INDENT + t for t in self.line(*parts, **options).split("\n"))

    def _as_form(self, part):
        return prettyForm(part) if isinstance(part, str) else part

    def _flat(self, part):
        return part if isinstance(part, str) else part.render(wrap_line=False)

    def value(self, v):
        """A number on one line: exact (a decimal when it has a short one), then ``≈`` a decimal
        when it is irrational or a fraction."""
        v = sympy.sympify(v)
        shown = _number(v)
        approximate = decimal(v) if v.is_number else None
        return shown if approximate in (None, shown) or v.is_Integer else f"{shown} ≈ {approximate}"

    def values(self, expr, values):
        """``expr``, the numbers substituted, its value: the right-hand sides of an evaluation."""
        return [self.form(expr), self.form(expr, values), self.value(expr.xreplace(values))]

    # -- dispatch ----------------------------------------------------------------------------------

    def render(self, step):
        """The lines that derive ``step``."""
        for cls in type(step).__mro__:
            method = getattr(self, "_render_" + cls.__name__, None)
            if method is not None:
                return method(step)
        raise TypeError(f"cannot render {type(step).__name__}")  # pragma: no cover - Step has one

    def _render_Step(self, step):
        return [self.line("result", self.form(step.result))]

    def _render_Simplification(self, step):
        lines = self.render(step.body)
        if not step.result.is_number and step.result != step.body.result:
            lines.append(self.row("", self.form(step.result), note="simplified"))
        return lines + (self.ordinary(step) if isinstance(step.body, S.Partial) else [])

    def ordinary(self, partial):
        """The partial as it is wherever torch's guards in it are inactive (the clamped log as ``log``),
        when that differs: bce's gradient reads ``σ(z) - y``."""
        ordinary = written_as(partial.result, "ordinary")
        if ordinary == partial.result:
            return []
        lhs = self.partial(partial.body.of, partial.body.wrt)
        return ["Where no clamp of torch's is active:", self.row(lhs, self.form(simplest(ordinary)))]

    def _render_Rule(self, step):
        return [self.line(self.hole(step), self.form(step.result), note=self.notes(step))]

    def hole(self, rule):
        return prettyForm(*stringPict.next(prettyForm(f"∂/∂{self.symbol(rule.var)} "), prettyForm(*self.form(rule.expr).parens())))

    def notes(self, rule):
        """The names of the rules applied in ``rule``'s tree, the outermost first."""
        names = [_rule_name(s) for s in reversed(S.walk_steps(rule))]
        return ", ".join(dict.fromkeys(n for n in names if n))

    # -- a derivative over a graph -------------------------------------------------------------------

    def _render_LocalPartial(self, step):
        rule = step.rule
        parts = [self.partial(step.node, step.parent), self.hole(rule), self.form(rule.result)]
        if step.result != rule.result:
            parts.append(self.form(step.result))
        return [self.row(*parts, note=self.notes(rule))]

    def _render_PathSum(self, step):
        lhs = self.partial(step.of, step.wrt)
        if not step.paths:
            return [f"{self.symbol(step.of)} does not depend on {self.symbol(step.wrt)}: {lhs} = 0"]
        chain = " + ".join(" · ".join(self.partial(c, p) for c, p in zip(path.path, path.path[1:]))
                           for path in step.paths)
        many = f", summed over the {len(step.paths)} paths" if len(step.paths) > 1 else ""
        direct = len(step.paths) == 1 and len(step.paths[0].path) == 2  # one edge: no chain to write
        lines = [] if direct else [f"{lhs} by the chain rule, along each path from {self.symbol(step.of)} down to "
                                   f"{self.symbol(step.wrt)}{many}:", INDENT + f"{lhs} = {chain}"]
        factors = S.local_partials(step)
        new = [f for f in factors if f not in self.shown]
        if new:
            lines.append("The local partial derivatives, each by its rules:")
            for f in new:
                self.shown.add(f)
                lines.extend(self.render(f))
        if len(factors) > 1 or not new:
            together = sympy.Add(*[sympy.Mul(*[f.result for f in path.factors], evaluate=False)
                                   for path in step.paths], evaluate=False)
            lines.append("Together:")
            lines.append(self.row(lhs, self.form(together)))
        return lines

    def _render_Partial(self, step):
        self.shown.add(("derived", step))
        lines = self.render(step.chain)
        lhs = self.partial(step.of, step.wrt)
        if step.result != step.chain.result:
            lines += ["In the variables:", self.row(lhs, self.form(step.result))]
        return lines

    def _render_PartialAt(self, step):
        chain = S.path_sum(step.partial)
        lhs = self.partial(chain.of, chain.wrt)
        if (chain.of, chain.wrt, step.point) in self.shown:
            return [f"As derived above: {lhs} = {self.value(step.result)}"]
        self.shown.add((chain.of, chain.wrt, step.point))
        lines = self.render(step.partial) + ["At the point:"]
        values = dict(step.point + step.nodes)
        factors = S.local_partials(chain)
        for f in factors:
            local = self.partial(f.node, f.parent)
            if (f, step.point) in self.shown:
                lines.append(INDENT + f"{local} = {self.value(f.result.xreplace(values))}")
                continue
            self.shown.add((f, step.point))
            lines.append(self.row(local, *self.values(f.result, values)))
        if len(factors) > 1:
            by_path = " + ".join(" · ".join(_factor(f.result.xreplace(values)) for f in path.factors)
                                 for path in chain.paths)
            lines.append(self.row(lhs, by_path, self.value(step.result)))
        return lines

    def _render_Update(self, step):
        return self.updates([step])

    def updates(self, steps):
        """The gradients the updates use, each derived once, then every parameter's update."""
        lines = []
        for step in steps:
            lines.extend(self.render(S.update_chain(step)[0].gradient))
        chains = [S.update_chain(step) for step in steps]
        of = self.symbol(S.path_sum(steps[0].gradient).of)
        count = len(chains[0])
        lines.append(f"The update θ ← θ - η ∂{of}/∂θ with η = {_number(steps[0].learning_rate)}"
                     + (f" ({count} steps):" if count > 1 else ":"))
        for chain in chains:
            for k, u in enumerate(chain, 1):
                theta = self.symbol(u.variable)
                before = theta if k == 1 else f"{theta}⁽{k - 1}⁾"
                after = theta if len(chain) == 1 else f"{theta}⁽{k}⁾"
                gradient = self.partial(S.path_sum(u.gradient).of, u.variable)
                numbers = f"{_factor(u.previous.result)} - {_number(u.learning_rate)} · {_factor(u.gradient.result)}"
                lines.append(self.row(after, f"{before} - η {gradient}", numbers, self.value(u.result),
                                                relations=["←", "=", "="]))
        return lines

    def _render_Directional(self, step):
        lines = [line for g in step.gradient for line in self.render(g)]
        f = self.symbol(S.path_sum(step.gradient[0]).of)
        dot = " + ".join(f"{_factor(g.result)} · {_factor(c)}" for g, c in zip(step.gradient, step.direction))
        direction = ", ".join(_number(c) for c in step.direction)
        lines.append(f"Along v = ({direction}), normalised to a unit vector:")
        lines.append(self.row(f"D_v {f}", f"∇{f} · v / ‖v‖", f"({dot}) / {_factor(step.norm)}",
                                        self.value(step.result)))
        return lines

    # -- second order --------------------------------------------------------------------------------

    def _render_SecondPartial(self, step):
        u, v = step.wrt
        first = step.partial.body if isinstance(step.partial, S.Simplification) else step.partial
        if ("derived", first) in self.shown:
            lines = ["As derived above:", self.row(self.partial(step.of, u), self.form(step.partial.result))]
        else:
            lines = self.render(step.partial)
        lines.append(f"Its derivative with respect to {self.symbol(v)}, by the same rules:")
        lines.append(self.row(self.second_partial(step.of, u, v), self.hole(step.rule),
                                        self.form(step.rule.result), note=self.notes(step.rule)))
        return lines

    def _render_SecondPartialAt(self, step):
        second = step.second.body if isinstance(step.second, S.Simplification) else step.second
        lhs = self.second_partial(second.of, *second.wrt)
        if (step.second, step.point) in self.shown:
            return [f"As derived above: {lhs} = {self.value(step.result)}"]
        self.shown.add((step.second, step.point))
        return self.render(step.second) + ["At the point:", self.row(
            lhs, *self.values(step.second.result, dict(step.point)))]

    def _render_Symmetric(self, step):
        u, v = step.wrt
        shown = self.value(step.result) if step.result.is_number else self.form(step.result)
        return ["By symmetry (the second partials of a smooth function commute):",
                self.row(self.second_partial(step.of, u, v), self.second_partial(step.of, v, u), shown)]

    # -- a whole derivation ------------------------------------------------------------------------

    def forward(self, derivation):
        """The forward pass at the point: each node's definition, the numbers substituted, its value."""
        if not derivation.forward:
            return []
        values = dict(derivation.point + derivation.forward)
        point = ", ".join(f"{self.symbol(s)} = {_number(v)}" for s, v in derivation.point)
        lines = [f"The forward pass at {point}:"]
        for node, _ in derivation.forward:
            lines.append(self.row(self.symbol(node), *self.values(derivation.graph.definition(node), values)))
        return lines

    def derivation(self, derivation):
        """The lines of a whole derivation: the model, the forward pass at the point, each answer's steps."""
        graph = derivation.graph
        lines = ["The model:"] + [self.row(self.symbol(n), self.form(graph.definition(n)))
                                  for n in graph.nodes]
        forward = self.forward(derivation)
        lines += [""] + forward if forward else []
        if all(isinstance(a, S.Update) for a in derivation.answers):
            return lines + [""] + self.updates(derivation.answers)
        for answer in derivation.answers:
            lines += [""] + self.render(answer)
        return lines

    def answer(self, derivation):
        """The answer: ``lhs = value`` for each, or the Hessian as a matrix."""
        values = [a.result for a in derivation.answers]
        if S.second_order(derivation.answers[0]):
            n = len(derivation.wrt)
            return ["Answer:", self.row("H", self.form(sympy.Matrix(n, n, values)))]
        lines = ["Answer:"]
        for answer, symbol, value in zip(derivation.answers, derivation.wrt, values):
            if isinstance(answer, (S.Update, S.NewtonStep)):
                lhs = self.symbol(answer.variable)
            elif isinstance(answer, S.Directional):
                lhs = f"D_v {self.symbol(derivation.output)}"
            else:
                lhs = self.partial(derivation.output, symbol)
            shown = self.value(value) if sympy.sympify(value).is_number else self.form(value)
            lines.append(self.row(lhs, shown))
        return lines


class _Printer(PrettyPrinter):
    """SymPy's pretty printer in Unicode with the renderer's symbols, σ for the sigmoid (each
    operation spelled by a Greek letter prints as it), softmax's components numbered from 1, and
    ``values`` printed in place of their symbols."""

    def __init__(self, renderer, values):
        super().__init__({"use_unicode": True, "wrap_line": False})
        self.renderer, self.values = renderer, values

    def _print_Symbol(self, e, bold_name=False):
        if e in self.values:
            form = self._print(self.values[e])
            shown = self.values[e]
            return prettyForm(*form.parens()) if shown.is_negative else form
        return prettyForm(self.renderer.symbol(e))

    def _print_Function(self, e, sort=False, func_name=None, left="(", right=")"):
        op = operation_of(e)
        if op is not None and op.indexed:
            name = op.plain_name + "".join(_SUBSCRIPTS[d] for d in str(int(e.args[0]) + 1))
            return self._helper_print_function(e.func, e.args[1:], func_name=name)
        greek = next((m[1] for s in (op.spellings if op else ()) if (m := _COMMAND.fullmatch(s))
                      and pretty_symbol(m[1]) != m[1]), None)
        if greek is not None:
            return self._helper_print_function(e.func, e.args, func_name=pretty_symbol(greek))
        return super()._print_Function(e, sort, func_name, left, right)


_SUBSCRIPTS = dict(zip("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def _rule_name(step):
    """A rule's name in words (``sum rule``, ``sigmoid rule``), or None for the trivial ones."""
    if isinstance(step, S.FunctionRule):
        return step.operation.rule_name
    if rule_note(step) is None:
        return None
    if isinstance(step, S.FallbackRule):
        return "by SymPy: no rule of symgrad's applies"
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", type(step).__name__).lower()


def _number(v):
    """An exact number on one line: an integer, a short decimal, a fraction ``p/q``, else a decimal."""
    v = sympy.sympify(v)
    if v.is_Rational:
        short = decimal(v)
        return short if sympy.Rational(short) == v else str(v)
    return decimal(v) if v.is_number else str(v)


def _factor(v):
    """A number as a factor: in brackets when negative."""
    shown = _number(v)
    return f"({shown})" if shown.startswith("-") else shown

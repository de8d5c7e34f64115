r"""Derivations in LaTeX, as a textbook writes them: the rule named, the formula, the numbers
substituted, the result.

:class:`LatexRenderer` dispatches on step class, as SymPy's printers do: ``_render_<Class>`` turns a
step of a graph's derivation into blocks of rows, ``_formula_<Class>`` writes one rule applied to
its operands, each falling back to the nearest base class's method. A rule's derivation is printed
level by level: the first row is $\frac{\partial}{\partial x}[\ldots]$, each next row applies the
rules one level deeper, the last row is the result. Symbols print in the notation of
:mod:`symgrad.explain.notation`; rows are laid out by :mod:`symgrad.explain.layout`.
"""

from dataclasses import replace

import sympy
from sympy.printing.precedence import PRECEDENCE, precedence

from ..core.operations import operation, written_as
from . import steps as S
from .layout import ATOM, PRODUCT, SUM, Block, Piece, Row, caption, display, document, product, total, width, WIDTH
from .notation import NOTATION, Notation, decimal, number, positive_first
from .simplification import simplest

__all__ = ["LatexRenderer", "latex", "RULE_NOTES", "rule_note"]

SHORT = 24  # an irrational value this wide or less is printed exactly, before its decimal

# The note printed beside a row that applies a structural rule; a function's rule prints the formula
# registered with its operation (rule_note).
RULE_NOTES = {
    S.SumRule: r"\text{sum rule}",
    S.ConstantMultipleRule: r"\text{constant factor}",
    S.ProductRule: r"\text{product rule}",
    S.QuotientRule: r"\text{quotient rule}",
    S.PowerRule: r"(x^n)' = n x^{n-1}",
    S.ChainRule: r"\text{chain rule}",
    S.ExpRule: operation("exp").rule,  # a^x: the exponential's rule
    S.CrossEntropyRule: r"\partial(-\log s_k) / \partial z_j = s_j - [j = k]",
    S.PiecewiseRule: r"\text{piece by piece}",
    S.FallbackRule: r"\text{by SymPy: no rule of symgrad's applies}",
}


class LatexRenderer:
    """Renders derivations and steps; one renderer per document, so that a local partial shared
    by several questions is derived once and referred to afterwards."""

    def __init__(self, graph=None, notation=NOTATION, budget=WIDTH):
        given = {s: graph.latex_name(s) for s in graph.nodes if graph.latex_name(s)} if graph else {}
        self.notation = Notation(notation.names, notation.suffixes, {**notation.given, **given})
        self.budget = budget
        self.shown = set()  # the local partials already derived

    # -- symbols, expressions, numbers --------------------------------------------------------

    def symbol(self, s):
        return self.notation.symbol(s)

    def partial(self, of, wrt):
        return r"\frac{\partial %s}{\partial %s}" % (self.symbol(of), self.symbol(wrt))

    def piece(self, expr, values=None):
        """A SymPy expression as a piece whose terms are its top-level terms."""
        expr = sympy.sympify(expr)
        if isinstance(expr, sympy.Add):
            return total([self.piece(t, values) for t in positive_first(expr.as_ordered_terms())])
        text = self.notation.expression(expr, values)
        binding = ATOM if precedence(expr) > PRECEDENCE["Mul"] else PRODUCT
        if isinstance(expr, sympy.Mul) and width(text) > self.budget and not _has_denominator(expr):
            return self._long_product(expr, values)
        return Piece.of(text, SUM if text.startswith("-") and binding == ATOM and len(text) > 1 else binding)

    def _long_product(self, expr, values):
        """A product too wide for a line, as factors it may be broken between."""
        coefficient, factors = expr.as_coeff_mul()
        pieces = [self.piece(f, values) for f in factors]
        terms = [("", p.as_factor() if len(factors) > 1 else p.text) for p in pieces]
        if coefficient != 1:
            sign = "-" if coefficient == -1 else self.notation.expression(coefficient) + " "
            terms[0] = ("", sign + terms[0][1])
        return Piece(tuple((r"\cdot" if i else "", t) for i, (_, t) in enumerate(terms)), PRODUCT)

    def definitions(self, graph):
        """A block of rows ``node = definition``, one per node of ``graph``, in order."""
        return Block((), tuple(Row(self.symbol(n), self.piece(graph.definition(n))) for n in graph.nodes))

    def number(self, v):
        """A number as a factor, exact when rational, else to a few digits; and whether it was rounded."""
        v = sympy.sympify(v)
        text = number(v) if v.is_Rational else decimal(v)
        return Piece.of(text, SUM if text.startswith("-") else ATOM), not v.is_Rational

    def value_rows(self, v, rounded=False):
        """``= v``: exactly when it is rational or short (and nothing was rounded before), then
        ``\approx`` its decimal unless it has a short one."""
        v = sympy.sympify(v)
        relation = r"\approx" if rounded else "="
        if v.is_Rational:
            exact = [Row("", Piece.of(number(v)), relation=relation)]
            return exact + [Row("", Piece.of(decimal(v)), relation=r"\approx")] if "frac" in number(v) else exact
        exact = self.piece(v)
        rows = [Row("", exact)] if not rounded and width(exact.text) <= SHORT else []
        return rows + [Row("", Piece.of(decimal(v)), relation=r"\approx")]

    def evaluation(self, lhs, expr, values):
        """``lhs = expr = `` the numbers substituted ``=`` the value."""
        rounded = any(not values[s].is_Rational for s in expr.free_symbols if s in values)
        rows = [Row(lhs, self.piece(expr)), Row("", self.piece(expr, values), relation=r"\approx" if rounded else "=")]
        return _distinct(rows + self.value_rows(expr.xreplace(values), rounded))

    def numbers(self, lhs, factors_by_term, result):
        """``lhs = `` a sum of products of numbers ``=`` its value."""
        terms, rounded = [], False
        for factors in factors_by_term:
            pieces = [self.number(f) for f in factors]
            rounded = rounded or any(r for _, r in pieces)
            terms.append(product([p for p, _ in pieces], ones=True))
        rows = [Row(lhs, total(terms), relation=r"\approx" if rounded else "=")]
        return _distinct(rows + self.value_rows(result, rounded))

    # -- dispatch --------------------------------------------------------------------------------

    def render(self, step):
        """The blocks that derive ``step``."""
        return self._dispatch("_render_", step)(step)

    def _dispatch(self, prefix, step):
        for cls in type(step).__mro__:
            method = getattr(self, prefix + cls.__name__, None)
            if method is not None:
                return method
        raise TypeError(f"cannot render {type(step).__name__}")  # pragma: no cover - Step has one

    def _render_Step(self, step):
        return [Block((), (Row(r"\text{result}", self.piece(step.result)),))]

    def _render_Simplification(self, step):
        blocks = self.render(step.body)
        if step.result.is_number:  # a value: shown exactly and as a decimal already
            return blocks
        return _extend(blocks, self._fitting(step.result))

    def _fitting(self, expr, note=""):
        """A row ``= expr``, or nothing when it would take more than three lines or has a term
        wider than a line."""
        piece = self.piece(expr)
        fits = width(piece.text) <= 3 * self.budget and all(width(t) <= self.budget - 10 for _, t in piece.terms)
        return Row("", piece, note) if fits else None

    # -- a rule's derivation --------------------------------------------------------------------

    def _render_Rule(self, step):
        return [Block((), tuple(self.rule_rows(step)))]

    def rule_rows(self, rule, lhs=None):
        """``lhs = d/dx[expr] = ...`` one level of rules per row, down to the result (without
        ``lhs``, the first row starts with ``d/dx[expr]``)."""
        rows = [Row(lhs, self.hole(rule))] if lhs else [Row(self.hole(rule).text, Piece.of(""))]
        if _immediate(rule):
            levels = [(self.piece(rule.result), _names(rule))]
        else:
            levels = [(self.expand(rule, k), self.notes(rule, k)) for k in range(1, _depth(rule) + 1)]
            levels.append((self.piece(rule.result), ""))
        for piece, note in levels:
            if piece.text != rows[-1].rhs.text:
                rows.append(Row("", piece, note))
        if not rows[0].rhs.text:  # the first level goes on the first row
            rows[:2] = [Row(rows[0].lhs, rows[1].rhs, rows[1].note)]
        return rows

    def hole(self, rule):
        r"""$\frac{\partial}{\partial x}\left(\text{expr}\right)$: a derivative still to take."""
        d = r"\frac{\partial}{\partial %s} " % self.symbol(rule.var)
        expr = self.piece(rule.expr)
        if rule.expr.is_Atom or rule.expr.is_Pow or rule.expr.is_Function:
            return Piece.of(d + expr.text, PRODUCT)
        terms = list(expr.terms)  # a sum may be broken across lines: \Bigl( and \Bigr) need no pairing
        terms[0] = (terms[0][0], d + r"\Bigl(" + terms[0][1])
        terms[-1] = (terms[-1][0], terms[-1][1] + r"\Bigr)")
        return Piece(tuple(terms), PRODUCT)

    def expand(self, rule, k):
        """``rule`` with ``k`` levels of rules applied: deeper derivatives are still holes."""
        if _immediate(rule):
            return self.piece(rule.result)
        if k == 0:
            return self.hole(rule)
        return self._dispatch("_formula_", rule)(rule, [self.expand(s, k - 1) for s in rule.substeps])

    def notes(self, rule, k):
        """The notes of the rules that row ``k`` applies."""
        return r",\ ".join(dict.fromkeys(n for n in _applied(rule, k) if n))

    def _formula_Rule(self, rule, parts):
        return self.piece(rule.result)

    def _formula_SumRule(self, rule, parts):
        return total(parts)

    def _formula_ConstantMultipleRule(self, rule, parts):
        constant = self.piece(rule.constant)
        if rule.constant == -1:
            return total([Piece.of("-" + parts[0].as_factor(), SUM)])
        return product([constant, parts[0]], dot=False)

    def _formula_ProductRule(self, rule, parts):
        exprs = [self.piece(f.expr) for f in rule.factors]
        return total([product(exprs[:i] + [p] + exprs[i + 1:], dot=False) for i, p in enumerate(parts)])

    def _formula_QuotientRule(self, rule, parts):
        u, v = self.piece(rule.numerator.expr), self.piece(rule.denominator.expr)
        top = total([product([parts[0], v]), Piece.of("-" + product([u, parts[1]]).text, SUM)])
        return Piece.of(r"\frac{%s}{%s^{2}}" % (top.text, v.as_factor()), ATOM)

    def _formula_ChainRule(self, rule, parts):
        r"""$f'(g(x))\,g'(x)$, with $f'$ written in $u$ and $u$ printed as $g(x)$: $2\,(y - y^*)$,
        not SymPy's distributed $2y - 2y^*$."""
        outer = []
        for o in rule.outer:
            names = {}
            for u, g in zip(rule.placeholders, rule.arguments):
                text = self.piece(g)
                if g.is_Atom or _only_as_argument(o.result, u):
                    names[u] = text.text
                elif _raised(o.result, u) and not g.is_Function:  # (\frac{x}{2})^{2}, not \frac{x}{2}^{2}
                    names[u] = r"\left(%s\right)" % text.text
                else:
                    names[u] = text.as_factor()
            outer.append(Piece.of(self.notation.expression(o.result, names=names), PRODUCT))
        return total([product([o, i]) for o, i in zip(outer, parts[len(rule.outer):])])

    # -- a derivative over a graph --------------------------------------------------------------

    def _render_LocalPartial(self, step):
        rows = self.rule_rows(step.rule, self.partial(step.node, step.parent))
        if step.result != step.rule.result:
            rows.append(Row("", self.piece(step.result), r"\text{in the graph's names}"))
        return [Block((), tuple(rows))]

    def _render_PathSum(self, step):
        of, wrt = step.of, step.wrt
        lhs = self.partial(of, wrt)
        if not step.paths:
            return [Block(caption("The loss does not depend on ", self.symbol(wrt), ":"),
                          (Row(lhs, Piece.of("0")),))]
        chain = total([product([Piece.of(self.partial(c, p)) for c, p in zip(path.path, path.path[1:])])
                       for path in step.paths])
        many = f", summed over the {len(step.paths)} paths" if len(step.paths) > 1 else ""
        blocks = [] if len(step.paths[0].path) == 2 and len(step.paths) == 1 else [
            Block(caption("By the chain rule, along each path from ", self.symbol(of), " down to ",
                           self.symbol(wrt), f"{many}:"), (Row(lhs, chain),))]
        factors = S.local_partials(step)
        new = [f for f in factors if f not in self.shown]
        if new:
            blocks.append(Block(caption("The local partial derivatives, each by its rules:"), ()))
            for f in new:
                self.shown.add(f)
                blocks.extend(self.render(f))
        if len(factors) > 1 or not new:
            together = total([product([self.piece(f.result) for f in path.factors]) for path in step.paths])
            blocks.append(Block(caption("Together:"), (Row(lhs, together),)))
        return blocks

    def _render_Partial(self, step):
        self.shown.add(("derived", step))  # a second partial recalls it
        blocks = self.render(step.chain)
        if step.result != step.chain.result:
            blocks = _extend(blocks, self._fitting(step.result, r"\text{in the variables}"))
        return _extend(blocks, self.ordinary_row(step.result))

    def ordinary_row(self, expr):
        """A row ``= expr`` as it is wherever torch's guards in it are inactive (the clamped log as
        ``log``, :attr:`~symgrad.core.operations.Operation.ordinary`), simplified, or None when that
        is ``expr`` itself: so bce's gradient reads ``sigma(z) - y`` as well as exactly."""
        ordinary = written_as(expr, "ordinary")
        if ordinary == expr:
            return None
        return self._fitting(simplest(ordinary), r"\text{where no clamp of torch's is active}")

    def _render_PartialAt(self, step):
        chain = S.path_sum(step.partial)
        lhs = self.partial(chain.of, chain.wrt)
        if (chain.of, chain.wrt, step.point) in self.shown:  # asked before: recalled, not derived again
            piece, rounded = self.number(step.result)
            return [Block(caption("As derived above:"), (Row(lhs, piece, relation=r"\approx" if rounded else "="),))]
        self.shown.add((chain.of, chain.wrt, step.point))
        blocks = self.render(step.partial)
        values = dict(step.point + step.nodes)
        rows = []
        factors = S.local_partials(chain)
        for f in factors:
            local = self.partial(f.node, f.parent)
            if (f, step.point) in self.shown:  # derived at this point before: its value only
                piece, rounded = self.number(f.result.xreplace(values))
                rows.append(Row(local, piece, relation=r"\approx" if rounded else "="))
                continue
            self.shown.add((f, step.point))
            rows.extend(self.evaluation(local, f.result, values))
        if len(factors) > 1:
            by_path = [[f.result.xreplace(values) for f in path.factors] for path in chain.paths]
            rows.extend(self.numbers(lhs, by_path, step.result))
        blocks.append(Block(caption("At the point:"), tuple(rows)))
        return blocks

    def _render_Update(self, step):
        return self.updates([step])

    def updates(self, steps):
        """The gradients that the updates ``steps`` (one per parameter) use, each derived once, then
        one block with every parameter's update."""
        blocks, rows = [], []
        for step in steps:  # a gradient derived before is recalled, not derived again
            blocks.extend(self.render(S.update_chain(step)[0].gradient))
        for step in steps:
            rows.extend(self._update_rows(S.update_chain(step)))
        count = len(S.update_chain(steps[0]))
        of = self.symbol(S.path_sum(steps[0].gradient).of)
        heading = caption("The update ", r"\theta \leftarrow \theta - \eta\, \partial %s / \partial \theta" % of,
                           " with ", rf"\eta = {number(steps[0].learning_rate)}",
                           f" ({count} steps):" if count > 1 else ":")
        return blocks + [Block(heading, tuple(rows))]

    def _update_rows(self, chain):
        """``theta <- theta - eta dL/dtheta = numbers = value`` for each step of one parameter."""
        rows = []
        for k, u in enumerate(chain, 1):
            theta = self.symbol(u.variable)
            before = theta if k == 1 else f"{theta}^{{({k - 1})}}"
            after = theta if len(chain) == 1 else f"{theta}^{{({k})}}"
            gradient = self.partial(S.path_sum(u.gradient).of, u.variable)
            rows.append(Row(after, Piece.of(r"%s - \eta\, %s" % (before, gradient)),
                            relation=r"\leftarrow" if k == 1 else "="))
            (previous, r1), (g, r2) = self.number(u.previous.result), self.number(u.gradient.result)
            step = product([Piece.of(number(u.learning_rate)), g], ones=True)
            subtracted = Piece((("", "-" + step.terms[0][1]),) + step.terms[1:], SUM)
            rows.append(Row("", total([previous, subtracted]), relation=r"\approx" if r1 or r2 else "="))
            rows.extend(self.value_rows(u.result, r1 or r2))
        return _distinct(rows)

    def _render_Directional(self, step):
        blocks = []
        for g in step.gradient:
            blocks.extend(self.render(g))
        f = self.symbol(S.path_sum(step.gradient[0]).of)
        v = [self.number(c)[0] for c in step.direction]
        grads = [self.number(g.result) for g in step.gradient]
        rounded = any(r for _, r in grads)
        dot = total([product([g, c], ones=True) for (g, _), c in zip(grads, v)])
        rows = [Row(r"D_v %s" % f, Piece.of(r"\frac{\nabla %s \cdot v}{\lVert v \rVert}" % f)),
                Row("", Piece.of(r"\frac{%s}{%s}" % (dot.text, self.piece(step.norm).text)),
                    relation=r"\approx" if rounded else "=")]
        direction = r"v = \left(%s\right)" % ", ".join(p.text for p in v)
        return blocks + [Block(caption("Along ", direction, ", normalised to a unit vector:"),
                               tuple(_distinct(rows + self.value_rows(step.result, rounded))))]

    # -- second order: the entries of the Hessian ------------------------------------------------

    def second_partial(self, of, u, v):
        r"""$\frac{\partial^2 L}{\partial v\, \partial u}$ (first by $u$, then by $v$), or $\partial w^2$ below
        when $u = v$."""
        below = (r"\partial %s^{2}" % self.symbol(u) if u == v
                 else r"\partial %s\, \partial %s" % (self.symbol(v), self.symbol(u)))
        return r"\frac{\partial^{2} %s}{%s}" % (self.symbol(of), below)

    def _render_SecondPartial(self, step):
        u, v = step.wrt
        first = step.partial.body if isinstance(step.partial, S.Simplification) else step.partial
        if ("derived", first) in self.shown:  # each first partial is derived once
            recalled = Row(self.partial(step.of, u), self.piece(step.partial.result))
            blocks = [Block(caption("As derived above:"), (recalled,))]
        else:
            blocks = self.render(step.partial)
        rows = self.rule_rows(step.rule, self.second_partial(step.of, u, v))
        return blocks + [Block(caption("Its derivative with respect to ", self.symbol(v), ", by the same rules:"),
                               tuple(rows))]

    def _render_SecondPartialAt(self, step):
        second = step.second.body if isinstance(step.second, S.Simplification) else step.second
        lhs = self.second_partial(second.of, *second.wrt)
        if (step.second, step.point) in self.shown:  # asked before: recalled, not derived again
            piece, rounded = self.number(step.result)
            return [Block(caption("As derived above:"), (Row(lhs, piece, relation=r"\approx" if rounded else "="),))]
        self.shown.add((step.second, step.point))
        return self.render(step.second) + [Block(caption("At the point:"),
                                                 tuple(self.evaluation(lhs, step.second.result, dict(step.point))))]

    def _render_Symmetric(self, step):
        u, v = step.wrt
        piece, rounded = (self.number(step.result) if step.result.is_number else (self.piece(step.result), False))
        rows = (Row(self.second_partial(step.of, u, v), Piece.of(self.second_partial(step.of, v, u))),
                Row("", piece, relation=r"\approx" if rounded else "="))
        return [Block(caption("By symmetry (the second partials of a smooth function commute):"), rows)]

    def _render_NewtonStep(self, step):
        r"""The Hessian and the gradient at the point, then $\theta - H^{-1} \nabla L$ for every parameter at
        once (the step of ``variables[0]`` prints it; the others are in it)."""
        if step.index:
            return []
        derived = [h for h in step.hessian if not isinstance(h, S.Symmetric)]  # the others mirror them
        recalled = all((h.body.second, h.body.point) in self.shown for h in derived)
        blocks = [] if recalled else [b for h in step.hessian for b in self.render(h)]  # else printed in H below
        rows = []
        for g in step.gradient:  # each first partial is derived above, with the Hessian
            chain = S.path_sum(g)
            if (chain.of, chain.wrt, step.point) not in self.shown:
                self.shown.add((chain.of, chain.wrt, step.point))
                lhs = self.partial(chain.of, chain.wrt)
                partial = g.body.partial  # g is the Simplification of a PartialAt
                rows.extend(self.evaluation(lhs, partial.result, dict(step.point)))
        blocks += [Block(caption("The gradient at the point:"), tuple(rows))] if rows else []
        n = len(step.variables)
        h = sympy.Matrix(n, n, [e.result for e in step.hessian])
        new = [replace(step, index=i).result for i in range(n)]  # each parameter's step, by the step's rule
        of = self.symbol(S.path_sum(step.gradient[0]).of)
        theta = _pmatrix([self.symbol(v) for v in step.variables], 1)
        matrix, r1 = self._numbers_matrix(h, n)
        inverse, r2 = self._numbers_matrix(h.inv(), n)
        before, r3 = self._numbers_matrix([v.value for v in step.values], 1)
        gradient, r4 = self._numbers_matrix([e.result for e in step.gradient], 1)
        after, r5 = self._numbers_matrix(new, 1)
        rows = [Row("H", Piece.of(matrix), relation=r"\approx" if r1 else "="),
                Row("H^{-1}", Piece.of(inverse), relation=r"\approx" if r2 else "="),
                Row(theta, Piece.of(r"%s - H^{-1} \nabla %s" % (theta, of)), relation=r"\leftarrow"),
                Row("", Piece.of(f"{before} - {inverse} {gradient}"), relation=r"\approx" if r2 or r3 or r4 else "="),
                Row("", Piece.of(after), relation=r"\approx" if r5 else "=")]
        return blocks + [Block(caption("Newton's step ", r"\theta \leftarrow \theta - H^{-1} \nabla_\theta %s" % of,
                                       ":"), tuple(rows))]

    def value_matrix(self, values, n):
        """A pmatrix of ``n`` columns of an answer's values (row by row), each as :meth:`value_piece` writes it."""
        return _pmatrix([self.value_piece(v).text for v in values], n)

    def _numbers_matrix(self, values, n):
        """A pmatrix of ``n`` columns of numbers (each exact when rational, else a decimal), and whether
        any was rounded."""
        pieces = [self.number(v) for v in values]
        return _pmatrix([p.text for p, _ in pieces], n), any(r for _, r in pieces)

    def hessian_answer(self, derivation):
        """The answer block of a Hessian: the matrix $H$, exactly, then in decimals where inexact."""
        n = len(derivation.wrt)
        values = [a.result for a in derivation.answers]
        rows = [Row("H", Piece.of(self.value_matrix(values, n)))]
        if all(v.is_number for v in values) and not all(v.is_Rational for v in values):
            rows.append(Row("", Piece.of(self._numbers_matrix(values, n)[0]), relation=r"\approx"))
        return Block(caption("Answer:"), tuple(rows))

    # -- a whole derivation -----------------------------------------------------------------------

    def forward(self, derivation):
        """The forward pass at the point: each node's definition, with the numbers, and its value."""
        values = dict(derivation.point + derivation.forward)
        rows = []
        for node, value in derivation.forward:
            rows.extend(self.evaluation(self.symbol(node), derivation.graph.definition(node), values))
        return [Block(caption("The forward pass at the point:"), tuple(rows))] if rows else []

    def answer(self, derivation):
        """The block stating the answers: ``lhs = value`` for each, with decimals where inexact."""
        if S.second_order(derivation.answers[0]):
            return self.hessian_answer(derivation)
        rows = []
        for answer, symbol in zip(derivation.answers, derivation.wrt):
            if isinstance(answer, (S.Update, S.NewtonStep)):
                lhs = self.symbol(answer.variable)
            elif isinstance(answer, S.Directional):
                lhs = r"D_v %s" % self.symbol(derivation.output)
            else:
                lhs = self.partial(derivation.output, symbol)
            value = answer.result
            if value.is_number:  # exactly (when short), and as a decimal unless it is a short one
                shown = self.value_rows(value)
                rows.append(Row(lhs, shown[0].rhs, relation=shown[0].relation))
                rows.extend(shown[1:])
            else:
                rows.append(Row(lhs, self.value_piece(value)))
                ordinary = None if isinstance(value, tuple) else self.ordinary_row(sympy.sympify(value))
                rows.extend([ordinary] if ordinary is not None else [])
        return Block(caption("Answer:"), tuple(rows))

    def value_piece(self, value):
        """An answer's value: a number exactly (a decimal when short), an expression, or a tuple."""
        if isinstance(value, tuple):
            return Piece.of(r"\left(%s\right)" % ", ".join(self.value_piece(v).text for v in value))
        value = sympy.sympify(value)
        return Piece.of(number(value)) if value.is_Rational else self.piece(value)

    def derivation(self, derivation, forward=True):
        """The blocks of a whole derivation: the forward pass (with ``forward``), then each answer."""
        blocks = self.forward(derivation) if forward and derivation.point else []
        if all(isinstance(a, S.Update) for a in derivation.answers):
            return blocks + self.updates(derivation.answers)
        for answer in derivation.answers:
            blocks.extend(self.render(answer))
        return blocks


def latex(obj, *, graph=None, jupyter=False, forward=True):
    """LaTeX deriving ``obj`` (a Derivation or a step): ``align*`` blocks for a document, or one
    ``aligned`` display for Jupyter."""
    renderer = LatexRenderer(getattr(obj, "graph", graph))
    blocks = renderer.derivation(obj, forward) if hasattr(obj, "answers") else renderer.render(obj)
    return display(blocks) if jupyter else document(blocks)


def _pmatrix(cells, n):
    """The matrix of ``n`` columns of the LaTeX ``cells`` (row by row), in round brackets."""
    rows = [" & ".join(cells[i:i + n]) for i in range(0, len(cells), n)]
    return r"\begin{pmatrix} %s \end{pmatrix}" % r" \\ ".join(rows)


def _distinct(rows):
    """The rows without those that repeat the previous row's right-hand side."""
    out = []
    for row in rows:
        if out and row.rhs.text == out[-1].rhs.text and not row.lhs:
            continue
        out.append(row)
    return out


def _extend(blocks, row):
    """The blocks with ``row`` added to the last chain, unless that chain says it already."""
    if row is None or not blocks or not blocks[-1].rows or row.rhs.text in {r.rhs.text for r in blocks[-1].rows}:
        return blocks
    last = blocks[-1]
    return blocks[:-1] + [Block(last.caption, last.rows + (row,))]


def _has_denominator(expr):
    return any(f.is_Pow and f.exp.is_negative for f in expr.args)


def _only_as_argument(expr, u):
    """Whether ``u`` occurs in ``expr`` only where it prints without parentheses: as a whole
    argument of a function, ``sigma(u)``, or as a denominator, ``1/u``."""
    if expr == u:
        return False
    if isinstance(expr, sympy.Function) or (expr.is_Pow and expr.exp == -1):
        return all(a == u or _only_as_argument(a, u) for a in expr.args)
    return all(_only_as_argument(a, u) for a in expr.args)


def _raised(expr, u):
    """Whether ``u`` is the base of a power somewhere in ``expr`` (where it needs parentheses unless
    it is an atom or a function's application)."""
    return any(p.base == u for p in expr.atoms(sympy.Pow))


def rule_note(step):
    """The note printed beside a row that applies ``step``'s rule, or None."""
    if isinstance(step, S.FunctionRule):
        return step.operation.rule
    return RULE_NOTES.get(type(step))


def _immediate(rule):
    """A rule with no sub-steps, or of an expression linear in the variable, prints its result at
    once: $\\partial(w_1 x_1 + w_3 x_2)/\\partial w_1 = x_1$ needs no rows of its own."""
    if not rule.substeps:
        return True
    expr, var = rule.expr, rule.var
    return expr.is_polynomial(var) and sympy.degree(expr, var) <= 1


def _depth(rule):
    if _immediate(rule):
        return 0
    return 1 + max(_depth(s) for s in rule.substeps)


def _names(rule):
    """The notes of every rule in an immediately printed sub-tree (the trivial ones left out)."""
    names = [rule_note(s) for s in reversed(S.walk_steps(rule))]  # the outermost first
    return r",\ ".join(dict.fromkeys(n for n in names if n))


def _applied(rule, k):
    """The notes of the rules whose application row ``k`` shows first, with ``rule`` at row 0."""
    if _immediate(rule):
        return [_names(rule)] if k == 0 else []
    if k == 0:
        return []
    own = [rule_note(rule)] if k == 1 else []
    return own + [n for s in rule.substeps for n in _applied(s, k - 1)]

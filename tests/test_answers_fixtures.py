"""Answer-test fixtures in the style of STACK's: (question, student's answer, expected verdict, expected
mistake), one row per case, covering every mistake kind and every task kind.

A row's verdict is True (right), False (wrong) or None for answers that are not checked (unparseable,
unknown_symbol, too_complex, undecided): their outcome is "not_checked", neither right nor wrong.
"""

from pathlib import Path

import pytest
import sympy as sp

from symgrad import Question, bce, cross_entropy, mse, relu, sigmoid
from symgrad.answers.mistakes import MISTAKES, NOT_FROM_ANSWERS
from symgrad.answers.question import matrix_symbols
from symgrad.worksheets.worksheet import load_worksheet

w, x, y, b, z, eta = sp.symbols("w x y b z eta")
w1, w2, w3, w4, w5, w6 = sp.symbols("w1:7")
a11, a12, a21, a22 = sp.symbols("a11 a12 a21 a22")
z1, z2, z3 = sp.symbols("z1:4")
S3 = load_worksheet(Path(__file__).parent.parent / "worksheets" / "s3_backprop_by_hand.py")
NEURON = load_worksheet(Path(__file__).parent.parent / "worksheets" / "sigmoid_neuron.py")
NEURON_POINT = {w: sp.Rational(1, 2), b: -1, x: 2, y: 1}
SIGMA, T = sp.Function("sigma"), sp.Symbol("t")  # a function the teacher names and defines
LOGISTIC = {"sigma": sp.Lambda(T, 1 / (1 + sp.exp(-T)))}
MATRICES = matrix_symbols({"X": ("n", "d"), "w": ("d",), "y": ("n",), "W_2": ("m", "h"), "delta_2": ("m",),
                           "z_1": ("h",)})
X, wv, yv, W2, delta2, z1v = MATRICES.values()
SIGMA_PRIME = sp.Lambda(T, sp.diff(sigmoid(T), T))


QUESTIONS = {
    # derivative: a symbolic answer
    "d_square": lambda: Question.derivative((w * x - y) ** 2, w),
    "d_sigmoid": lambda: Question.derivative(sigmoid(z), z),
    "d_bce": lambda: Question.derivative(bce(sigmoid(w * x + b), y), w),
    "d_mean": lambda: Question.derivative(mse([w, 2 * w, 3 * w], [2, 4, 6]), w),
    "d_log": lambda: Question.derivative(sp.log(w * x), w),
    "d_log10": lambda: Question.derivative(sp.log(w) / sp.log(10), w, log_base=10),
    "d_product": lambda: Question.derivative(w * sp.exp(w), w),
    "d_quotient": lambda: Question.derivative(w / (1 + w), w),
    "d_power": lambda: Question.derivative((w ** 2 + 1) ** 3, w),
    "d_constant": lambda: Question.derivative(5 * w ** 3, w),
    "d_tanh": lambda: Question.derivative(sp.tanh(w * x), w),
    "d_tanh_square": lambda: Question.derivative((sp.tanh(z) - y) ** 2, z),
    "d_atanh": lambda: Question.derivative(sp.atanh(w * x), w),
    "d_defined": lambda: Question.derivative(SIGMA(w * x), w, functions=LOGISTIC),
    "at_defined": lambda: Question.derivative_at((SIGMA(w) - y) ** 2, w, {w: 0, y: 1}, functions=LOGISTIC),
    "d_s3": lambda: Question.derivative(S3.model, w5),
    "d_product_log": lambda: Question.derivative(w ** 2 * sp.log(w), w),
    "d_neuron": lambda: Question.derivative(NEURON.model, w),          # z = wx + b, p = sigma(z), L = bce(p, y)
    "d_neuron_z": lambda: Question.derivative(NEURON.model, "z"),
    "d_relu": lambda: Question.derivative(relu(w * x + b), w),
    "d_softmax": lambda: Question.derivative(cross_entropy([z1, z2, z3], 1), z2),   # -log softmax_2(z)
    # derivative_at: a number
    "at_square": lambda: Question.derivative_at((w * x - y) ** 2, w, {w: 1, x: 2, y: 4}),
    "at_s3_w1": lambda: Question.derivative_at(S3.model, w1, S3.point),
    "at_s3_ystar": lambda: Question.derivative_at(S3.model, "ystar", S3.point),
    "at_sigmoid": lambda: Question.derivative_at(sigmoid(z), z, {z: 0}),
    "at_relu": lambda: Question.derivative_at(relu(w * x + b), w, {w: 0.5, x: 2, b: -0.5}),
    "at_mean": lambda: Question.derivative_at(mse([w, 2 * w, 3 * w], [2, 4, 6]), w, {w: 1}),
    "at_log": lambda: Question.derivative_at(sp.log(w * x), w, {w: 2, x: 3}),
    "at_exp": lambda: Question.derivative_at(sp.exp(2 * w), w, {w: sp.Rational(1, 2)}),
    "at_neuron": lambda: Question.derivative_at(NEURON.model, w, NEURON_POINT),
    # gradient: symbolic, numeric, a matrix of parameters
    "grad_line": lambda: Question.gradient((w * x + b - y) ** 2, [w, b]),
    "grad_at": lambda: Question.gradient((w * x + b - y) ** 2, [w, b], {w: 1, x: 2, b: 0, y: 3}),
    "grad_s3": lambda: Question.gradient(S3.model, [w1, w2, w3, w4, w5, w6], S3.point),
    "grad_matrix": lambda: Question.gradient(a11 * x + 2 * a12 * x + 3 * a21 + 4 * a22 * x ** 2,
                                             sp.Matrix([[a11, a12], [a21, a22]]), {x: 1}),
    # directional_derivative
    "dir_point": lambda: Question.directional_derivative(x ** 2 + y ** 2, [x, y], (3, 4), {x: 1, y: 2}),
    "dir_symbolic": lambda: Question.directional_derivative(x ** 2 + y ** 2, [x, y], (1, 1)),
    # gradient_step
    "step_one": lambda: Question.gradient_step((w * x - y) ** 2, w, 0.01, {w: 1, x: 2, y: 4}),
    "step_s3": lambda: Question.gradient_step(S3.model, [w5, w1], 0.01, S3.point),
    "step_symbolic": lambda: Question.gradient_step((w * x - y) ** 2, w, eta),
    "step_mean": lambda: Question.gradient_step(mse([w, 2 * w, 3 * w], [2, 4, 6]), w, 0.1, {w: 1}),
    "step_neuron": lambda: Question.gradient_step(NEURON.model, w, 0.1, NEURON_POINT),
    # hessian: a matrix, symbolic or numeric; newton_step
    "hess_cubic": lambda: Question.hessian(x ** 3 * y + x * y ** 2, [x, y]),
    "hess_neuron": lambda: Question.hessian(NEURON.model, [w, b], NEURON_POINT),
    "newton_quadratic": lambda: Question.newton_step(x ** 2 + x * y + 2 * y ** 2 - x, [x, y], {x: 1, y: 1}),
    # matrix answers: least squares' gradient, an MLP layer's delta
    "mat_lsq": lambda: Question.matrix_gradient((X * wv - yv).T * (X * wv - yv), wv),
    "mat_mlp": lambda: Question.matrix(sp.HadamardProduct(W2.T * delta2, z1v.applyfunc(SIGMA_PRIME))),
}

ROWS = [
    # -- d_square: d/dw (wx - y)^2 = 2x(wx - y) ----------------------------------------------------------
    ("d_square", r"2x(xw-y)", True, None),
    ("d_square", r"2 x (w x - y)", True, None),
    ("d_square", r"2x^2w - 2xy", True, None),
    ("d_square", r"2 \cdot x \cdot (x \cdot w - y)", True, None),
    ("d_square", r"-2x(y - xw)", True, None),
    ("d_square", r"\nabla_w L = 2x(xw-y)", True, None),
    ("d_square", r"\nabla_{w} L = 2(xw-y)", False, "missing_chain_factor"),
    ("d_square", r"\nabla_w L = \frac{\partial L}{\partial w}", False, "other"),
    ("d_square", r"\frac{dL}{dw} = 2x(xw - y)", True, None),
    ("d_square", r"$2x(xw-y)$", True, None),
    ("d_square", r"x (2 w x - 2 y)", True, None),
    ("d_square", r"\frac{4x(xw - y)}{2}", True, None),
    ("d_square", r"2x(xw-y) + (x - x)(w + y) + \frac{0}{y}", True, "not_simplified_but_correct"),
    ("d_square", r"-2x(xw-y)", False, "sign_error"),
    ("d_square", r"2x(y - xw)", False, "sign_error"),
    ("d_square", r"2(xw-y)", False, "missing_chain_factor"),
    ("d_square", r"2x(xw-y)^2", False, "power_rule_error"),
    ("d_square", r"2w(xw-y)", False, "wrong_variable"),
    ("d_square", r"-2(xw-y)", False, "wrong_variable"),
    ("d_square", r"(xw-y)^2", False, "returned_function_value"),
    ("d_square", r"\frac{(xw-y)^3}{3x}", False, "integrated_instead"),
    ("d_square", r"\frac{(xw-y)^3}{3x} + 7", False, "integrated_instead"),
    ("d_square", r"x(xw-y)", False, "other"),
    ("d_square", r"2x", False, "other"),
    ("d_square", r"2x(xW-y)", None, "unknown_symbol"),
    ("d_square", r"2x(xw-q)", None, "unknown_symbol"),
    ("d_square", r"2x(xw-y", None, "unparseable"),
    ("d_square", r"2x(xw-y))", None, "unparseable"),
    ("d_square", r"2x \times", None, "unparseable"),
    ("d_square", r"2^{2^{2^{40}}}", None, "too_complex"),
    ("d_square", r"\frac{\partial L}{\partial w}", False, "other"),
    # -- d_sigmoid: sigma'(z) = sigma(z)(1 - sigma(z)) ---------------------------------------------------
    ("d_sigmoid", r"\sigma(z)(1-\sigma(z))", True, None),
    ("d_sigmoid", r"\sigma'(z)", True, None),
    ("d_sigmoid", r"\sigma(z) - \sigma(z)^2", True, None),
    ("d_sigmoid", r"\frac{e^{-z}}{(1+e^{-z})^2}", True, "not_simplified_but_correct"),
    ("d_sigmoid", r"\frac{1}{1+e^{-z}} \left(1 - \frac{1}{1+e^{-z}}\right)", True, "not_simplified_but_correct"),
    ("d_sigmoid", r"\frac{e^{z}}{(1+e^{z})^2}", True, "not_simplified_but_correct"),
    ("d_sigmoid", r"-\sigma(z)(1-\sigma(z))", False, "sign_error"),
    ("d_sigmoid", r"\sigma(z)", False, "returned_function_value"),
    ("d_sigmoid", r"\sigma(z)(1+\sigma(z))", False, "other"),
    ("d_sigmoid", r"\sigma z", False, "returned_function_value"),     # \sigma z is \sigma(z)
    ("d_sigmoid", r"\sigma", None, "unparseable"),
    ("d_sigmoid", r"\sigma(x)(1-\sigma(x))", None, "unknown_symbol"),
    # -- d_bce: d/dw BCE(sigma(wx+b), y) = (sigma(wx+b) - y) x ------------------------------------------
    ("d_bce", r"(\sigma(wx+b) - y) x", True, None),
    ("d_bce", r"x\sigma(wx+b) - xy", True, None),
    ("d_bce", r"\left(\frac{1}{1+e^{-(wx+b)}} - y\right) x", True, "not_simplified_but_correct"),
    ("d_bce", r"(y - \sigma(wx+b)) x", False, "sign_error"),
    ("d_bce", r"\sigma(wx+b) - y", False, "missing_chain_factor"),
    ("d_bce", r"\sigma(wx+b) - y", False, "missing_chain_factor"),
    ("d_bce", r"\sigma(wx + b) - \sigma(wx+b)^2", False, "other"),
    ("d_bce", r"(\sigma(wx+b) - y) w", False, "wrong_variable"),
    ("d_bce", r"(\sigma(wx+b) - y) \cdot \hat{x}", None, "unknown_symbol"),
    # -- d_mean: d/dw (1/3) sum (k w - 2k)^2 = (28 w - 56)/3 ------------------------------------------------
    ("d_mean", r"\frac{2}{3}(14w - 28)", True, None),
    ("d_mean", r"\frac{28}{3}(w - 2)", True, None),
    ("d_mean", r"\frac{1}{3} \left(2(w-2) + 4(2w-4) + 6(3w-6)\right)", True, "not_simplified_but_correct"),
    ("d_mean", r"9.3333w - 18.6667", False, "other"),
    ("d_mean", r"28w - 56", False, "missing_mean_factor"),
    ("d_mean", r"28(w - 2)", False, "missing_mean_factor"),
    ("d_mean", r"-\frac{28}{3}(w - 2)", False, "sign_error"),
    # -- d_log: d/dw ln(wx) = 1/w -------------------------------------------------------------------------
    ("d_log", r"\frac{1}{w}", True, None),
    ("d_log", r"w^{-1}", True, None),
    ("d_log", r"\frac{x}{wx}", True, None),
    ("d_log", r"\frac{1}{w \ln 10}", False, "log_base_confusion"),
    ("d_log", r"\frac{1}{w \ln(10)}", False, "log_base_confusion"),
    ("d_log", r"\frac{1}{wx}", False, "missing_chain_factor"),
    ("d_log", r"-\frac{1}{w}", False, "sign_error"),
    ("d_log", r"\frac{1}{x}", False, "wrong_variable"),
    ("d_log", r"\log(wx)", False, "returned_function_value"),
    ("d_log", r"w \log(wx) - w", False, "integrated_instead"),
    # -- d_log10: here \log is base 10 ---------------------------------------------------------------------
    ("d_log10", r"\frac{1}{w \ln 10}", True, None),
    ("d_log10", r"\frac{1}{w \ln(10)}", True, None),
    ("d_log10", r"\frac{1}{w}", False, "log_base_confusion"),
    ("d_log10", r"\log w", False, "returned_function_value"),
    ("d_log10", r"\frac{\log_{10} e}{w}", True, None),
    # -- d_product: (w e^w)' = e^w + w e^w ------------------------------------------------------------------
    ("d_product", r"e^{w} + w e^{w}", True, None),
    ("d_product", r"(1 + w) e^w", True, None),
    ("d_product", r"(1 + w) \exp(w)", True, None),
    ("d_product", r"e^{w}", False, "product_rule_error"),
    ("d_product", r"-(1 + w) e^w", False, "sign_error"),
    ("d_product", r"w e^w", False, "returned_function_value"),
    ("d_product", r"(w - 1) e^w", False, "integrated_instead"),
    ("d_product", r"w e^{w-1}", False, "other"),
    # -- d_quotient: (w/(1+w))' = 1/(1+w)^2 --------------------------------------------------------------------
    ("d_quotient", r"\frac{1}{(1+w)^2}", True, None),
    ("d_quotient", r"\frac{(1+w) - w}{(1+w)^2}", True, None),
    ("d_quotient", r"(1+w)^{-2}", True, None),
    ("d_quotient", r"\frac{1 + 2w}{(1+w)^2}", False, "quotient_rule_error"),
    ("d_quotient", r"\frac{1}{1+w}", False, "quotient_rule_error"),
    ("d_quotient", r"-\frac{1}{(1+w)^2}", False, "sign_error"),
    ("d_quotient", r"\frac{w}{1+w}", False, "returned_function_value"),
    # -- d_power: ((w^2+1)^3)' = 6w(w^2+1)^2 ------------------------------------------------------------------
    ("d_power", r"6w(w^2+1)^2", True, None),
    ("d_power", r"3(w^2+1)^2 \cdot 2w", True, None),
    ("d_power", r"3(w^2+1)^2", False, "missing_chain_factor"),
    ("d_power", r"6w(w^2+1)^3", False, "power_rule_error"),
    ("d_power", r"-6w(w^2+1)^2", False, "sign_error"),
    ("d_power", r"6w(w^2 + 1)", False, "other"),
    # -- d_constant: (5 w^3)' = 15 w^2 ---------------------------------------------------------------------------
    ("d_constant", r"15w^2", True, None),
    ("d_constant", r"5 \cdot 3 w^2", True, None),
    ("d_constant", r"3w^2", False, "missing_constant_factor"),
    ("d_constant", r"15w^3", False, "power_rule_error"),
    ("d_constant", r"-15w^2", False, "sign_error"),
    ("d_constant", r"\frac{5}{4} w^4", False, "integrated_instead"),
    # -- d_tanh: (tanh(wx))' = x (1 - tanh^2(wx)) -------------------------------------------------------------------
    ("d_tanh", r"x(1 - \tanh^2(wx))", True, None),
    ("d_tanh", r"x(1 - \tanh(wx)^2)", True, None),
    ("d_tanh", r"\frac{x}{\cosh^2(wx)}", True, None),
    ("d_tanh", r"1 - \tanh^2(wx)", False, "missing_chain_factor"),
    ("d_tanh", r"w(1 - \tanh^2(wx))", False, "wrong_variable"),
    ("d_tanh", r"\tanh(wx)", False, "returned_function_value"),
    ("d_tanh", r"x\operatorname{sech}^2(wx)", True, None),
    ("d_tanh", r"x \sech^2(wx)", True, None),
    ("d_tanh", r"\frac{x}{\cosh(wx)^2}", True, None),
    ("d_tanh", r"\sech^2(wx)", False, "missing_chain_factor"),
    ("d_tanh", r"w \sech^{2}(wx)", False, "wrong_variable"),
    ("d_tanh", r"-x \operatorname{sech}(wx)^2", False, "sign_error"),
    ("d_tanh", r"\coth(wx)", False, "other"),
    # -- d_tanh_square: 2(tanh z - y) sech^2 z ----------------------------------------------------------------------
    ("d_tanh_square", r"2(\tanh(z) - y)\operatorname{sech}^2(z)", True, None),
    ("d_tanh_square", r"2(\tanh z - y) \sech^2 z", True, None),
    ("d_tanh_square", r"2(\tanh(z) - y)", False, "missing_chain_factor"),
    ("d_tanh_square", r"-2(\tanh(z) - y)\sech^2(z)", False, "sign_error"),
    ("d_tanh_square", r"2(\tanh(z) - y)\csch^2(z)", False, "other"),
    # -- d_defined: sigma(wx) with sigma defined as the logistic function: x sigma(wx)(1 - sigma(wx)) ------------------
    ("d_defined", r"x\sigma(wx)(1-\sigma(wx))", True, None),
    ("d_defined", r"x \sigma'(wx)", True, None),
    ("d_defined", r"\frac{x e^{-wx}}{(1+e^{-wx})^2}", True, None),
    ("d_defined", r"-x\sigma(wx)(1-\sigma(wx))", False, "sign_error"),
    ("d_defined", r"\sigma(wx)", False, "returned_function_value"),
    ("d_defined", r"w \sigma'(wx)", False, "wrong_variable"),
    # -- at_defined: 2 (sigma(0) - 1) sigma'(0) = -1/4 ---------------------------------------------------------------------
    ("at_defined", "-0.25", True, None),
    ("at_defined", "0.25", False, "sign_error"),
    ("at_defined", "-1", False, "missing_chain_factor"),
    # -- d_atanh: x / (1 - w^2 x^2) ------------------------------------------------------------------------------------
    ("d_atanh", r"\frac{x}{1 - (wx)^2}", True, None),
    ("d_atanh", r"\frac{1}{1 - (wx)^2}", False, "missing_chain_factor"),
    ("d_atanh", r"\operatorname{artanh}(wx)", False, "returned_function_value"),
    ("d_atanh", r"\operatorname{arctanh}(wx)", False, "returned_function_value"),
    ("d_atanh", r"\operatorname{atanh}(w x)", False, "returned_function_value"),
    ("d_atanh", r"\operatorname{arsinh}(wx)", False, "other"),
    ("d_atanh", r"\operatorname{arcsinh}(wx) + \operatorname{arcosh}(2 + wx)", False, "other"),
    # -- d_s3: dL/dw5 with y* = w5 h1 + w6 h2: -2(y - y*) h1 -----------------------------------------------------------
    ("d_s3", r"-2(y - y^*) h_1", True, None),
    ("d_s3", r"2(y^* - y)(w_1 x_1 + w_3 x_2)", True, None),
    ("d_s3", r"-2(y - w_5 h_1 - w_6 h_2) h_1", True, None),
    ("d_s3", r"-2(y - y^*)", False, "missing_chain_factor"),
    ("d_s3", r"2(y - y^*) h_1", False, "sign_error"),
    ("d_s3", r"-2(y - y^*) h_2", False, "wrong_variable"),
    ("d_s3", r"(y - y^*)^2", False, "returned_function_value"),
    ("d_s3", r"-2(y - y^*) h_3", None, "unknown_symbol"),
    # -- d_product_log: (w^2 ln w)' = 2w ln w + w: each term of the product rule, and u'v' -------------------------
    ("d_product_log", r"2w \ln w + w", True, None),
    ("d_product_log", r"w(2\ln(w) + 1)", True, None),
    ("d_product_log", r"2w \ln w", False, "product_rule_error"),      # the term u v' dropped
    ("d_product_log", r"2", False, "product_rule_error"),              # u' v'
    ("d_product_log", r"-2w \ln w - w", False, "sign_error"),
    # -- d_neuron: dL/dw through p = sigma(z), z = wx + b: (p - y) x -------------------------------------------------
    ("d_neuron", r"(p - y) x", True, None),
    ("d_neuron", r"(\sigma(wx+b) - y) x", True, None),
    ("d_neuron", r"x\left(\frac{1-y}{1-p} - \frac{y}{p}\right)", False, "missing_chain_factor"),   # dp/dz forgotten
    ("d_neuron", r"x\left(\frac{1-y}{1-\sigma(z)} - \frac{y}{\sigma(z)}\right)", False, "missing_chain_factor"),
    ("d_neuron", r"p - y", False, "missing_chain_factor"),                                      # dz/dw forgotten
    ("d_neuron", r"(y - p) x", False, "sign_error"),
    # -- d_neuron_z: dL/dz, written in z: sigma(z) - y ----------------------------------------------------------------
    ("d_neuron_z", r"p - y", True, None),
    ("d_neuron_z", r"\sigma(z) - y", True, None),
    ("d_neuron_z", r"\frac{1-y}{1-p} - \frac{y}{p}", False, "missing_chain_factor"),                 # dp/dz forgotten
    ("d_neuron_z", r"y - p", False, "sign_error"),
    # -- d_relu: relu(wx + b)' = x [wx + b > 0] ---------------------------------------------------------------------
    ("d_relu", r"x [wx + b > 0]", True, None),
    ("d_relu", r"x \mathbb{1}[wx + b > 0]", True, None),
    ("d_relu", r"\mathbb{1}\left[b + w x > 0\right] x", True, None),
    ("d_relu", r"\operatorname{relu}'(wx + b) x", True, None),
    ("d_relu", r"[wx + b > 0]", False, "missing_chain_factor"),
    ("d_relu", r"-x [wx + b > 0]", False, "sign_error"),
    ("d_relu", r"\operatorname{relu}(wx + b)", False, "returned_function_value"),
    ("d_relu", r"x [wx + b > 0 > w]", None, "unparseable"),
    # -- d_softmax: d/dz_2 of -log softmax_2(z_1, z_2, z_3) = softmax_2(z) - 1 --------------------------------------------
    ("d_softmax", r"\operatorname{softmax}_2(z_1, z_2, z_3) - 1", True, None),
    ("d_softmax", r"\mathrm{softmax}_{2}\left(z_{1}, z_{2}, z_{3}\right) - 1", True, None),
    ("d_softmax", r"-(1 - softmax_2(z_1, z_2, z_3))", True, None),
    ("d_softmax", r"\frac{e^{z_2}}{e^{z_1} + e^{z_2} + e^{z_3}} - 1", True, "not_simplified_but_correct"),
    ("d_softmax", r"1 - \operatorname{softmax}_2(z_1, z_2, z_3)", False, "sign_error"),
    ("d_softmax", r"-\log\operatorname{softmax}_2(z_1, z_2, z_3)", False, "returned_function_value"),
    ("d_softmax", r"\operatorname{softmax}_2(z_1, z_2, z_3)", False, "other"),
    ("d_softmax", r"\operatorname{softmax}_4(z_1, z_2, z_3)", None, "unparseable"),
    ("d_softmax", r"[z_2 > 0]", None, "unparseable"),        # no relu in this question
    # -- at_square: -8 at w=1, x=2, y=4 ---------------------------------------------------------------------------------
    ("at_square", "-8", True, None),
    ("at_square", "-8.0", True, None),
    ("at_square", "-8.005", True, None),          # within 0.1%
    ("at_square", "-8.01", False, "other"),       # beyond it
    ("at_square", "-\\frac{16}{2}", True, "not_simplified_but_correct"),
    ("at_square", r"2 \cdot 2 \cdot (2 - 4)", True, "not_simplified_but_correct"),
    ("at_square", "8", False, "sign_error"),
    ("at_square", "-4", False, "missing_chain_factor"),
    ("at_square", "4", False, "wrong_variable"),
    ("at_square", "16", False, "power_rule_error"),     # 2 (wx - y)^2 x: the exponent kept
    ("at_square", "2x(xw-y)", False, "other"),
    ("at_square", "2x(xw-q)", None, "unknown_symbol"),
    ("at_square", "eight", None, "unknown_symbol"),
    ("at_square", "-8!", None, "unparseable"),
    # -- at_s3_w1: dL/dw1 = 2.1 ----------------------------------------------------------------------------------------------
    ("at_s3_w1", "2.1", True, None),
    ("at_s3_w1", r"\frac{21}{10}", True, None),
    ("at_s3_w1", "2.10", True, None),
    ("at_s3_w1", "-2.1", False, "sign_error"),
    ("at_s3_w1", "4.2", False, "missing_chain_factor"),
    ("at_s3_w1", "4.41", False, "returned_function_value"),
    ("at_s3_w1", "2", False, "other"),
    # -- at_s3_ystar: dL/dy* = 4.2 -----------------------------------------------------------------------------------------------
    ("at_s3_ystar", "4.2", True, None),
    ("at_s3_ystar", "-4.2", False, "sign_error"),
    ("at_s3_ystar", "4.41", False, "returned_function_value"),
    # -- at_sigmoid: sigma'(0) = 1/4 ------------------------------------------------------------------------------------------------
    ("at_sigmoid", "0.25", True, None),
    ("at_sigmoid", r"\frac{1}{4}", True, None),
    ("at_sigmoid", "1/4", True, None),
    ("at_sigmoid", "2.5e-1", True, None),
    ("at_sigmoid", "0.5", False, "returned_function_value"),
    ("at_sigmoid", "-0.25", False, "sign_error"),
    # -- at_relu: relu'(0.5) x = 2 ---------------------------------------------------------------------------------------------------
    ("at_relu", "2", True, None),
    ("at_relu", "0.5", False, "wrong_variable"),
    ("at_relu", "1", False, "missing_chain_factor"),
    # -- at_mean: (28 w - 56)/3 at w = 1 is -28/3 ----------------------------------------------------------------------------------------
    ("at_mean", "-9.333", True, None),
    ("at_mean", r"-\frac{28}{3}", True, None),
    ("at_mean", "-28", False, "missing_mean_factor"),
    ("at_mean", "9.333", False, "sign_error"),
    # -- at_log: 1/w at w = 2 ----------------------------------------------------------------------------------------------------------------
    ("at_log", "0.5", True, None),
    ("at_log", "0.2171", False, "log_base_confusion"),
    ("at_log", "0.3333", False, "wrong_variable"),
    # -- at_neuron: at w = 1/2, b = -1, x = 2, y = 1 (z = 0, p = 1/2): -1 --------------------------------------------
    ("at_neuron", "-1", True, None),
    ("at_neuron", "-4", False, "missing_chain_factor"),      # dp/dz = 1/4 forgotten
    ("at_neuron", "-0.5", False, "missing_chain_factor"),    # dz/dw = 2 forgotten
    ("at_neuron", "1", False, "sign_error"),
    # -- grad_at: (-4, -2), entries named by their variables in any order -----------------------------------------------------
    ("grad_at", "w = -4, b = -2", True, None),
    ("grad_at", "b=-2, w=-4", True, None),
    ("grad_at", "(b = -2, w = -4)", True, None),
    ("grad_at", r"\frac{\partial L}{\partial b} = -2, \frac{\partial L}{\partial w} = -4", True, None),
    ("grad_at", r"\frac{dL}{dw} = -4, \frac{dL}{db} = -2", True, None),
    ("grad_at", r"\nabla_b L = -2, \nabla_w L = -4", True, None),
    ("grad_at", "w = 4, b = 2", False, "sign_error"),
    ("grad_at", "b = 2, w = -4", False, "sign_error"),
    ("grad_at", r"\frac{\partial L}{\partial b} = 2, \frac{\partial L}{\partial w} = 4", False, "sign_error"),
    ("grad_at", "w = -4, x = -2", False, "other"),
    ("grad_at", "w = -4, w = -2", False, "other"),
    ("grad_at", "b = -2, b = -2", False, "other"),
    ("grad_at", "w = -4, c = -2", None, "unknown_symbol"),
    ("grad_at", "-4, b = -2", None, "unparseable"),
    ("grad_at", "w + 1 = -4, b = -2", None, "unparseable"),
    ("grad_at", "w = -4.02, b = -2", False, "other"),         # more figures than needed: not a rounding
    # -- at_exp: 2e = 5.43656..., decimals typed truncated ---------------------------------------------------------------------
    ("at_exp", r"5.4365\ldots", True, None),
    ("at_exp", "5.43656...", True, None),
    ("at_exp", r"5.436 \dots", True, None),
    ("at_exp", r"-5.4365\ldots", False, "sign_error"),
    ("at_exp", "2.71828...", False, "missing_chain_factor"),
    ("at_exp", r"2.718\dots", False, "missing_chain_factor"),
    ("at_exp", "7.389...", False, "other"),
    ("at_exp", "5.4", False, "rounded_too_early"),           # 3 significant figures are needed
    ("at_exp", "5.45", False, "other"),                      # 0.25% off with the 3 figures needed
    ("at_exp", r"5.4\ldots", False, "rounded_too_early"),
    ("at_exp", "5", False, "other"),                         # 8% off: more than rounding
    ("at_exp", "5.4300", False, "other"),                    # as many figures as needed, and wrong
    ("at_exp", r"5.4\ldots\ldots", None, "unparseable"),
    ("at_exp", "...", None, "unparseable"),
    # -- grad_line: (2x(wx+b-y), 2(wx+b-y)) ------------------------------------------------------------------------------------------------------
    ("grad_line", r"(2x(xw+b-y), 2(xw+b-y))", True, None),
    ("grad_line", r"\begin{pmatrix} 2x(xw+b-y) \\ 2(xw+b-y) \end{pmatrix}", True, None),
    ("grad_line", r"\begin{bmatrix} 2x(xw+b-y) & 2(xw+b-y) \end{bmatrix}", True, None),
    ("grad_line", r"2x(xw+b-y), 2(xw+b-y)", True, None),
    ("grad_line", r"(-2x(xw+b-y), -2(xw+b-y))", False, "sign_error"),
    ("grad_line", r"(2x(xw+b-y), -2(xw+b-y))", False, "sign_error"),
    ("grad_line", r"(2(xw+b-y), 2(xw+b-y))", False, "missing_chain_factor"),
    ("grad_line", r"(2(xw+b-y), 2x(xw+b-y))", False, "wrong_variable"),
    ("grad_line", r"(2x(xw+b-y))", False, "other"),
    ("grad_line", r"(2x(xw+b-y), 2(xw+b-y), 0)", False, "other"),
    ("grad_line", r"\nabla L = (2x(xw+b-y), 2(xw+b-y))", True, None),
    ("grad_line", r"\nabla_{w,b} L = \begin{pmatrix} 2x(xw+b-y) \\ 2(xw+b-y) \end{pmatrix}", True, None),
    ("grad_line", r"\nabla_{w,b} L = (-2x(xw+b-y), -2(xw+b-y))", False, "sign_error"),
    ("grad_line", r"\nabla \mathcal{L} = (2(xw+b-y), 2(xw+b-y))", False, "missing_chain_factor"),
    ("grad_line", r"\nabla = (2x(xw+b-y), 2(xw+b-y))", None, "unparseable"),
    ("grad_line", r"\nabla L", None, "unparseable"),
    ("grad_line", r"b = 2(xw+b-y), w = 2x(xw+b-y)", True, None),
    ("grad_line", r"\frac{\partial L}{\partial w} = 2(xw+b-y), \frac{\partial L}{\partial b} = 2(xw+b-y)", False,
     "missing_chain_factor"),
    ("grad_line", r"(2x \nabla L, 2)", None, "unparseable"),
    # -- grad_s3: (2.1, 4.2, 4.2, 8.4, 4.2, 3.99) ---------------------------------------------------------------------------------------------------
    ("grad_s3", "(2.1, 4.2, 4.2, 8.4, 4.2, 3.99)", True, None),
    ("grad_s3", r"\begin{pmatrix} 2.1 \\ 4.2 \\ 4.2 \\ 8.4 \\ 4.2 \\ 3.99 \end{pmatrix}", True, None),
    ("grad_s3", "(-2.1, -4.2, -4.2, -8.4, -4.2, -3.99)", False, "sign_error"),
    ("grad_s3", "(2.1, 4.2, 4.2, 8.4, 4.2, 4)", False, "rounded_too_early"),  # 3.99 rounded to one figure
    ("grad_s3", "(2.1, 4.2, 4.2, 8.4, 4.2)", False, "other"),
    # -- grad_matrix: the gradient has the shape of the parameter: [[1, 2], [3, 4]] -------------------------------------------------------------------
    ("grad_matrix", r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}", True, None),
    ("grad_matrix", r"\begin{pmatrix} 1 & 3 \\ 2 & 4 \end{pmatrix}", False, "transposed"),
    ("grad_matrix", r"\begin{pmatrix} -1 & -2 \\ -3 & -4 \end{pmatrix}", False, "sign_error"),
    ("grad_matrix", r"\begin{pmatrix} 1 & 2 & 3 & 4 \end{pmatrix}", False, "other"),
    # -- dir_point: along (3, 4)/5 at (1, 2): 22/5 ---------------------------------------------------------------------------------------------------
    ("dir_point", "4.4", True, None),
    ("dir_point", r"\frac{22}{5}", True, None),
    ("dir_point", r"\frac{2 \cdot 3 + 4 \cdot 4}{5}", True, "not_simplified_but_correct"),
    ("dir_point", "22", False, "missing_constant_factor"),
    ("dir_point", "-4.4", False, "sign_error"),
    ("dir_point", "(2, 4)", False, "other"),
    # -- dir_symbolic: along (1, 1)/sqrt 2: sqrt(2)(x + y) --------------------------------------------------------------------------------------------
    ("dir_symbolic", r"\sqrt{2}(x + y)", True, None),
    ("dir_symbolic", r"\frac{2x + 2y}{\sqrt{2}}", True, None),
    ("dir_symbolic", r"2x + 2y", False, "missing_constant_factor"),
    ("dir_symbolic", r"-\sqrt{2}(x + y)", False, "sign_error"),
    # -- step_one: w - 0.01 * (-8) = 1.08 ---------------------------------------------------------------------------------------------------------------
    ("step_one", "1.08", True, None),
    ("step_one", r"\frac{27}{25}", True, None),
    ("step_one", r"1 - 0.01 \cdot (-8)", True, "not_simplified_but_correct"),
    ("step_one", "0.92", False, "gd_wrong_sign"),
    ("step_one", "0.96", False, "gd_used_loss_not_gradient"),
    ("step_one", "9", False, "gd_missing_learning_rate"),
    ("step_one", "1.04", False, "missing_chain_factor"),
    ("step_one", "-8", False, "other"),
    # -- step_s3: (0.958, 0.979) ---------------------------------------------------------------------------------------------------------------------------
    ("step_s3", "(0.958, 0.979)", True, None),
    ("step_s3", r"\begin{pmatrix} 0.958 \\ 0.979 \end{pmatrix}", True, None),
    ("step_s3", "(1.042, 1.021)", False, "gd_wrong_sign"),
    ("step_s3", "(-3.2, -1.1)", False, "gd_missing_learning_rate"),
    ("step_s3", "(0.958, 1.021)", False, "gd_wrong_sign"),
    ("step_s3", "(0.979, 0.958)", False, "wrong_variable"),   # the right values, in the wrong order
    ("step_s3", "w_1 = 0.979, w_5 = 0.958", True, None),
    ("step_s3", "w5 = 1.042, w1 = 1.021", False, "gd_wrong_sign"),
    ("step_s3", "w_5 = 0.958, w_1 = 0.98", False, "rounded_too_early"),
    ("grad_s3", "(2.1, 4.2, 4.2, 8.4, 4.2, 4.0)", False, "rounded_too_early"),
    # -- step_symbolic: w - eta 2x(wx - y) --------------------------------------------------------------------------------------------------------------------
    ("step_symbolic", r"w - 2\eta x(xw - y)", True, None),
    ("step_symbolic", r"w - \eta \cdot 2x(xw-y)", True, None),
    ("step_symbolic", r"w + 2\eta x(xw - y)", False, "gd_wrong_sign"),
    ("step_symbolic", r"w - \eta (xw - y)^2", False, "gd_used_loss_not_gradient"),
    ("step_symbolic", r"w - 2x(xw - y)", False, "gd_missing_learning_rate"),
    ("step_symbolic", r"w - 2\eta (xw - y)", False, "missing_chain_factor"),
    ("step_symbolic", r"w - \eta \frac{\partial L}{\partial w}", False, "other"),
    ("step_symbolic", r"w - \alpha \cdot 2x(xw-y)", None, "unknown_symbol"),
    # -- step_mean: 1 - 0.1 * (-28/3) = 29/15 -------------------------------------------------------------------------------------------------------------------
    ("step_mean", "1.9333", True, None),
    ("step_mean", r"\frac{29}{15}", True, None),
    ("step_mean", "3.8", False, "missing_mean_factor"),
    ("step_mean", "0.0667", False, "gd_wrong_sign"),
    # -- step_neuron: w - 0.1 (-1) = 0.6 ---------------------------------------------------------------------------------------------------------------------------
    ("step_neuron", "0.6", True, None),
    ("step_neuron", "0.9", False, "missing_chain_factor"),    # dp/dz = 1/4 forgotten: w - 0.1 (-4)
    ("step_neuron", "0.4", False, "gd_wrong_sign"),
    # -- hess_cubic: ((6xy, 3x^2 + 2y), (3x^2 + 2y, 2x)) ---------------------------------------------------------------------------------------------------
    ("hess_cubic", r"\begin{pmatrix} 6xy & 3x^2 + 2y \\ 3x^2 + 2y & 2x \end{pmatrix}", True, None),
    ("hess_cubic", r"((6xy, 3x^2 + 2y), (3x^2 + 2y, 2x))", True, None),
    ("hess_cubic", r"\begin{pmatrix} -6xy & -3x^2 - 2y \\ -3x^2 - 2y & -2x \end{pmatrix}", False, "sign_error"),
    ("hess_cubic", r"\begin{pmatrix} 6xy & 3x^2 + 2y \end{pmatrix}", False, "other"),
    # -- hess_neuron: sigma'(0) (x, 1)^T (x, 1) = ((1, 1/2), (1/2, 1/4)) -------------------------------------------------------------------------------------
    ("hess_neuron", r"\begin{pmatrix} 1 & 1/2 \\ 1/2 & 1/4 \end{pmatrix}", True, None),
    ("hess_neuron", r"((1, 0.5), (0.5, 0.25))", True, None),
    ("hess_neuron", r"\begin{pmatrix} 2 & 1 \\ 1 & 1/2 \end{pmatrix}", False, "other"),
    # -- newton_quadratic: the minimum, (4/7, -1/7) -------------------------------------------------------------------------------------------------------------
    ("newton_quadratic", r"(4/7, -1/7)", True, None),
    ("newton_quadratic", r"(-1/7, 4/7)", False, "wrong_variable"),
    # -- outcomes: not checked (unreadable, unknown names, too complex, undecided) is neither right nor wrong ----------
    ("d_square", r"\frac{x}{w^2 - |w|^2}", None, "undecided"),      # w^2 = |w|^2: no value at any point
    ("d_product_log", r"\frac{w}{w - |w|}", None, "undecided"),     # the points have w > 0, where log w is real
    ("d_product_log", r"\frac{1}{\sqrt{w^2} - w}", None, "undecided"),
    ("d_log", r"\frac{w}{w - \sqrt{w^2}} + \frac{w}{w + \sqrt{w^2}}", None, "undecided"),
    ("d_sigmoid", r"\frac{\sigma(z)}{\sqrt{z^2} - |z|}", None, "undecided"),
    ("grad_line", r"(\frac{x}{w^2 - |w|^2}, \frac{1}{b^2 - |b|^2})", None, "undecided"),
    ("grad_line", r"(2x(xw+b-y), \frac{1}{b^2 - |b|^2})", None, "undecided"),  # one entry right: still 0
    ("hess_cubic", r"\begin{pmatrix} \frac{1}{x^2 - |x|^2} & 3x^2 + 2y \\ 3x^2 + 2y & 2x \end{pmatrix}", None, "undecided"),
    ("d_log", r"\frac{1}{w", None, "unparseable"),
    ("d_quotient", r"\frac{1}{(1+w)^2}}", None, "unparseable"),
    ("d_product", r"e^{w} + \input{x}", None, "unparseable"),
    ("step_one", r"1.08 +", None, "unparseable"),
    ("d_log", r"\frac{1}{v}", None, "unknown_symbol"),
    ("d_power", r"6w(w^2+k)^2", None, "unknown_symbol"),
    ("grad_line", r"(2x(xw+b-y), 2(xw+b-c))", None, "unknown_symbol"),
    ("d_log", r"w^{2^{2^{40}}}", None, "too_complex"),
    ("at_square", r"2^{2^{2^{40}}}", None, "too_complex"),
    ("d_square", r"\frac{1}{0}", False, "other"),       # undefined everywhere, not just at the points: wrong
    ("d_square", r"\frac{x}{0}", False, "other"),
    ("d_square", r"x \log 0", False, "other"),
    ("at_square", r"\frac{1}{0}", False, "other"),
    ("grad_line", r"(-2x(xw+b-y), \frac{1}{b^2 - |b|^2})", False, "sign_error"),  # a decided wrong entry: wrong
    ("grad_line", r"(2(xw+b-y), \frac{1}{b^2 - |b|^2})", False, "missing_chain_factor"),
    ("d_product_log", r"2w \log w + w", True, None),
    # matrix answers: the transpose's spellings, expanded, named, with \cdot; the typical mistakes
    ("mat_lsq", r"2X^\top(Xw-y)", True, None),
    ("mat_lsq", r"2X^T(Xw - y)", True, None),
    ("mat_lsq", r"2X^{\mathsf T}(Xw-y)", True, None),
    ("mat_lsq", r"2X^\intercal (Xw-y)", True, None),
    ("mat_lsq", r"2X^\top X w - 2X^\top y", True, None),
    ("mat_lsq", r"\nabla_w L = 2X^\top(Xw-y)", True, None),
    ("mat_lsq", r"-2X^\top(y - Xw)", True, None),
    ("mat_lsq", r"2 \cdot X^{\top} \cdot \left(X w - y\right)", True, None),
    ("mat_lsq", r"2X^\top(Xw - y) + X^\top \mathbf{1} - X^\top \mathbf{1}_n", True, None),
    ("mat_lsq", r"X^\top(Xw-y)", False, "missing_constant_factor"),
    ("mat_lsq", r"-2X^\top(Xw-y)", False, "sign_error"),
    ("mat_lsq", r"2X(Xw-y)", False, "wrong_shape"),                 # the transpose missing: n x d by n x 1
    ("mat_lsq", r"(Xw-y)^\top X", False, "wrong_shape"),            # a row vector, and the 2 missing
    ("mat_lsq", r"2(Xw-y)^\top X", False, "transposed"),
    ("mat_lsq", r"\|Xw - y\|^2", False, "wrong_shape"),               # the loss itself, 1 x 1
    ("mat_lsq", r"X + w", False, "wrong_shape"),
    ("mat_lsq", r"2X^\top X w", False, "other"),
    ("mat_lsq", r"\frac{2X^\top(Xw - y) \|y\|^2}{\|y\|^2}", True, None),   # a 1 x 1 divisor is a number
    ("mat_lsq", r"\frac{w}{0}", False, "other"),                       # undefined in every draw: wrong
    ("mat_lsq", r"2X^\top(Xw-q)", None, "unknown_symbol"),
    ("mat_lsq", r"2X^\top(Xw-y", None, "unparseable"),
    ("mat_lsq", r"X^2", None, "unparseable"),
    ("mat_lsq", "X" + r"^\top" * 10000, None, "too_complex"),
    ("mat_lsq", "(" * 30 + "X" + r"^\top)" * 30, None, "too_complex"),
    ("mat_mlp", r"(W_2^\top \delta_2) \odot \sigma'(z_1)", True, None),
    ("mat_mlp", r"W_2^T \delta_2 \odot \sigma(z_1) \odot (\mathbf{1}_h - \sigma(z_1))", True, None),
    ("mat_mlp", r"\operatorname{diag}(\sigma'(z_1)) W_2^\top \delta_2", True, None),
    ("mat_mlp", r"(W_2 \delta_2) \odot \sigma'(z_1)", False, "wrong_shape"),
    ("mat_mlp", r"(\delta_2^\top W_2) \odot \sigma'(z_1)", False, "wrong_shape"),
    ("mat_mlp", r"W_2^\top \delta_2", False, "other"),
]
OUTCOME = {True: "correct", False: "incorrect", None: "not_checked"}


@pytest.fixture(scope="module")
def questions():
    return {name: build() for name, build in QUESTIONS.items()}


@pytest.mark.parametrize("question, answer, correct, mistake", ROWS,
                         ids=[f"{q}:{a}" for q, a, _, _ in ROWS])
def test_answer_fixture(sandbox, questions, question, answer, correct, mistake):
    verdict = questions[question].check(answer, sandbox)
    assert verdict.mistake == mistake, verdict
    assert verdict.correct is bool(correct), verdict
    assert verdict.score == 1.0 if correct else verdict.score < 1.0
    assert verdict.outcome == OUTCOME[correct], verdict
    assert (verdict.reason is None) is (correct is not None), verdict
    if correct is None:
        assert verdict.score == 0.0, verdict


def test_the_table_covers_every_mistake_kind_and_every_task_kind(questions):
    assert len(ROWS) >= 150
    assert {m for _, _, _, m in ROWS if m} == set(MISTAKES) - set(NOT_FROM_ANSWERS)
    assert {questions[q].kind for q, *_ in ROWS} == {"derivative", "derivative_at", "gradient",
                                                     "directional_derivative", "gradient_step", "hessian",
                                                     "newton_step", "matrix_gradient", "matrix"}

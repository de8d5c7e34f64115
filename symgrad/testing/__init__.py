"""For library authors' tests: assertions that hold exact derivatives against finite differences and
torch autograd, and the pytest plugin that checks worksheets (:mod:`.plugin`)."""

from .assertions import (assert_derivative_equal, assert_gradient_matches, check_user_gradient, exact_gradient,
                         finite_difference_gradient, to_float, torch_available, torch_gradient)

__all__ = ["assert_gradient_matches", "assert_derivative_equal", "check_user_gradient", "exact_gradient",
           "finite_difference_gradient", "torch_gradient", "to_float", "torch_available"]

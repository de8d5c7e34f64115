"""The engine, lowest layer: numbers, variables, graphs of named intermediates, the reverse walk,
calculus, exact equality, and the vocabulary of operations. Imports nothing else of symgrad.

Importing it registers the vocabulary (:mod:`.activations`, :mod:`.elementary`, :mod:`.losses`) in
:mod:`.operations`."""

from . import activations, elementary, layers, losses  # noqa: F401  (each registers its operations)

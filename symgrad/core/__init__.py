"""The engine, lowest layer: numbers, variables, graphs of named intermediates, the reverse walk,
calculus, exact equality, and the vocabulary of operations. Imports nothing else of symgrad."""

"""Derivations as data and their printing: steps, the rules that build them, the five kinds of
question (tasks) derived with them, ML notation, layout, LaTeX, and the pictures a course draws.
Built on :mod:`symgrad.core` alone."""

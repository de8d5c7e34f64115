"""Derivations as data and their printing: steps, the rules that build them, ML notation, layout,
LaTeX, and the pictures a course draws. Built on :mod:`symgrad.core` alone."""

"""Worksheets: the worksheet model (data), answer keys, prompts, documents, the PDF build, and the
render and verify pipelines that act on a worksheet."""

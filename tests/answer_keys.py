"""Answer keys for the answer-checking tests: the keys ``symgrad render`` writes (NAME.key.json),
made in memory from the worksheets, with an optional student for a per-student variant."""

from symgrad.worksheets.answer_key import worksheet_key
from symgrad.worksheets.worksheet import load_worksheet

__all__ = ["key_of", "key_of_file"]


def key_of_file(path, student=None):
    return key_of(load_worksheet(path), student)


def key_of(sheet, student=None):
    key = worksheet_key(sheet)
    if student is not None:
        key["student"] = student
    return key

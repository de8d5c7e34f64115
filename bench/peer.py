"""Peer suite: the share of Math-Verify's real-valued expression pairs on which the answer checker agrees
with Math-Verify's expected verdict, overall and by category, and the share it could read.

The pairs are tests/data/math_verify_pairs.json (from huggingface/Math-Verify's tests, Apache-2.0); each
is read and compared by the checker's own parser and equivalence test (tests/peers.py). A pair the
checker cannot read counts as not agreeing.
"""

import sys
from pathlib import Path

import common  # noqa: F401  (pins threads before NumPy loads)

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from peers import load_pairs, summary  # noqa: E402


def _share(count, total):
    return count / total if total else None


def main():
    args = common.arguments(__doc__.splitlines()[0]).parse_args()
    header, pairs = load_pairs()
    counts, outcomes = summary(pairs)
    total = counts["all"]
    result = {"agreement": _share(total["agree"], len(pairs)), "pairs": len(pairs),
              "readable": _share(total["agree"] + total["disagree"], len(pairs))}
    if args.json:
        common.print_json(result)
        return
    print(f"{header['source']} at {header['commit'][:7]} ({header['licence'].split(' ')[0]}): "
          f"{len(pairs)} pairs kept, {sum(header['dropped'].values())} cases dropped")
    rows = [[name, sum(c.values()), c["agree"], c["disagree"], c["unreadable"],
             f"{_share(c['agree'], sum(c.values())):.3f}"] for name, c in counts.items()]
    common.print_table(["category", "pairs", "agree", "disagree", "unreadable", "agreement"], rows)
    print(f"\nread: {result['readable']:.3f}")
    for pair, outcome in zip(pairs, outcomes):
        if outcome != "agree":
            print(f"{outcome}: {pair['gold']} vs {pair['prediction']}, expected {pair['expected']} ({pair['source']})")


if __name__ == "__main__":
    main()

"""Checks the 'cancellation' differences of differences.csv with exact rational arithmetic.

For every generic data set where metafor's Cochran's Q (or DL tau2) differs from the stable
formula of common.R, recomputes Q = sum (y - mu)^2 / v, mu = sum(y/v) / sum(1/v), and
DL = max(0, (Q - (k - 1)) / (sum w - sum w^2 / sum w)) exactly (Python fractions, from
the doubles in generic.csv) and reports how far metafor and the reference are from it.

Run from the repository root:   python3 tests/differential/exact_check.py
"""

import csv
from collections import defaultdict
from fractions import Fraction

DIR = "tests/differential"
data = defaultdict(list)
for r in csv.DictReader(open(f"{DIR}/generic.csv")):
    data[r["id"]].append((Fraction(float(r["yi"])), Fraction(float(r["vi"]))))


def exact(key, rows):
    k = len(rows)
    sw = sum(1 / v for _, v in rows)
    mu = sum(y / v for y, v in rows) / sw
    q = sum((y - mu) ** 2 / v for y, v in rows)
    if key == "QE":
        return q
    trace = sw - sum(1 / v**2 for _, v in rows) / sw
    return max(Fraction(0), (q - (k - 1)) / trace)


worst = {"metafor": 0.0, "reference": 0.0}
n = 0
for r in csv.DictReader(open(f"{DIR}/differences.csv")):
    if r["class"] != "cancellation" or not r["id"].startswith("g"):
        continue
    if not (r["key"] == "QE" or (r["key"] == "tau2" and r["method"] == "DL")):
        continue
    e = exact(r["key"], data[r["id"]])
    if e == 0:
        continue
    n += 1
    for who in worst:
        err = abs(Fraction(float(r[who])) - e) / e
        worst[who] = max(worst[who], float(err))
print(f"{n} values checked; largest relative error: metafor {worst['metafor']:.2e}, "
      f"reference {worst['reference']:.2e}")
assert worst["reference"] < 1e-12, "the reference is not exact"

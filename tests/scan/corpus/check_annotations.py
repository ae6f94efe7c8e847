#!/usr/bin/env python3
"""Re-runs the arithmetic behind the verdicts of expected.csv, and checks that every
expected text and look-alike occurs exactly once in its document's decoded text.

Run from anywhere: python3 tests/scan/corpus/check_annotations.py
Exit status 0 when every annotation agrees with the arithmetic, 1 otherwise.

Decoding is emulated here as tests/scan/README.md describes it (plain text and Markdown
as they are; HTML with tags removed, entities decoded, table cells separated by a TAB,
each table row, paragraph, heading and list item on its own line, script and style
dropped, I<sup>2</sup> as I²). The Rust harness uses metapool's own decoder.

Machine-readable tags in the note column (the rest of the note is for people):
  estimate_ci   the note starts with the measure and a colon: "RR: ...", "MD: ...";
                ratio measures (RR OR HR IRR, "ratio") are checked on the log scale,
                differences on the natural scale, "bare:" on either; [est X] gives
                the estimate of an interval printed apart from it (a prediction
                interval after the confidence interval of the same estimate).
  p_value       [ci ratio|diff EST LO HI] (level 95 unless [ci ... LEVEL] is given),
                [z Z], or [chi2 Q DF]; without a tag the p-value is not checkable.
  i2            [q Q DF]; without it I² alone is not checkable.
  percent       n/N or "n of N" inside the text is checked; otherwise not checkable.
  count         [sum A B ... = TOTAL]; otherwise not checkable.
Every printed number stands for the interval of values that round to it.
"""
import csv
import math
import os
import re
import sys
from html.parser import HTMLParser

HERE = os.path.dirname(os.path.abspath(__file__))

RATIO = {"RR", "OR", "HR", "IRR", "RATIO", "RISK RATIO", "ODDS RATIO", "HAZARD RATIO",
         "RATE RATIO", "INCIDENCE RATE RATIO"}


# ---------------------------------------------------------------- decoding
class Html(HTMLParser):
    BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "br",
             "table", "thead", "tbody", "tfoot", "caption", "section", "article",
             "header", "footer", "nav", "main", "blockquote", "pre", "figure",
             "figcaption", "title", "body", "html", "head", "dl", "dt", "dd", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out = []
        self.skip = 0
        self.cell = 0
        self.sup = False

    def newline(self):
        if self.out and not self.out[-1].endswith("\n"):
            self.out.append("\n")

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "tr":
            self.newline()
            self.cell = 0
        elif tag in ("td", "th"):
            if self.cell:
                self.out.append("\t")
            self.cell += 1
        elif tag == "sup":
            self.sup = True
        elif tag in self.BLOCK:
            self.newline()

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1
        elif tag == "sup":
            self.sup = False
        elif tag == "tr" or tag in self.BLOCK:
            self.newline()

    def handle_data(self, data):
        if self.skip:
            return
        if self.sup and data == "2" and self.out and self.out[-1].endswith("I"):
            data = "²"
        if not data.strip():
            # whitespace between tags: at most one space, none at a line start
            if self.out and not self.out[-1].endswith(("\n", "\t", " ")) and "\n" not in data:
                self.out.append(" ")
            return
        data = re.sub(r"[ \n\r\t]+", " ", data)
        if self.out and self.out[-1].endswith(("\n", "\t")):
            data = data.lstrip(" ")
        self.out.append(data)


def decode(name, raw):
    text = raw.decode("utf-8")
    if name.endswith((".html", ".htm")):
        p = Html()
        p.feed(text)
        p.close()
        return "".join(p.out)
    return text


def occurrences(hay, needle):
    n, i = 0, hay.find(needle)
    while i >= 0:
        n += 1
        i = hay.find(needle, i + 1)
    return n


# ---------------------------------------------------------------- numbers
def normalise(s):
    s = s.replace("\u00b7", ".").replace("\u2219", ".")
    for sp in ("\u2009", "\u202f", "\u00a0"):
        s = s.replace(sp, " ")
    return s


NUM = re.compile(r"(?P<sign>[\u2212]|(?<![\d.])-)?(?P<num>\d+(?:\.\d+)?|\.\d+)")


def numbers(s):
    """Printed numbers of s as (value, half-unit of the last digit)."""
    s = normalise(s)
    out = []
    for m in NUM.finditer(s):
        num = m.group("num")
        v = float(num)
        dec = len(num.split(".")[1]) if "." in num else 0
        if m.group("sign"):
            v = -v
        out.append((v, 0.5 * 10 ** -dec))
    return out


def strip_level(s):
    s = normalise(s)
    s = re.sub(r"\b(9\d|8\d)\s?%\s?(CI|PI|Cr?I|confidence|prediction|credible|uncertainty)", r"\2", s)
    s = re.sub(r"\b(CI|PI)\s?(9\d|8\d)\s?%", r"\1", s)
    return s


def estimate_ci(text, note):
    measure = note.split(":")[0].strip().upper()
    s = re.sub(r"\bper (100|1000|10 ?000|100 ?000)\b", "", strip_level(text))
    # Cochrane's words: "1.4 points lower (2.3 lower to 0.5 lower)" is -1.4 (-2.3 to -0.5)
    s = re.sub(r"(\d[\d.]*)\s+((?:[a-z]+\s+)?)lower\b", "\u2212\\1 \\2", s)
    nums = numbers(s)
    est = re.search(r"\[est ([^\]]+)\]", note)
    if est and len(nums) == 2:
        nums = numbers(est.group(1)) + nums
    if len(nums) < 3:
        return None, f"fewer than three numbers in {text!r}"
    (e, he), (lo, hl), (hi, hh) = nums[:3]
    if lo > hi:
        return "inconsistent", "limits in the wrong order"
    if not (lo - hl <= e + he and e - he <= hi + hh):
        return "inconsistent", f"estimate {e} outside [{lo}, {hi}]"
    scales = []
    if measure in RATIO or measure.endswith("RATIO"):
        scales = ["log"]
    elif measure == "BARE":
        scales = ["log", "natural"]
    else:
        scales = ["natural"]
    why = []
    for sc in scales:
        if sc == "log":
            if lo - hl <= 0:
                why.append("log: lower limit not positive")
                continue
            mid_lo = (math.log(lo - hl) + math.log(hi - hh)) / 2
            mid_hi = (math.log(lo + hl) + math.log(hi + hh)) / 2
            e_lo, e_hi = math.log(max(e - he, 1e-300)), math.log(e + he)
            mid = math.exp((math.log(lo) + math.log(hi)) / 2)
        else:
            mid_lo = (lo - hl + hi - hh) / 2
            mid_hi = (lo + hl + hi + hh) / 2
            e_lo, e_hi = e - he, e + he
            mid = (lo + hi) / 2
        if e_lo <= mid_hi and mid_lo <= e_hi:
            return "consistent", f"{sc} midpoint {mid:.4g}"
        why.append(f"{sc} midpoint {mid:.4g} vs {e}")
    return "inconsistent", "; ".join(why)


def norm_sf(z):
    return 0.5 * math.erfc(z / math.sqrt(2))


def chi2_sf(x, k):
    """Upper tail of chi-square with k degrees of freedom (regularised gamma Q(k/2, x/2))."""
    a, x = k / 2.0, x / 2.0
    if x <= 0:
        return 1.0
    if x < a + 1:
        term = total = 1.0 / a
        n = a
        while abs(term) > 1e-17 * total:
            n += 1
            term *= x / n
            total += term
        return 1.0 - total * math.exp(-x + a * math.log(x) - math.lgamma(a))
    b, c, d = x + 1 - a, 1e300, 1 / (x + 1 - a)
    h = d
    for i in range(1, 10000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = 1e-300 if abs(d) < 1e-300 else d
        c = b + an / c
        c = 1e-300 if abs(c) < 1e-300 else c
        d = 1 / d
        h *= d * c
        if abs(d * c - 1) < 1e-16:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def printed_p(text):
    s = normalise(text)
    m = re.search(r"(<=|≤|<|>=|≥|>|=|of)\s*(\d*\.\d+|\d+)", s)
    if not m:
        return None
    rel, num = m.group(1), m.group(2)
    v = float(num)
    dec = len(num.split(".")[1]) if "." in num else 0
    h = 0.5 * 10 ** -dec
    if rel in ("<", "≤", "<="):
        return (0.0, v)
    if rel in (">", "≥", ">="):
        return (v, 1.0)
    return (max(v - h, 0.0), v + h)


def p_value(text, note):
    pr = printed_p(text)
    if pr is None:
        return None, f"no p-value read in {text!r}"
    m = re.search(r"\[ci (ratio|diff) ([^\]]+)\]", note)
    if m:
        vals = [float(x) for x in m.group(2).split()]
        e, lo, hi = vals[:3]
        level = vals[3] if len(vals) > 3 else 95.0
        zc = -inverse_norm((1 - level / 100) / 2)
        hs = [0.5 * 10 ** -decimals(x) for x in m.group(2).split()[:3]]
        he, hl, hh = hs
        if m.group(1) == "ratio":
            f = math.log
            lo_f, hi_f = f(lo - hl), f(hi + hh)
            lo_c, hi_c = f(lo + hl), f(hi - hh)
            e_range = [f(e - he), f(e + he)]
        else:
            lo_f, hi_f, lo_c, hi_c = lo - hl, hi + hh, lo + hl, hi - hh
            e_range = [e - he, e + he]
        se_max = (hi_f - lo_f) / (2 * zc)
        se_min = max((hi_c - lo_c) / (2 * zc), 1e-12)
        absz = [abs(x) for x in e_range]
        if e_range[0] <= 0 <= e_range[1]:
            zmin = 0.0
        else:
            zmin = min(absz) / se_max
        zmax = max(absz) / se_min
        p_lo, p_hi = 2 * norm_sf(zmax), 2 * norm_sf(zmin)
        src = "interval"
    elif re.search(r"\[z ([^\]]+)\]", note):
        zs = re.search(r"\[z ([^\]]+)\]", note).group(1)
        z, h = abs(float(zs)), 0.5 * 10 ** -decimals(zs)
        p_lo, p_hi = 2 * norm_sf(z + h), 2 * norm_sf(max(z - h, 0))
        src = "z"
    elif re.search(r"\[chi2 ([^\]]+)\]", note):
        q, df = re.search(r"\[chi2 ([^\]]+)\]", note).group(1).split()
        h = 0.5 * 10 ** -decimals(q)
        p_lo, p_hi = chi2_sf(float(q) + h, float(df)), chi2_sf(max(float(q) - h, 0), float(df))
        src = "chi2"
    else:
        return "not_checkable", "no tag"
    ok = pr[0] <= p_hi and p_lo <= pr[1]
    return ("consistent" if ok else "inconsistent"), f"{src}: p in [{p_lo:.3g}, {p_hi:.3g}]"


def decimals(s):
    return len(s.split(".")[1]) if "." in s else 0


def inverse_norm(p):
    lo, hi = -40.0, 40.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if norm_sf(-mid) < p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def i2(text, note):
    m = re.search(r"\[q ([^\]]+)\]", note)
    if not m:
        return "not_checkable", "I² alone"
    qs, dfs = m.group(1).split()
    q, df, h = float(qs), float(dfs), 0.5 * 10 ** -decimals(qs)
    nums = numbers(re.sub(r"I(²|2|\^2)", "I", normalise(text)))
    v, hv = nums[0]
    f = lambda q: max(0.0, (q - df) / q) * 100 if q > 0 else 0.0
    lo, hi = f(max(q - h, 1e-12)), f(q + h)
    ok = v - hv <= hi and lo <= v + hv
    return ("consistent" if ok else "inconsistent"), f"I² from Q in [{lo:.3g}, {hi:.3g}]"


def percent(text, note):
    s = normalise(text).replace(",", "")
    m = re.search(r"(\d+)\s*(?:\(\s*\d+(?:\.\d+)?\s?%\s*\)\s*)?(?:/|of)\s*(\d+)", s)
    pm = re.search(r"(\d+(?:\.\d+)?)\s?%", s)
    if not m or not pm:
        return "not_checkable", "no n/N"
    n, big_n = int(m.group(1)), int(m.group(2))
    v = float(pm.group(1))
    h = 0.5 * 10 ** -decimals(pm.group(1))
    true = 100 * n / big_n
    ok = v - h <= true + 1e-9 and true - 1e-9 <= v + h
    return ("consistent" if ok else "inconsistent"), f"{n}/{big_n} = {true:.4g}%"


def count(text, note):
    m = re.search(r"\[sum ([^\]=]+)=\s*([^\]]+)\]", note)
    if not m:
        return "not_checkable", "no parts"
    parts = [float(x) for x in m.group(1).split()]
    total = float(m.group(2))
    ok = abs(sum(parts) - total) < 1e-9
    return ("consistent" if ok else "inconsistent"), f"parts sum to {sum(parts):g}"


CHECKS = {"estimate_ci": estimate_ci, "p_value": p_value, "i2": i2, "percent": percent,
          "count": count}
KINDS = {"estimate_ci", "estimate", "p_value", "i2", "heterogeneity", "percent", "count"}


def main():
    bad = 0
    texts = {}

    def doc(name):
        if name not in texts:
            with open(os.path.join(HERE, name), "rb") as f:
                texts[name] = decode(name, f.read())
        return texts[name]

    tally = {}
    with open(os.path.join(HERE, "expected.csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        text = r["text"].replace("\\n", "\n")
        where = f'{r["document"]}: {r["kind"]} {text!r}'
        if r["kind"] not in KINDS:
            print(f"BAD KIND {where}")
            bad += 1
            continue
        n = occurrences(doc(r["document"]), text)
        if n != 1:
            print(f"NOT UNIQUE ({n} occurrences) {where}")
            bad += 1
        key = (r["kind"], r["verdict"] or "-")
        tally[key] = tally.get(key, 0) + 1
        check = CHECKS.get(r["kind"])
        if check is None:
            if r["verdict"] not in ("", "not_checkable"):
                print(f"VERDICT {r['verdict']} for a {r['kind']}: {where}")
                bad += 1
            continue
        got, why = check(text, r["note"])
        if got is None:
            print(f"UNREADABLE {where}: {why}")
            bad += 1
        elif r["verdict"] and got != r["verdict"]:
            print(f"MISMATCH {where}: annotated {r['verdict']}, arithmetic says {got} ({why})")
            bad += 1
        elif "-v" in sys.argv:
            print(f"ok {where}: {got} ({why})")
    with open(os.path.join(HERE, "lookalikes.csv"), newline="", encoding="utf-8") as f:
        looks = list(csv.DictReader(f))
    for r in looks:
        text = r["text"].replace("\\n", "\n")
        n = occurrences(doc(r["document"]), text)
        if n != 1:
            print(f"LOOK-ALIKE NOT UNIQUE ({n} occurrences) {r['document']}: {text!r}")
            bad += 1
    files = {f for f in os.listdir(HERE) if not f.endswith((".py", ".csv")) and f != "README.md"}
    for f in sorted(files - {r["document"] for r in rows}):
        print(f"NO ANNOTATIONS {f}")
        bad += 1
    for f in sorted({r["document"] for r in rows} - files):
        print(f"ANNOTATED BUT ABSENT {f}")
        bad += 1
    for k in sorted(tally):
        print(f"{k[0]:14} {k[1]:14} {tally[k]}")
    print(f"{len(rows)} figures, {len(looks)} look-alikes, {len(files)} documents, {bad} problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

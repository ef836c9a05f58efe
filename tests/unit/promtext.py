#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# promtext.py [--openmetrics] [FILE] - a strict checker of exposition text:
# the Prometheus text format 0.0.4 (what node_exporter's textfile
# collector parses) or, with --openmetrics, OpenMetrics 1.0.0. Reads FILE
# or stdin; prints "promtext: line N: what is wrong" for each problem and
# exits 1, or exits 0 silently.
#
# Beyond the grammar (names, labels, escapes, values, UTF-8, newline at
# the end) it checks what makes a scrape or the textfile collector fail:
# metadata once per family and before its samples, a family's samples in
# one block, no series twice, no timestamps (the textfile collector
# refuses them); and what promtool lints: HELP for every family,
# counters named *_total. OpenMetrics: TYPE names the family (a counter's
# samples are FAMILY_total), UNIT is the family name's suffix, no blank
# lines or other comments, counters not negative, "# EOF" last.

import math
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
VALUE = r'"(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(
    rf"^({NAME})(?:\{{((?:{LABEL}={VALUE}(?:,{LABEL}={VALUE})*,?)?)\}})?"
    r" (\S+)(?: (\S+))?$"
)
PAIR = re.compile(rf"({LABEL})=({VALUE})")
FLOAT = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
TYPES_PROM = {"counter", "gauge", "histogram", "summary", "untyped"}
TYPES_OM = {"counter", "gauge", "histogram", "gaugehistogram", "stateset",
            "info", "summary", "unknown"}
SUFFIXES = ("_total", "_created", "_count", "_sum", "_bucket", "_gcount",
            "_gsum", "_info")


def number(text, om):
    if text in ("NaN", "+Inf", "-Inf") or (not om and text == "Inf"):
        return float(text.replace("Inf", "inf"))
    if not FLOAT.match(text):
        return None
    return float(text)


class Checker:
    def __init__(self, om):
        self.om = om
        self.problems = []
        self.meta = {}        # family -> {"HELP": .., "TYPE": .., "UNIT": ..}
        self.closed = set()   # families whose block of samples ended
        self.current = None   # family of the last sample
        self.series = set()

    def bad(self, lineno, what):
        self.problems.append(f"line {lineno}: {what}")

    def family_of(self, name):
        """The family a sample belongs to, as declared by TYPE."""
        if name in self.meta:
            return name
        for suffix in SUFFIXES:
            base = name[: -len(suffix)]
            if name.endswith(suffix) and base in self.meta:
                return base
        return name

    def metadata(self, n, line):
        parts = line.split(" ", 3)
        if len(parts) < 3 or parts[1] not in ("HELP", "TYPE", "UNIT"):
            if self.om:
                self.bad(n, "OpenMetrics allows only # HELP, # TYPE, # UNIT, # EOF")
            return
        kind, name = parts[1], parts[2]
        text = parts[3] if len(parts) > 3 else ""
        if kind == "UNIT" and not self.om:
            return  # a plain comment in 0.0.4
        if not re.fullmatch(NAME, name):
            self.bad(n, f"bad metric name {name!r}")
            return
        meta = self.meta.setdefault(name, {})
        if kind in meta:
            self.bad(n, f"second {kind} for {name}")
        if name in self.closed or self.current == name:
            self.bad(n, f"{kind} for {name} after its samples")
        meta[kind] = text
        if kind == "HELP":
            escapes = r'\\[\\n"]' if self.om else r"\\[\\n]"
            if re.search(r"\\", re.sub(escapes, "", text)):
                self.bad(n, f"bad escape in HELP of {name}")
        elif kind == "TYPE":
            if text not in (TYPES_OM if self.om else TYPES_PROM):
                self.bad(n, f"unknown type {text!r} for {name}")
            if self.om and text == "counter" and name.endswith("_total"):
                self.bad(n, f"OpenMetrics counter family {name} must not end in _total")
        elif kind == "UNIT" and text and not name.endswith("_" + text):
            self.bad(n, f"{name} does not end with its unit _{text}")

    def sample(self, n, line):
        m = SAMPLE.match(line)
        if not m:
            self.bad(n, f"not a sample: {line!r}")
            return
        name, labels, value, stamp = m.groups()
        family = self.family_of(name)
        mtype = self.meta.get(family, {}).get("TYPE")
        if stamp is not None:
            self.bad(n, "timestamp (node_exporter's textfile collector refuses them)")
        v = number(value, self.om)
        if v is None:
            self.bad(n, f"bad value {value!r}")
        pairs = PAIR.findall(labels or "")
        if self.om and labels and labels.endswith(","):
            self.bad(n, "OpenMetrics allows no comma after the last label")
        names = [p[0] for p in pairs]
        if len(set(names)) != len(names):
            self.bad(n, f"a label twice in {line!r}")
        if any(x.startswith("__") for x in names):
            self.bad(n, "label names starting with __ are reserved")
        key = (name, tuple(sorted(pairs)))
        if key in self.series:
            self.bad(n, f"series {name}{{{labels or ''}}} twice")
        self.series.add(key)
        if family != self.current:
            if family in self.closed:
                self.bad(n, f"samples of {family} are not in one block")
            if self.current is not None:
                self.closed.add(self.current)
            self.current = family
        if mtype == "counter":
            if self.om and name != family + "_total" and name != family + "_created":
                self.bad(n, f"counter {family}: sample {name} is not {family}_total")
            if not self.om and name != family:
                self.bad(n, f"0.0.4 counter: TYPE must name the sample {name}")
            if not name.endswith("_total"):
                self.bad(n, f"counter {name} does not end in _total")
            if v is not None and (v < 0 or math.isnan(v)) and self.om:
                self.bad(n, f"counter {name} is {value}")
        elif mtype in ("gauge", "untyped", "unknown") and name != family:
            self.bad(n, f"{mtype} sample {name} is not named {family}")
        if "HELP" not in self.meta.get(family, {}):
            self.bad(n, f"no HELP for {family}")

    def check(self, data):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            self.bad(data[: e.start].count(b"\n") + 1, "not UTF-8")
            return
        if text and not text.endswith("\n"):
            self.bad(text.count("\n") + 1, "no newline at the end")
        lines = text.split("\n")
        if lines[-1] == "":
            lines.pop()  # what follows the last newline, or the empty text
        eof = None
        for n, line in enumerate(lines, 1):
            if eof is not None:
                self.bad(n, "text after # EOF")
                break
            if "\r" in line:
                self.bad(n, "carriage return")
            if line == "":
                if self.om:
                    self.bad(n, "blank line")
            elif self.om and line == "# EOF":
                eof = n
            elif line.startswith("#"):
                self.metadata(n, line)
            else:
                self.sample(n, line)
        if self.om and eof is None:
            self.bad(len(lines), "no # EOF at the end")


def main(argv):
    om = "--openmetrics" in argv
    args = [a for a in argv if a != "--openmetrics"]
    if len(args) > 1 or any(a.startswith("-") and a != "-" for a in args):
        print("usage: promtext.py [--openmetrics] [FILE]", file=sys.stderr)
        return 2
    if args and args[0] != "-":
        with open(args[0], "rb") as f:
            data = f.read()
    else:
        data = sys.stdin.buffer.read()
    c = Checker(om)
    c.check(data)
    for p in c.problems:
        print("promtext: " + p)
    return 1 if c.problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

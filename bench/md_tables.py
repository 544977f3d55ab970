#!/usr/bin/env python3
"""Print shmchan-bench CSV results as the Markdown tables of docs/benchmarks.md.
A cell whose spread over the rounds exceeds 20% (the CSV's spread_pct, of
the row's p50 for latency, of its messages/s for throughput) is marked "!".
usage: md_tables.py RESULTS.csv"""
import csv
import sys

rows = list(csv.DictReader(open(sys.argv[1])))
sizes = sorted({int(r["size"]) for r in rows})
mechs = []
for r in rows:
    if r["mechanism"] not in mechs:
        mechs.append(r["mechanism"])


def cell(test, mech, size, field, fmt):
    for r in rows:
        if r["test"] == test and r["mechanism"] == mech and int(r["size"]) == size:
            if r["status"] != "ok":
                return "(limit)" if "Invalid" in r["status"] else "(" + r["status"] + ")"
            mark = "!" if float(r.get("spread_pct") or 0) > 20 else ""
            return fmt(float(r[field])) + mark
    return None


def table(test, field, fmt, title):
    head = "| " + title + " | " + " | ".join(f"{s:,} B" for s in sizes) + " |"
    print(head)
    print("|---" * (len(sizes) + 1) + "|")
    for m in mechs:
        cells = [cell(test, m, s, field, fmt) for s in sizes]
        if all(c is None for c in cells):
            continue
        print("| " + m + " | " + " | ".join(c or "" for c in cells) + " |")
    print()


table("latency", "p50_ns", lambda v: f"{v:,.0f}", "round trip p50 (ns)")
table("latency", "p99_ns", lambda v: f"{v:,.0f}", "round trip p99 (ns)")
table("throughput", "mb_per_s", lambda v: f"{v:,.1f}" if v < 100 else f"{v:,.0f}", "MB/s")
table("throughput", "msgs_per_s", lambda v: f"{v / 1e6:,.2f} M" if v >= 1e6 else f"{v / 1e3:,.1f} k",
      "messages/s")

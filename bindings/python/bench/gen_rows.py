#!/usr/bin/env python3
"""Usage: gen_rows.py units.csv N OUT.csv — N rows for the Python benchmark: the 7 rows of examples/yueyang-2021/units.csv repeated,
each copy with its own name and 实有人数 moved by up to ±6 (so the scores vary)."""
import csv, sys
src, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(src, encoding="utf-8-sig", newline="") as f:
    rows = list(csv.reader(f))
header, body = rows[0], rows[1:]
staff = header.index("实有人数")
with open(out, "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f)
    w.writerow(header)
    for i in range(n):
        row = list(body[i % len(body)])
        row[0] = f"{row[0]}#{i}"
        row[staff] = str(int(row[staff]) + (i // len(body)) % 13 - 6)
        w.writerow(row)

"""Times rules.evaluate_many from Python (see docs/performance.md, "Python").

Usage: python bench.py N MODE CSV      MODE: list | frame | frame-lite
  list        a list of N dicts (df.to_dict("records")) → list of results with full evaluations
  frame       the DataFrame → DataFrame with the `evaluation` column
  frame-lite  the DataFrame → DataFrame, evaluation=False (scores, total, grade, errors)
Only the evaluate_many call is timed; reading the CSV is reported apart."""
import resource
import sys
import time
from pathlib import Path

import pandas as pd

import jixiao

n, mode, csv = int(sys.argv[1]), sys.argv[2], sys.argv[3]
root = Path(__file__).resolve().parents[3]
rules = jixiao.Rules.load(str(root / "rules" / "yueyang-2021.jx"))
t = time.perf_counter()
df = pd.read_csv(csv, dtype=str, keep_default_na=False, nrows=n)
t_read = time.perf_counter() - t
if mode == "list":
    rows = df.to_dict("records")
    t = time.perf_counter()
    out = rules.evaluate_many(rows)
elif mode == "frame":
    t = time.perf_counter()
    out = rules.evaluate_many(df)
else:
    t = time.perf_counter()
    out = rules.evaluate_many(df, evaluation=False)
el = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_SELF)
print(f"{mode} n={n} read_csv={t_read:.2f}s evaluate_many={el:.2f}s "
      f"(process user {ru.ru_utime:.2f}s) maxrss={ru.ru_maxrss / 1024:.0f}MB")

#!/usr/bin/env python3
"""Times pandas.read_excel (openpyxl engine) on the import benchmark's workbooks, for the
comparison in docs/benchmarks.md. It only reads (no validation), which is what a Python user
would start from. Usage: scripts/bench-pandas.py target/bench-data/big-1000x100.xlsx ..."""
import resource
import sys
import time

import pandas as pd

for path in sys.argv[1:]:
    started = time.perf_counter()
    sheets = pd.read_excel(path, sheet_name=None, engine="openpyxl")
    elapsed = time.perf_counter() - started
    rows = sum(len(frame) for frame in sheets.values())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{path}: {rows} rows in {elapsed:.1f} s, peak {peak_mb:.0f} MB (pandas {pd.__version__})")

#!/usr/bin/env python3
"""Reads every sheet of a workbook with fastexcel (calamine + Arrow), as fast as a Python user
can read an Excel file today: the reference `scripts/bench-import` compares the import with.
It parses every cell into Arrow tables; nothing is checked or stored.
Usage: scripts/bench-fastexcel.py WORKBOOK.xlsx"""
import sys

import fastexcel

reader = fastexcel.read_excel(sys.argv[1])
rows = 0
for name in reader.sheet_names:
    rows += reader.load_sheet_by_name(name).to_arrow().num_rows
print(rows)

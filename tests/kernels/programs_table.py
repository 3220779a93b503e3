#!/usr/bin/env python3
"""programs_table.py: compat.sh's "# program KERNEL OBJECT PROGRAM WALK INSNS MS SECONDS"
lines (standard input), one kernel's after another's, as the Markdown table
docs/kernels.md keeps: a row per program in each walk, a column per kernel,
each cell its verified instructions and the verifier's time.

  programs_table.py < lines                 the table
  programs_table.py --missing DOC < lines   the rows DOC's table lacks, one a line
"""
import re
import sys

kernels, cells, rows = [], {}, []
for line in sys.stdin:
    fields = line.split()
    if len(fields) != 9 or fields[:2] != ["#", "program"]:
        continue
    kernel, obj, prog, walk, insns, ms, _seconds = fields[2:]
    if kernel not in kernels:
        kernels.append(kernel)
    row = (obj, prog, walk)
    if row not in rows:
        rows.append(row)
    cells[(row, kernel)] = f"{int(insns):,} / {float(ms):.0f} ms"

if len(sys.argv) == 3 and sys.argv[1] == "--missing":
    doc = open(sys.argv[2]).read()
    table = doc.split("<!-- programs:begin -->", 1)[-1].split("<!-- programs:end -->", 1)[0]
    present = {tuple(c.strip() for c in l.strip("|\n").split("|")[:3]) for l in table.splitlines() if l.startswith("|")}
    for row in rows:
        if row not in present:
            print(" | ".join(row))
    sys.exit(0)

print("| object | program | walk | " + " | ".join(kernels) + " |")
print("|---|---|---|" + "---:|" * len(kernels))
for row in rows:
    print("| " + " | ".join(row) + " | " + " | ".join(cells.get((row, k), "-") for k in kernels) + " |")

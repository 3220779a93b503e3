#!/usr/bin/env python3
"""source_rules.py ROOT: checks rules on the tree's source files that no
compiler checks. Prints one line per finding and exits 1 when there is any.

- No issue number in code, comments, test names, build files or scripts:
  a comment says why the code is as it is, which an issue's number does
  not, and the tracker's numbers mean nothing to a reader of the tree.
  Prose (docs/ and *.md files) may cite issues.
- No file over its folder's size limit (LIMITS): past it a file holds more
  than one concern. A row whose `enforced` is False is reported with
  --report but fails nothing yet; --enforce-all treats every row as
  enforced (the suite uses it on trees it makes, so each rule is seen to
  fail).
"""
import fnmatch
import os
import re
import sys

# (pattern relative to ROOT, most lines allowed, enforced)
LIMITS = [
    ("userspace/*.c", 700, False),  # the agent's modules
    ("userspace/ui/*.js", 500, True),  # the UI's scripts
    ("userspace/*.js", 500, False),  # scripts embedded elsewhere (the SVG's)
]

ISSUE_NUMBER = re.compile(r"\bissues?[ -]?#?[0-9]+", re.I)
SKIPPED_DIRS = {".git", "build", "node_modules", "docs", "corpus"}


def source_files(root):
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".md"):
                continue
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                data = f.read()
            if b"\0" in data:
                continue  # binary: fuzz seeds, images
            yield os.path.relpath(path, root), data.decode("utf-8", "replace")


def limit_of(relpath):
    """The first LIMITS row whose pattern matches, or None. fnmatch's * also
    crosses '/', so a row covers its folder's subfolders too."""
    for pattern, most, enforced in LIMITS:
        if fnmatch.fnmatch(relpath, pattern):
            return most, enforced
    return None


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    root = args[0] if args else "."
    enforce_all = "--enforce-all" in sys.argv
    report = "--report" in sys.argv
    findings = []
    for relpath, text in source_files(root):
        for number, line in enumerate(text.splitlines(), 1):
            match = ISSUE_NUMBER.search(line)
            if match:
                findings.append(f"{relpath}:{number}: names an issue ({match.group(0)})")
        limit = limit_of(relpath)
        if limit is None:
            continue
        most, enforced = limit
        lines = text.count("\n")
        if lines > most:
            if enforced or enforce_all:
                findings.append(f"{relpath}: {lines} lines, over its limit of {most}")
            elif report:
                print(f"{relpath}: {lines} lines, over its limit of {most} (not enforced yet)")
    for finding in findings:
        print(finding)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())

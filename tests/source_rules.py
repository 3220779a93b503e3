#!/usr/bin/env python3
"""source_rules.py ROOT: checks rules on the tree's source files that no
compiler checks. Prints one line per finding and exits 1 when there is any.

- No issue number in code, comments, test names, build files or scripts:
  a comment says why the code is as it is, which an issue's number does
  not, and the tracker's numbers mean nothing to a reader of the tree.
  Prose (docs/ and *.md files) may cite issues.
- No file over its folder's size limit (LIMITS): past it a file holds more
  than one concern.
"""
import fnmatch
import os
import re
import sys

# (pattern relative to ROOT, most lines allowed)
LIMITS = [
    ("userspace/*.c", 700),  # the agent's modules
    ("userspace/*.js", 500),  # the UI's scripts and the SVG's
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
    for pattern, most in LIMITS:
        if fnmatch.fnmatch(relpath, pattern):
            return most
    return None


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    root = args[0] if args else "."
    findings = []
    for relpath, text in source_files(root):
        for number, line in enumerate(text.splitlines(), 1):
            match = ISSUE_NUMBER.search(line)
            if match:
                findings.append(f"{relpath}:{number}: names an issue ({match.group(0)})")
        most = limit_of(relpath)
        if most is not None and text.count("\n") > most:
            findings.append(f"{relpath}: {text.count(chr(10))} lines, over its limit of {most}")
    for finding in findings:
        print(finding)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())

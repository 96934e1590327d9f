#!/usr/bin/python3
"""Checks that every citation of the project's docs lands somewhere, and that none leaves the repository.

    /usr/bin/python3 tests/arch/check_doc_refs.py [-v]

A citation is `docs/NAME.md` followed by what it points at, the way the code writes them:

    docs/FORMATS.md 4.2          docs/FORMATS.md section 4       docs/FORMATS.md 5.4-5.7
    docs/FORMATS.md 8 and 15     docs/FORMATS.md 8.2/13.1        docs/FORMATS.md Appendix A
    docs/DESIGN.md step 4        docs/STYLE.md habit 8           docs/DESIGN.md "Names and interfaces"

(comment leaders of wrapped lines are skipped, so "docs/FORMATS.md 8.2,\\n// 13.1" is two references).
Each cited file must exist, and each reference must be one of its anchors: a heading that starts with
that number ("## 4. Snapshot file", "### 4.2 Layout"), with "Step N", "Habit N" or "Appendix X", a
list item that starts with a bold number ("* **14.2** ..."), or, for a quoted reference, a heading
with that text. Also fails on any pointer to the research notes outside the repository (a `../shared`
path or their file names). Every text file of the checkout is read, except build trees and work dirs.
Ends with "N passed, M failed" like the other test scripts.
"""
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SKIP_DIRS = {".git", ".cache", "collections", "demo-work", "__pycache__", "node_modules"}
SKIP_PREFIXES = ("build", "zkmt-")
SKIP_PATHS = {os.path.join("tests", "bench", "work"), os.path.join("tests", "output")}
TEXT_EXT = (".cc", ".h", ".py", ".yml", ".yaml", ".md", ".sh", ".txt", ".cfg", ".j2", ".json", ".rst", ".cmake")
TEXT_NAMES = {"CMakeLists.txt", "README", "LICENSE"}
MAX_BYTES = 2 * 1024 * 1024

CITE = re.compile(r"(?<![\w./-])docs/([A-Za-z0-9_-]+\.md)")
# A wrapped line's break and its comment leader ("//", "#", "*", ";"), read as one space.
WRAP = re.compile(r"\s*\n\s*(?://+|#+|\*+|;+)?\s*")
# References follow the file name (or its closing backquote) after a space ("docs/X.md 4.2",
# "`docs/X.md` 4.2"); "docs/X.md", "docs/X.md)" cite only the file.
LEAD = re.compile(r"`?\s+(?:(?:sections?|§)\s*)?", re.I)
REF = re.compile(r'(\d+(?:\.\d+)*)(?:\s*[-\u2013]\s*(\d+(?:\.\d+)*))?|(appendix\s+[a-z])\b|((?:step|habit)\s+\d+)|"([^"\n]+)"',
                 re.I)
SEP = re.compile(r"\s*(?:,|/|\band\b|&)\s*", re.I)
# The research notes the docs were written from live outside the repository; nothing may point there.
OUTSIDE = re.compile(r"\.\./" + "shared|/work/" + "shared|\\b(?:ZK-" + "FORMATS|ANSIBLE-" + "NOTES)\\.md")

HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)
BOLD_ITEM = re.compile(r"^\s*(?:[*+-]\s+)?\*\*(\d+(?:\.\d+)*)(?![\d.]*\d)", re.M)


def norm(s):
    return " ".join(s.lower().replace("`", "").split())


def anchors_of(path):
    """The set of anchors of one doc (see the module docstring)."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    # headings inside fenced code blocks are not headings
    text = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    found = set()
    for h in HEADING.findall(text):
        found.add('"%s"' % norm(h))
        m = re.match(r"(\d+(?:\.\d+)*)\.?(?:\s|$)", h)
        if m:
            found.add(m.group(1))
        m = re.match(r"(appendix\s+[a-z]|step\s+\d+|habit\s+\d+)\b", h, re.I)
        if m:
            found.add(norm(m.group(1)))
    found.update(BOLD_ITEM.findall(text))
    return found


def references(after):
    """The references at the start of `after` (the text right behind "docs/NAME.md")."""
    s = WRAP.sub(" ", after[:400])
    lead = LEAD.match(s)
    if not lead:
        return []
    pos = lead.end()
    refs = []
    while True:
        m = REF.match(s, pos)
        if not m:
            break
        if m.group(1):
            refs.append(m.group(1))
            if m.group(2):
                refs.append(m.group(2))
        elif m.group(3):
            refs.append(norm(m.group(3)))
        elif m.group(4):
            refs.append(norm(m.group(4)))
        else:
            refs.append('"%s"' % norm(m.group(5)))
        pos = m.end()
        sep = SEP.match(s, pos)
        if not sep or sep.end() == pos:
            break
        pos = sep.end()
    return refs


def text_files():
    for dirpath, dirs, names in os.walk(ROOT):
        rel_dir = os.path.relpath(dirpath, ROOT)
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith(SKIP_PREFIXES)
                         and os.path.normpath(os.path.join(rel_dir, d)) not in SKIP_PATHS)
        for n in sorted(names):
            if not (n.endswith(TEXT_EXT) or n in TEXT_NAMES):
                continue
            path = os.path.join(dirpath, n)
            if os.path.islink(path) or os.path.getsize(path) > MAX_BYTES:
                continue
            yield path


def main():
    verbose = "-v" in sys.argv[1:]
    me = os.path.abspath(__file__)
    cache = {}
    passed = failed = 0
    for path in text_files():
        rel = os.path.relpath(path, ROOT)
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except UnicodeDecodeError:
            continue
        if path != me:
            for m in OUTSIDE.finditer(text):
                failed += 1
                line = text.count("\n", 0, m.start()) + 1
                print("FAIL %s:%d: points outside the repository (%s); cite docs/ instead" % (rel, line, m.group(0)))
        for m in CITE.finditer(text):
            if path == me:
                continue
            line = text.count("\n", 0, m.start()) + 1
            doc = m.group(1)
            target = os.path.join(ROOT, "docs", doc)
            if not os.path.isfile(target):
                failed += 1
                print("FAIL %s:%d: docs/%s does not exist" % (rel, line, doc))
                continue
            if target not in cache:
                cache[target] = anchors_of(target)
            for ref in references(text[m.end():]):
                if ref in cache[target]:
                    passed += 1
                    if verbose:
                        print("ok   %s:%d: docs/%s %s" % (rel, line, doc, ref))
                else:
                    failed += 1
                    print("FAIL %s:%d: docs/%s has no section %s" % (rel, line, doc, ref))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

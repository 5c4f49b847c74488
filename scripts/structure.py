#!/usr/bin/env python3
"""How easy the code is to find one's way in: files over 600 lines, functions over 120 lines,
and import circles between the files of `src/` (tests aside), as the architecture asks.

  - Lines: every line of the file, tests included; a file of tests (`tests.rs`,
    `*_tests.rs`) is not counted.
  - Functions: from a `fn` line to its closing brace (braces in strings, chars and comments
    are skipped), outside `#[cfg(test)]` modules and test files.
  - Import circles: file A depends on file B when A names a path into B (`use crate::x::y`,
    `crate::x::f()`, `super::z`, ...: the longest prefix of the path that is a file). A circle
    is a strongly connected group of two or more files; each is printed with its members.

Usage: scripts/structure.py [--root src] [--json]      (exit 1 when any limit is passed)
"""
import argparse
import json
import os
import re
import sys

FILE_LIMIT = 600
FN_LIMIT = 120


def is_test_file(path):
    name = os.path.basename(path)
    return name == "tests.rs" or name.endswith("_tests.rs") or "/tests/" in path


def strip(text):
    """The text with comments, strings and char literals blanked (same length, same lines)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "r" and re.match(r'r#*"', text[i:i + 10]) and not (i and (text[i - 1].isalnum() or text[i - 1] == "_")):
            hashes = re.match(r'r(#*)"', text[i:]).group(1)
            end = text.find('"' + hashes, i + 2 + len(hashes))
            end = n if end < 0 else end + 1 + len(hashes)
            out.append(re.sub(r"[^\n]", " ", text[i:end]))
            i = end
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(re.sub(r"[^\n]", " ", text[i:j + 1]))
            i = j + 1
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", text[i:i + 4]) or re.match(r"'\\u\{[0-9a-fA-F]+\}'", text[i:i + 12]):
            m = re.match(r"'(\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'", text[i:])
            out.append(" " * len(m.group(0)))
            i += len(m.group(0))
        else:
            out.append(c)
            i += 1
    return "".join(out)


def test_module_ranges(code):
    """Line ranges (0-based, inclusive) of `#[cfg(test)]` items."""
    lines = code.split("\n")
    ranges = []
    for k, line in enumerate(lines):
        if line.strip().startswith("#[cfg(test)]"):
            end = block_end(lines, k + 1)
            if end is not None:
                ranges.append((k, end))
    return ranges


def block_end(lines, start):
    """The line where the first brace block from `start` closes."""
    depth, opened = 0, False
    for k in range(start, len(lines)):
        for ch in lines[k]:
            if ch == "{":
                depth, opened = depth + 1, True
            elif ch == "}":
                depth -= 1
                if opened and depth == 0:
                    return k
        if not opened and lines[k].rstrip().endswith(";"):
            return k
    return None


FN = re.compile(r"^\s*(pub(\([^)]*\))?\s+)?(const\s+|async\s+|unsafe\s+|extern\s+\"C\"\s+)*fn\s+(\w+)")


def long_functions(path, code):
    lines = code.split("\n")
    tests = test_module_ranges(code)
    found = []
    for k, line in enumerate(lines):
        m = FN.match(line)
        if not m or any(a <= k <= b for a, b in tests):
            continue
        end = block_end(lines, k)
        if end is None:
            continue
        length = end - k + 1
        if length > FN_LIMIT:
            found.append((path, m.group(4), k + 1, length))
    return found


def module_of(root, path):
    rel = os.path.relpath(path, root)[:-3].split(os.sep)
    if rel[-1] in ("mod", "lib", "main"):
        rel = rel[:-1]
    return rel


def file_of(root, parts):
    """The file of the longest prefix of module path `parts` that is one."""
    for k in range(len(parts), -1, -1):
        base = os.path.join(root, *parts[:k])
        for candidate in ([base + ".rs", os.path.join(base, "mod.rs")] if k else [os.path.join(root, "lib.rs")]):
            if os.path.isfile(candidate):
                return candidate
    return None


PATH = re.compile(r"\b(crate|super|self)((?:::\w+)+|::\{)")


def dependencies(root, path, code, modules):
    here = module_of(root, path)
    deps = set()
    for m in PATH.finditer(code):
        head, tail = m.group(1), m.group(2)
        parts = [p for p in tail.split("::") if p and p != "{"]
        if head == "crate":
            full = parts
        elif head == "self":
            full = here + parts
        else:
            up = 1
            while parts and parts[0] == "super":
                up, parts = up + 1, parts[1:]
            full = here[:len(here) - up] + parts
        # `use x::{a::B, c}`: every name in the braces.
        rest = code[m.end():m.end() + 400] if tail.endswith("{") else ""
        groups = [full]
        if rest:
            inner = rest.split("}")[0]
            groups = [full + [p for p in g.strip().split("::") if p] for g in inner.split(",") if g.strip()]
        for g in groups:
            target = file_of(root, [p for p in g if p != "self"])
            if target and target != path:
                deps.add(target)
    return deps


def circles(graph):
    """Strongly connected components of two or more files (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src"))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f.endswith(".rs"))
    long_files, long_fns, graph = [], [], {}
    for path in files:
        if is_test_file(os.path.relpath(path, root)):
            continue
        text = open(path, encoding="utf-8").read()
        count = text.count("\n") + (0 if text.endswith("\n") else 1)
        if count > FILE_LIMIT:
            long_files.append((os.path.relpath(path, root), count))
        code = strip(text)
        lines = code.split("\n")
        for a, b in test_module_ranges(code):
            lines[a:b + 1] = [""] * (b + 1 - a)
        code = "\n".join(lines)
        long_fns.extend((os.path.relpath(p, root), n, line, length)
                        for p, n, line, length in long_functions(path, code))
        graph[path] = dependencies(root, path, code, files)
    groups = [[os.path.relpath(p, root) for p in g] for g in circles(graph)]
    if args.json:
        print(json.dumps({"files_over_600": long_files, "functions_over_120": long_fns,
                          "import_circles": groups}, indent=1))
    else:
        for f, n in sorted(long_files, key=lambda x: -x[1]):
            print(f"file {f}: {n} lines")
        for f, name, line, n in sorted(long_fns, key=lambda x: -x[3]):
            print(f"fn {f}:{line} {name}: {n} lines")
        for g in groups:
            print(f"circle ({len(g)} files): {' <-> '.join(g)}")
        print(f"{len(long_files)} files over {FILE_LIMIT} lines, {len(long_fns)} functions over "
              f"{FN_LIMIT} lines, {len(groups)} import circles")
    return 1 if long_files or long_fns or groups else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Lists functions longer than a limit in clang-formatted C++ (default: src/, 120 lines).

A function is a definition that starts at column 0 (namespaces are not indented in this style)
and ends at the next line that starts with "}". Exits 1 when any is over the limit, so that
`make format-check` keeps every function readable on a screen or two.
usage: function_lengths.py [DIR] [LIMIT]
"""
import pathlib
import sys

NOT_FUNCTIONS = ("namespace", "}", "#", "//", "struct", "class", "enum", "template", "using",
                 "static_assert", "extern", "union")


def long_functions(root, limit):
    found = []
    for path in sorted(pathlib.Path(root).rglob("*.[ch]pp")):
        lines = path.read_text(errors="replace").split("\n")
        i = 0
        while i < len(lines):
            line = lines[i]
            starts = line and not line[0].isspace() and not line.startswith(NOT_FUNCTIONS)
            if starts and "(" in line and not line.rstrip().endswith(("}", ";", "};")):
                j = i
                while j < len(lines) and not lines[j].rstrip().endswith(("{", ";")):
                    j += 1
                if j < len(lines) and lines[j].rstrip().endswith("{"):
                    k = j + 1
                    while k < len(lines) and not lines[k].startswith("}"):
                        k += 1
                    if k - i + 1 > limit:
                        found.append((k - i + 1, f"{path}:{i + 1}", line.strip()))
                    i = k
            i += 1
    return sorted(found, reverse=True)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "src"
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 120
    found = long_functions(root, limit)
    for length, where, signature in found:
        print(f"{where}: {length} lines (limit {limit}): {signature}")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Lists the import circles between the modules of a Rust crate's source folder.

`python3 .ci/module-cycles.py SRC_DIR CRATE_PREFIX` reads every `.rs` file under SRC_DIR, maps
it to its module path (`a/b.rs` and `a/b/mod.rs` are `a::b`), and records an edge from a module
to every module its code names through `crate::PREFIX::...`, `super::...` or `self::...` paths
(tests modules and doc comments excluded). Each strongly connected component of more than one
module is a circle; they are printed, and the exit code is 1 when there is one.
"""
import os
import re
import sys

src, prefix = sys.argv[1], sys.argv[2].strip(":")
modules = {}
for root, _, files in os.walk(src):
    for name in files:
        if not name.endswith(".rs"):
            continue
        path = os.path.join(root, name)
        rel = os.path.relpath(path, src)[:-3].split(os.sep)
        if rel[-1] in ("mod", "lib", "main"):
            rel = rel[:-1]
        if rel and rel[-1] == "tests":
            continue
        modules[tuple(rel)] = path

def text_of(path):
    out = []
    for line in open(path, encoding="utf-8"):
        stripped = line.strip()
        if stripped.startswith("//"):
            continue
        if stripped.startswith("#[cfg(test)]"):
            break
        out.append(line)
    return "".join(out)

def resolve(current, parts):
    """The longest known module named by a path starting at `current`."""
    best = None
    for end in range(1, len(parts) + 1):
        candidate = tuple(parts[:end])
        if candidate in modules:
            best = candidate
    return best

PATH = re.compile(r"\b((?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)+)")
GROUP = re.compile(r"\b((?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)*)::\{([^}]*)\}")
edges = {module: set() for module in modules}
base = tuple(p for p in prefix.split("::") if p and p != "crate")
for module, path in modules.items():
    text = text_of(path)
    is_dir = os.path.basename(path) in ("mod.rs", "lib.rs", "main.rs")
    paths = [m.group(1) for m in PATH.finditer(text)]
    for m in GROUP.finditer(text):
        for item in m.group(2).split(","):
            item = item.strip().split(" as ")[0].split("::")[0].strip()
            if item and item != "self":
                paths.append(m.group(1) + "::" + item)
    for found in paths:
        parts = found.split("::")
        head, rest = parts[0], parts[1:]
        if head == "crate":
            if tuple(rest[: len(base)]) != base:
                continue
            target = list(base) + rest[len(base):]
            target = target[len(base):] if base else target
        else:
            here = list(module) if is_dir else list(module[:-1])
            if head == "super":
                while rest and rest[0] == "super":
                    here = here[:-1]
                    rest = rest[1:]
                here = here[:-1] if is_dir else here
            elif head == "self":
                here = list(module)
            target = here + rest
        resolved = resolve(module, target)
        if resolved is not None and resolved != module and resolved != ():
            # A module naming its own descendant or ancestor is structure, not a circle.
            if resolved[: len(module)] == module or module[: len(resolved)] == resolved:
                continue
            edges[module].add(resolved)

index, low, stack, on, comps, counter = {}, {}, [], set(), [], [0]
sys.setrecursionlimit(10000)
def visit(v):
    index[v] = low[v] = counter[0]; counter[0] += 1
    stack.append(v); on.add(v)
    for w in edges[v]:
        if w not in index:
            visit(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            comps.append(comp)
for v in modules:
    if v not in index:
        visit(v)
for comp in comps:
    names = sorted("::".join(m) for m in comp)
    print(f"{src}: import circle of {len(names)} modules: " + ", ".join(names))
    for m in sorted(comp):
        inside = sorted("::".join(t) for t in edges[m] if t in comp)
        print(f"    {'::'.join(m)} -> {', '.join(inside)}")
sys.exit(1 if comps else 0)

#!/usr/bin/env python3
"""Fails when the modules of a Rust crate import each other in a cycle.

Usage: scripts/import_cycles.py DIR [DIR ...]
       scripts/import_cycles.py --self-test

DIR holds a crate root (lib.rs and/or main.rs) or a module root (mod.rs, whose `crate::`
paths are then read as if it were the crate root). The module tree is
found the way rustc finds it: from the root, through `mod name;` declarations (honouring
`#[path = "..."]`) and inline `mod name { ... }` blocks.

A module depends on another when it names it through a path that starts with `crate::` or
`super::`, in a `use` declaration (use trees are expanded) or anywhere in the code (comments
and string literals are ignored). A path ends at the deepest module it names:
`crate::domain::Sku` names `domain`, `super::arm::{self, Route}` names `arm`.

Cycles are looked for among siblings: a dependency of `a::b::c` on `a::d::e` is one of `a::b`
on `a::d`, both children of `a`. At every level of the tree the siblings must form a DAG.
A module naming one of its ancestors (`use super::SimError` next to a `mod.rs`) or its
descendants is not a sibling dependency and never makes a cycle.

Exit status: 0 without cycles, 1 with cycles (each printed with the references that make
it), 2 on bad usage.
"""

import os
import re
import sys
import tempfile

ROOT_FILES = ("lib.rs", "main.rs", "mod.rs")
IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
MOD_DECL = re.compile(
    r"((?:#\s*\[[^\]]*\]\s*)*)(?:pub(?:\s*\([^)]*\))?\s+)?(?<!\w)mod\s+(" + IDENT + r")\s*([;{])"
)
PATH_ATTR = re.compile(r'#\s*\[\s*path\s*=\s*"([^"]+)"\s*\]')
INLINE_PATH = re.compile(r"(?<![\w$])((?:crate|super)(?:\s*::\s*" + IDENT + r")+)")
USE_DECL = re.compile(r"(?<![\w$])use\s+([^;]*);")
VISIBILITY_IN = re.compile(r"pub\s*\(\s*in\s+[^)]*\)")


def strip_code(text):
    """The text with comments, string and char literals blanked (newlines kept)."""
    out, i, n = [], 0, len(text)

    def blank(chunk):
        return "".join("\n" if c == "\n" else " " for c in chunk)

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(blank(text[i:j]))
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
            out.append(blank(text[i:j]))
            i = j
        elif re.match(r'b?r(#*)"', text[i:i + 300]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'b?r(#*)"', text[i:])
            end = text.find('"' + m.group(1), i + m.end())
            j = n if end < 0 else end + 1 + len(m.group(1))
            out.append(blank(text[i:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(blank(text[i:j + 1]))
            i = j + 1
        elif c == "'":
            m = re.match(r"'(\\(u\{[0-9a-fA-F]+\}|x[0-9a-fA-F]{2}|.)|[^\\'])'", text[i:], re.S)
            if m:
                out.append(blank(m.group(0)))
                i += m.end()
            else:  # a lifetime or label
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def expand_use_tree(tree):
    """`a::{b, c::{d, self}}` -> [["a", "b"], ["a", "c", "d"], ["a", "c"]]."""
    tree = re.sub(r"\s+as\s+" + IDENT, "", tree)
    tree = re.sub(r"\s+", "", tree)
    brace = tree.find("{")
    if brace < 0:
        return [[s for s in tree.split("::") if s and s != "*"]]
    prefix = [s for s in tree[:brace].split("::") if s]
    inner, depth, parts, start = tree[brace + 1:tree.rfind("}")], 0, [], 0
    for k, ch in enumerate(inner):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(inner[start:k])
            start = k + 1
    parts.append(inner[start:])
    paths = []
    for part in filter(None, parts):
        for sub in expand_use_tree(part):
            paths.append(prefix + [s for s in sub if s != "self"])
    return paths


class Crate:
    """The module tree of one crate root and the references between its modules."""

    def __init__(self, root_file):
        self.modules = {}  # module path (tuple) -> file
        self.references = []  # (from module, path segments, file, line)
        self._load(root_file, (), os.path.basename(root_file) in ROOT_FILES)

    def _load(self, path, module, mod_rs):
        if module in self.modules or not os.path.isfile(path):
            return
        self.modules[module] = path
        with open(path, encoding="utf-8") as f:
            original = f.read()
        code = VISIBILITY_IN.sub(lambda m: " " * len(m.group(0)), strip_code(original))
        here = os.path.dirname(path)
        child_dir = here if mod_rs else os.path.join(here, os.path.splitext(os.path.basename(path))[0])
        inline = []  # (start offset, end offset, module path) of inline `mod x { ... }`
        for m in MOD_DECL.finditer(code):
            name, kind = m.group(2), m.group(3)
            if kind == "{":
                end = matching_brace(code, m.end() - 1)
                inline.append((m.end(), end, name))
                continue
            given = PATH_ATTR.search(original[m.start(1):m.end(1)])
            if given:
                child, child_mod_rs = os.path.join(here, given.group(1)), True
            else:
                child = os.path.join(child_dir, name + ".rs")
                child_mod_rs = False
                if not os.path.isfile(child):
                    child, child_mod_rs = os.path.join(child_dir, name, "mod.rs"), True
            self._load(child, module + (name,), child_mod_rs)

        def scope(offset):
            """The module a position of the file belongs to (inline modules nest)."""
            depth = [name for (start, end, name) in inline if start <= offset < end]
            return module + tuple(depth)

        for m in USE_DECL.finditer(code):
            for segments in expand_use_tree(m.group(1)):
                self.references.append((scope(m.start()), segments, path, line_of(code, m.start())))
        for m in INLINE_PATH.finditer(code):
            segments = [s for s in re.split(r"\s*::\s*", m.group(1))]
            self.references.append((scope(m.start()), segments, path, line_of(code, m.start())))

    def resolve(self, module, segments):
        """The deepest module a path names, or None (an external crate, a bare name)."""
        if not segments or segments[0] not in ("crate", "super", "self"):
            return None
        current = list(module)
        rest = list(segments)
        if rest[0] == "crate":
            current, rest = [], rest[1:]
        while rest and rest[0] in ("super", "self"):
            if rest.pop(0) == "super":
                if not current:
                    return None
                current.pop()
        while rest and tuple(current + [rest[0]]) in self.modules:
            current.append(rest.pop(0))
        return tuple(current)

    def sibling_edges(self):
        """(parent, from child, to child) -> [where] for every dependency between siblings."""
        edges = {}
        for module, segments, path, line in self.references:
            target = self.resolve(module, segments)
            if target is None:
                continue
            common = 0
            while common < min(len(module), len(target)) and module[common] == target[common]:
                common += 1
            if common in (len(module), len(target)):
                continue  # the same module, an ancestor or a descendant
            key = (module[:common], module[common], target[common])
            where = f"{path}:{line}: {'::'.join(segments)}"
            if where not in edges.setdefault(key, []):
                edges[key].append(where)
        return edges


def matching_brace(code, open_at):
    depth = 0
    for k in range(open_at, len(code)):
        if code[k] == "{":
            depth += 1
        elif code[k] == "}":
            depth -= 1
            if depth == 0:
                return k
    return len(code)


def line_of(code, offset):
    return code.count("\n", 0, offset) + 1


def cycles(edges):
    """Strongly connected components with more than one module, per parent (Tarjan)."""
    graphs = {}
    for parent, a, b in edges:
        graphs.setdefault(parent, {}).setdefault(a, set()).add(b)
    found = []
    for parent, graph in sorted(graphs.items()):
        index, low, stack, on_stack, counter = {}, {}, [], set(), [0]

        def visit(v):
            index[v] = low[v] = counter[0]
            counter[0] += 1
            stack.append(v)
            on_stack.add(v)
            for w in sorted(graph.get(v, ())):
                if w not in index:
                    visit(w)
                    low[v] = min(low[v], low[w])
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
            if low[v] == index[v]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == v:
                        break
                if len(component) > 1:
                    found.append((parent, sorted(component)))

        for v in sorted(graph):
            if v not in index:
                visit(v)
    return found


def check(directory, out=sys.stdout):
    """Prints the cycles of the crates under `directory`; returns how many there are."""
    roots = [os.path.join(directory, f) for f in ROOT_FILES if os.path.isfile(os.path.join(directory, f))]
    if not roots:
        print(f"{directory}: no lib.rs, main.rs or mod.rs", file=out)
        return -1
    if any(r.endswith("lib.rs") or r.endswith("main.rs") for r in roots):
        roots = [r for r in roots if not r.endswith("mod.rs")]
    total = 0
    for root in roots:
        crate = Crate(root)
        edges = crate.sibling_edges()
        for parent, component in cycles(edges):
            total += 1
            scope = "::".join(("crate",) + parent)
            print(f"import cycle in {scope}: {' <-> '.join(component)}", file=out)
            for a in component:
                for b in component:
                    for where in edges.get((parent, a, b), [])[:3]:
                        print(f"    {a} -> {b}  {where}", file=out)
        print(f"{root}: {len(crate.modules)} modules", file=out)
    return total


def self_test():
    cases = {
        "sibling cycle": ({"lib.rs": "mod a;\nmod b;\n", "a.rs": "use crate::b::X;\n",
                           "b.rs": "pub fn f() { super::a::g() }\n"}, 1),
        "dag with parent items": ({"lib.rs": "mod a;\nmod b;\npub struct E;\npub use a::A;\n",
                                   "a.rs": "use super::E;\nuse super::{b, E as F};\n",
                                   "b.rs": "use crate::E;\n// use crate::a::A;\nconst S: &str = \"crate::a::A\";\n"}, 0),
        "nested dirs and path attribute": ({"lib.rs": "pub mod p;\nmod q;\n",
                                            "p/mod.rs": "mod x;\n#[cfg(test)]\n#[path = \"y_tests.rs\"]\nmod y;\n",
                                            "p/x.rs": "use crate::q::Q;\n",
                                            "p/y_tests.rs": "use super::super::q;\n",
                                            "q.rs": "pub(crate) fn f() { crate::p::x::g(); }\n"}, 1),
        "inline test modules": ({"lib.rs": "mod a;\nmod b;\n", "a.rs": "use crate::b;\n",
                                 "b.rs": "fn f() {}\n#[cfg(test)]\nmod tests {\n    use super::*;\n}\n"}, 0),
    }
    failed = 0
    for name, (files, expected) in cases.items():
        with tempfile.TemporaryDirectory() as d:
            for rel, text in files.items():
                os.makedirs(os.path.dirname(os.path.join(d, rel)), exist_ok=True)
                with open(os.path.join(d, rel), "w", encoding="utf-8") as f:
                    f.write(text)
            with open(os.devnull, "w") as quiet:
                got = check(d, quiet)
            if got != expected:
                failed += 1
                print(f"self-test {name!r}: {got} cycles, expected {expected}")
    print("self-test: ok" if not failed else f"self-test: {failed} failed")
    return 1 if failed else 0


def main(argv):
    if argv == ["--self-test"]:
        return self_test()
    if not argv or any(a.startswith("-") for a in argv):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    total = 0
    for directory in argv:
        found = check(directory)
        if found < 0:
            return 2
        total += found
    if total:
        print(f"{total} import cycle(s)")
        return 1
    print("no import cycles")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

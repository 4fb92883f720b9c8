"""Static checks of the package layout (DESIGN.md section 3), read from the source with ``ast``
and never imported: ``sim`` knows nothing of ``agents`` or ``experiments`` and ``agents`` nothing
of ``experiments``; the project's modules import each other without cycles; and the house size
limits hold (modules <= 400 lines, functions <= 30 lines from ``def`` to their last line).

Every import counts, wherever it sits: module level, inside a function, under
``if TYPE_CHECKING:``. The limits 400 and 30 are the house rules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sim", "agents", "experiments")
SIZED = (*PACKAGES, "tests")
MAX_MODULE_LINES = 400  # house rule
MAX_FUNCTION_LINES = 30  # house rule: def line to last line, docstring included
FORBIDDEN = {"sim": ("agents", "experiments"), "agents": ("experiments",)}  # DESIGN.md 3


def module_name(path: Path, root: Path) -> str:
    """``sim/config/__init__.py`` -> ``sim.config``; ``sim/run.py`` -> ``sim.run``."""
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules(root: Path, packages: tuple[str, ...]) -> dict[str, Path]:
    """Every module of ``packages`` under ``root``, by dotted name."""
    files = (p for pkg in packages for p in sorted((root / pkg).rglob("*.py")))
    return {module_name(p, root): p for p in files}


def _resolve(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    """The absolute module name an ``ImportFrom`` (maybe relative) names."""
    if not node.level:
        return node.module or ""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def import_statements(path: Path, importer: str) -> Iterator[tuple[int, str, tuple[str, ...]]]:
    """(line, module, names) of every import in ``path``, at any depth: ``import a.b`` gives
    ``(line, "a.b", ())``, ``from a import x, y`` gives ``(line, "a", ("x", "y"))``."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name, ()) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names = tuple(alias.name for alias in node.names)
            yield node.lineno, _resolve(node, importer, is_package), names


def _targets(module: str, names: tuple[str, ...], modules: dict[str, Path]) -> set[str]:
    """What an import statement loads: ``from pkg import name`` the submodule ``pkg.name`` when
    there is one, else ``pkg`` itself (its ``__init__`` must have run to define ``name``)."""
    if not names:
        return {module}
    return {f"{module}.{n}" if f"{module}.{n}" in modules else module for n in names}


def _ancestors(name: str) -> list[str]:
    """``a.b.c`` -> ``[a, a.b]``: the packages whose ``__init__`` importing ``a.b.c`` runs."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def import_edges(importer: str, target: str, modules: dict[str, Path]) -> set[str]:
    """The project modules that importing ``target`` from ``importer`` needs: the target itself
    and the ``__init__`` of its packages, but for the packages ``importer`` sits in (their
    ``__init__`` is already running when ``importer`` runs)."""
    if target not in modules:
        return set()
    own = set(_ancestors(importer))
    return ({target} | (set(_ancestors(target)) - own)) - {importer}


def import_graph(root: Path, packages: tuple[str, ...]) -> nx.DiGraph:
    """Directed graph of imports between the project modules of ``packages``."""
    modules = project_modules(root, packages)
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        for _, module, names in import_statements(path, name):
            for target in _targets(module, names, modules):
                graph.add_edges_from((name, t) for t in import_edges(name, target, modules))
    return graph


def import_cycles(graph: nx.DiGraph) -> list[list[str]]:
    """Each strongly connected component of more than one module, with one cycle through it."""
    out = []
    for component in nx.strongly_connected_components(graph):
        if len(component) > 1:
            nodes = [u for u, _ in nx.find_cycle(graph.subgraph(component))]
            first = nodes.index(min(nodes))  # start at the smallest name: a stable message
            out.append([*nodes[first:], *nodes[:first], nodes[first]])
    return sorted(out)


def layering_violations(root: Path) -> list[str]:
    """``file:line imports name`` for every import that crosses a layer the wrong way."""
    out = []
    for package, banned in FORBIDDEN.items():
        for name, path in project_modules(root, (package,)).items():
            for line, module, _ in import_statements(path, name):
                if module.split(".")[0] in banned:
                    out.append(f"{path.relative_to(root)}:{line} imports {module}")
    return sorted(out)


def _functions(tree: ast.AST, prefix: str = "") -> Iterator[tuple[str, ast.AST]]:
    """(qualified name, node) of every function and method, nested ones included."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            qualified = f"{prefix}{node.name}"
            if not isinstance(node, ast.ClassDef):
                yield qualified, node
            yield from _functions(node, f"{qualified}.")
        else:
            yield from _functions(node, prefix)


def long_functions(root: Path, folders: tuple[str, ...], limit: int) -> list[str]:
    """``file:line name is N lines`` for each function longer than ``limit`` lines (``def`` line
    to last line; decorators not counted)."""
    out = []
    for folder in folders:
        for path in sorted((root / folder).rglob("*.py")):
            for name, node in _functions(ast.parse(path.read_text(), str(path))):
                length = node.end_lineno - node.lineno + 1
                if length > limit:
                    rel = path.relative_to(root)
                    out.append(f"{rel}:{node.lineno} {name} is {length} lines (limit {limit})")
    return out


def long_modules(root: Path, folders: tuple[str, ...], limit: int) -> list[str]:
    """``file is N lines`` for each module longer than ``limit`` lines."""
    out = []
    for folder in folders:
        for path in sorted((root / folder).rglob("*.py")):
            lines = len(path.read_text().splitlines())
            if lines > limit:
                out.append(f"{path.relative_to(root)} is {lines} lines (limit {limit})")
    return out


# --- the project ------------------------------------------------------------------------------


def test_sim_and_agents_import_nothing_from_the_layers_above():
    violations = layering_violations(ROOT)
    assert not violations, "imports against DESIGN.md section 3:\n" + "\n".join(violations)


def test_no_import_cycles_between_project_modules():
    cycles = import_cycles(import_graph(ROOT, PACKAGES))
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_the_graph_sees_the_project():
    """Facts of the layout, so that the graph is not empty by accident: the config package
    re-exports ``SimConfig`` from its submodule, and the CLI imports the runner inside its
    commands (function-level imports count)."""
    graph = import_graph(ROOT, PACKAGES)
    assert "sim.config.simulation" in set(graph.successors("sim.config"))
    assert "experiments.runner" in set(graph.successors("experiments.cli"))


def test_modules_are_at_most_400_lines():
    over = long_modules(ROOT, SIZED, MAX_MODULE_LINES)
    assert not over, "modules over the house limit:\n" + "\n".join(over)


def test_functions_are_at_most_30_lines():
    over = long_functions(ROOT, SIZED, MAX_FUNCTION_LINES)
    assert not over, "functions over the house limit:\n" + "\n".join(over)


# --- the checkers, on made-up packages --------------------------------------------------------


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_a_function_level_import_upwards_is_caught(tmp_path):
    root = _write(
        tmp_path,
        {
            "sim/__init__.py": "",
            "sim/a.py": "def f():\n    from experiments.cli import app\n    return app\n",
            "agents/__init__.py": "from sim import a\n",
            "agents/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    import experiments.runner\n",
        },
    )
    assert layering_violations(root) == [
        "agents/b.py:3 imports experiments.runner",
        "sim/a.py:2 imports experiments.cli",
    ]


P_PACKAGE = {
    "p/__init__.py": "from p.a import X\n",
    "p/a.py": "X = 1\n",
    "p/b.py": "from p.a import X\n",
    "q/__init__.py": "",
    "q/c.py": "def f():\n    from p import X\n    import p.b\n",
}


def test_a_package_reexporting_its_submodules_is_no_cycle(tmp_path):
    """p/__init__ re-exports p.a, and p.b imports p.a: p.b does not need p's ``__init__`` (already
    running when p.b runs). q.c needs p (X is a name, no p/X.py), and p.b with p's ``__init__``."""
    graph = import_graph(_write(tmp_path, P_PACKAGE), ("p", "q"))
    assert import_cycles(graph) == []
    assert set(graph.successors("p")) == {"p.a"}
    assert set(graph.successors("p.b")) == {"p.a"}
    assert set(graph.successors("q.c")) == {"p", "p.b"}


@pytest.mark.parametrize(
    ("a_source", "cycle"),
    [
        ("from p import Y\nX = 1\n", ["p", "p.a", "p"]),  # a name back through the package
        ("from p import b\nX = 1\n", ["p.a", "p.b", "p.a"]),  # the submodule p/b.py
        ("def f():\n    import p.b\nX = 1\n", ["p.a", "p.b", "p.a"]),  # function level
    ],
)
def test_a_cycle_is_found(tmp_path, a_source, cycle):
    root = _write(tmp_path, {**P_PACKAGE, "p/a.py": a_source})
    assert import_cycles(import_graph(root, ("p", "q"))) == [cycle]


def test_lengths_count_def_to_last_line_without_decorators(tmp_path):
    """``f`` spans lines 2-4 (3 lines, the decorator on line 1 not counted); the nested ``g`` and
    the method ``C.m`` 2 lines each; with a limit of 2 only ``f`` is over."""
    src = "@dec\ndef f():\n    def g():\n        pass\nclass C:\n    def m(self):\n        pass\n"
    root = _write(tmp_path, {"sim/x.py": src})
    assert long_functions(root, ("sim",), 2) == ["sim/x.py:2 f is 3 lines (limit 2)"]
    assert long_functions(root, ("sim",), 1) == [
        "sim/x.py:2 f is 3 lines (limit 1)",
        "sim/x.py:3 f.g is 2 lines (limit 1)",
        "sim/x.py:6 C.m is 2 lines (limit 1)",
    ]
    assert long_modules(root, ("sim",), 6) == ["sim/x.py is 7 lines (limit 6)"]

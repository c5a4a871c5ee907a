"""The desktop code stays small enough to read: no file in reframe_desktop/ over 400 lines,
no function or method over 60 (measured on the syntax tree, decorators and docstrings
included)."""

from __future__ import annotations

import ast
from pathlib import Path

import reframe_desktop

ROOT = Path(reframe_desktop.__file__).parent
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60


def _sources() -> list[Path]:
    files = sorted(ROOT.rglob("*.py"))
    assert len(files) > 20, f"expected the desktop package under {ROOT}"
    return files


def function_lengths(path: Path) -> list[tuple[str, int]]:
    """(qualified name, lines) of every function and method in ``path``."""
    found = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                found.append((f"{prefix}{child.name}", child.end_lineno - first + 1))
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(path.read_text(encoding="utf-8")), "")
    return found


def test_no_desktop_file_is_over_400_lines():
    long_files = {
        str(p.relative_to(ROOT)): n
        for p in _sources()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_FILE_LINES
    }
    assert not long_files, f"split these files (lines): {long_files}"


def test_no_desktop_function_is_over_60_lines():
    long_functions = {
        f"{p.relative_to(ROOT)}:{name}": n
        for p in _sources()
        for name, n in function_lengths(p)
        if n > MAX_FUNCTION_LINES
    }
    assert not long_functions, f"split these functions (lines): {long_functions}"


def test_the_measure_sees_long_functions(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(70))
    sample = tmp_path / "sample.py"
    sample.write_text(
        f"class A:\n    @property\n    def f(self):\n{body.replace('    ', '        ')}\n", encoding="utf-8"
    )
    assert function_lengths(sample) == [("A.f", 72)]

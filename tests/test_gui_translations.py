"""Every UI string is in the translation template Qt's own tool makes from the sources.

``pyside6-lupdate`` (shipped with PySide6) reads ``self.tr("…")``, ``QT_TRANSLATE_NOOP``
and ``QCoreApplication.translate`` calls; a string it cannot see is never translated. So:
no ``tr()`` of a variable anywhere in reframe_desktop/, and every literal the syntax tree
finds in those calls is in the template lupdate writes, under the same context."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import reframe_desktop

ROOT = Path(reframe_desktop.__file__).parent
#: The one place that translates table labels it is given (marked where the tables are).
LABELS_MODULE = ROOT / "labels.py"


def _lupdate() -> str:
    import PySide6

    for candidate in (
        shutil.which("pyside6-lupdate", path=str(Path(sys.executable).parent)),
        shutil.which("pyside6-lupdate"),
        str(Path(PySide6.__file__).parent / "lupdate"),
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    pytest.fail("pyside6-lupdate not found: it ships with PySide6 (pip install PySide6)")


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def ui_strings(path: Path) -> tuple[set[tuple[str, str]], list[str]]:
    """((context, text) of every translatable literal, problems) of one source file."""
    found: set[tuple[str, str]] = set()
    problems: list[str] = []

    def visit(node: ast.AST, context: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, child.name)
                continue
            if isinstance(child, ast.Call):
                check(child, context)
            visit(child, context)

    def check(call: ast.Call, context: str) -> None:
        name, args, where = _call_name(call), call.args, f"{path.relative_to(ROOT)}:{call.lineno}"
        if name in ("tr", "QT_TR_NOOP"):
            text = _literal(args[0]) if args else None
            if text is None:
                problems.append(f"{where}: {name}() of a non-literal is invisible to lupdate")
            else:
                found.add((context, text))
        elif name in ("translate", "QT_TRANSLATE_NOOP") and len(args) >= 2:
            ctx, text = _literal(args[0]), _literal(args[1])
            if ctx is not None and text is not None:
                found.add((ctx, text))
            elif name == "QT_TRANSLATE_NOOP" or path != LABELS_MODULE:
                problems.append(f"{where}: {name}() of a non-literal is invisible to lupdate")

    visit(ast.parse(path.read_text(encoding="utf-8")), "")
    return found, problems


def _template(tmp_path: Path) -> set[tuple[str, str]]:
    ts = tmp_path / "reframe.ts"
    sources = [str(p) for p in sorted(ROOT.rglob("*.py"))]
    run = subprocess.run([_lupdate(), *sources, "-ts", str(ts)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and ts.is_file(), run.stderr
    tree = ET.parse(ts)
    return {
        (context.findtext("name"), message.findtext("source"))
        for context in tree.getroot().iter("context")
        for message in context.iter("message")
    }


def test_no_tr_of_a_variable():
    problems = [p for path in sorted(ROOT.rglob("*.py")) for p in ui_strings(path)[1]]
    assert not problems, "\n".join(problems)


def test_every_ui_string_is_in_the_lupdate_template(tmp_path):
    expected = set().union(*(ui_strings(path)[0] for path in sorted(ROOT.rglob("*.py"))))
    assert len(expected) > 300, "the scan should find the UI's strings"
    # The label tables are translatable too, under their own context.
    assert ("Labels", "Blurred background") in expected and ("Labels", "Last 7 days") in expected
    template = _template(tmp_path)
    missing = sorted(expected - template)
    assert not missing, f"{len(missing)} UI strings lupdate does not see, e.g. {missing[:10]}"


def test_the_scan_flags_tr_of_a_variable(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "class Tab:\n    def f(self, label):\n        return self.tr(label), self.tr('Fine')\n", encoding="utf-8"
    )
    global ROOT
    root, ROOT = ROOT, tmp_path
    try:
        found, problems = ui_strings(sample)
    finally:
        ROOT = root
    assert found == {("Tab", "Fine")} and len(problems) == 1 and "non-literal" in problems[0]

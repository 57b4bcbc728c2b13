"""The package's shape: one import name, imports that flow one way, small modules."""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"theory": "theory", "numerics": "numerics", "verify": "verify", "figures": "figures",
            "theorycheck": "theorycheck"}


def _sources():
    for pkg, folder in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield pkg, path


def _imported(path: Path, pkg: str):
    """(package, first submodule or None) for every theorycheck-internal import of a source file."""
    rel = path.relative_to(ROOT / PACKAGES[pkg]).with_suffix("").parts
    here = ["theorycheck"] + ([] if pkg == "theorycheck" else [pkg]) + list(rel[:-1])  # the module's package
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                mod = base + (node.module.split(".") if node.module else [])
            else:
                mod = node.module.split(".")
            if mod[:1] != ["theorycheck"]:
                continue
            names = [a.name for a in node.names]
            for target in ([mod + [n] for n in names] if len(mod) <= 2 else [mod]):
                yield target[1] if len(target) > 1 else None, target[2] if len(target) > 2 else None
        elif isinstance(node, ast.Import):
            for a in node.names:
                parts = a.name.split(".")
                if parts[0] in ("theory", "numerics", "verify", "figures"):
                    yield "TOP-LEVEL " + parts[0], None
                if parts[0] == "theorycheck" and len(parts) > 1:
                    yield parts[1], parts[2] if len(parts) > 2 else None


def test_no_package_imports_another_packages_private_module():
    bad = []
    for pkg, path in _sources():
        for other, sub in _imported(path, pkg):
            if other is None or other == pkg:
                continue
            if other.startswith("TOP-LEVEL"):
                bad.append(f"{path.relative_to(ROOT)}: imports {other} (write theorycheck.* or relative imports)")
            elif sub and sub.startswith("_") and other != "_errors":
                bad.append(f"{path.relative_to(ROOT)}: imports {other}.{sub}")
    assert not bad, "\n".join(bad)


def test_theory_and_numerics_never_import_each_other_nor_torch_and_sympy():
    for pkg, path in _sources():
        if pkg not in ("theory", "numerics"):
            continue
        allowed = {pkg, "_errors", None} | ({"_plugins"} if pkg == "theory" else set())  # the root's, not a package
        others = {o for o, _ in _imported(path, pkg)} - allowed
        assert not others, f"{path.relative_to(ROOT)} imports {others}"
        tree = ast.parse(path.read_text())
        mods = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names} | {
            n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and not n.level}
        forbidden = "torch" if pkg == "theory" else "sympy"
        assert forbidden not in mods, f"{path.relative_to(ROOT)} imports {forbidden}"


@pytest.mark.parametrize("folder", ["verify", "numerics"])
def test_modules_stay_small(folder):
    """One concept per module: none in verify/ or numerics/ over about 400 lines."""
    big = {str(p.relative_to(ROOT)): n for p in (ROOT / folder).rglob("*.py")
           if (n := len(p.read_text().splitlines())) > 450}
    assert not big, big


def test_the_wheel_claims_only_the_theorycheck_name(tmp_path):
    """`theory`, `verify`, `figures` and `numerics` belong to other published packages: never shadow them."""
    import shutil

    src = tmp_path / "src"  # a copy: setuptools builds in place, and the checkout must stay clean
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".venv", ".git", "build", "report", "__pycache__",
                                                             "*.egg-info", ".hypothesis", ".pytest_cache", "docs"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path), str(src)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("theorycheck-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"theorycheck"}, top
    for sub in ("theory", "numerics", "verify", "verify/checks", "figures"):
        assert f"theorycheck/{sub}/__init__.py" in names
    info = next(t for t in top if t.endswith(".dist-info"))
    entry = zipfile.ZipFile(wheel).read(f"{info}/entry_points.txt").decode()
    assert "theorycheck = theorycheck.verify.cli:main" in entry


def test_no_experiment_hard_codes_the_cpu():
    """--device reaches every experiment: no call inside checks or figures pins device="cpu" (an experiment that must
    run on the CPU says so with @experiment(cpu_only=...), and the report records it)."""
    pinned = []
    for folder in ("verify/checks", "figures"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call):
                    for kw in node.keywords:
                        if kw.arg == "device" and isinstance(kw.value, ast.Constant) and kw.value.value == "cpu":
                            pinned.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not pinned, pinned


def test_every_experiment_takes_the_device_or_says_why_not():
    from theorycheck.verify import _catalogue

    import theorycheck as tc

    tc.all_checks()
    found = 0
    for mod in _catalogue.topic_modules():
        for obj in vars(mod).values():
            if callable(obj) and hasattr(obj, "cpu_only") and obj.__module__ == mod.__name__:
                found += 1
                takes = "device" in __import__("inspect").signature(obj.__wrapped__).parameters
                assert takes or obj.cpu_only, obj.__qualname__
    assert found >= 20

"""`theorycheck new PACKAGE`: write a small installable plugin package from the templates in templates/scaffold.

The package holds one result (a SymPy closed form with parameters, constraints and a reference), a check bound to
a numeric experiment, a figure, a test running the contract suite, and a pyproject.toml whose entry point makes
theorycheck load it. Freshly written, `pip install -e PACKAGE` then `theorycheck verify ID` gives a real pass,
and `--perturb ID:risk=1.05` a fail: nothing in it passes by construction.
"""

from __future__ import annotations

import datetime
import keyword
import re
from pathlib import Path

from .. import __version__
from .._errors import UsageError

__all__ = ["scaffold"]

# template -> path in the package (PKG: the package name)
FILES = {
    "pyproject.toml.j2": "pyproject.toml",
    "README.md.j2": "README.md",
    "__init__.py.j2": "src/PKG/__init__.py",
    "plugin.py.j2": "src/PKG/plugin.py",
    "results.py.j2": "src/PKG/results.py",
    "checks.py.j2": "src/PKG/checks.py",
    "figures.py.j2": "src/PKG/figures.py",
    "conftest.py.j2": "tests/conftest.py",
    "test_plugin.py.j2": "tests/test_PKG.py",
}

_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


def scaffold(package: str, *, result_id: str | None = None, directory: str | Path = ".") -> list[Path]:
    """Write the package folder `directory/package`; return the files written."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    if not (package.isidentifier() and package.islower() and not keyword.iskeyword(package)):
        raise UsageError(f"The 'PACKAGE' argument of theorycheck new must be a lower-case Python identifier "
                         f"(the import name of the plugin). Got {package!r}.", parameter="package")
    year = datetime.date.today().year
    result_id = result_id or f"{package.replace('_', '')}{year}.ols_risk"
    if not _ID.match(result_id):
        raise UsageError(f"The '--result' option of theorycheck new must be an id like author{year}.name (lower "
                         f"case, one dot). Got {result_id!r}.", parameter="result")
    root = Path(directory) / package
    if root.exists():
        raise UsageError(f"theorycheck new will not overwrite {root}: it exists; choose another --dir or name",
                         parameter="package")
    env = Environment(loader=PackageLoader("theorycheck.verify", "templates/scaffold"), undefined=StrictUndefined,
                      keep_trailing_newline=True)
    values = {"package": package, "result_id": result_id, "year": year,
              "theorycheck_version": ".".join(__version__.split(".")[:2])}
    written = []
    for template, target in FILES.items():
        path = root / target.replace("PKG", package)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(env.get_template(template).render(**values))
        written.append(path)
    return written

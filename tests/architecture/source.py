"""The package's own Python modules, parsed, for the architecture tests."""

import ast
from pathlib import Path

import masthead

PACKAGE = Path(masthead.__file__).parent


def python_files(skip=frozenset()):
    """(path relative to the package, parsed module) for every module but
    migrations and those in ``skip``."""
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if "migrations" not in relative.parts and relative not in skip:
            yield relative, ast.parse(path.read_text(), filename=str(path))

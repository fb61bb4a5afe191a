"""Only ``paywall.readers`` answers "who is this reader".

Whether a reader is a subscriber, an editor, ad-free — every fact that changes
what an output gives them — comes from ``readers.identify(request)`` (or
``readers.for_account(user)`` where there is no request: a private feed's
token, an email). Nothing else calls ``is_entitled`` or reads ``is_staff`` /
``is_superuser`` off a user, in Python or in a template: a second answer is
how a cached page once came to be keyed by one answer and filled by another.
"""

import ast
import re
from pathlib import Path

from tests.architecture.source import PACKAGE, python_files

# Where the answer is made: the entitlement question itself, the account's
# standing that keeps its answer between requests, and the reader.
ALLOWED = {
    Path("members/entitlements.py"),
    Path("members/standing.py"),
    Path("paywall/readers.py"),
}
ACCOUNT_FLAGS = {"is_staff", "is_superuser"}
TEMPLATE_FLAGS = re.compile(r"\b(is_staff|is_superuser|is_entitled)\b")


def offences(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ACCOUNT_FLAGS:
            yield node.lineno, f".{node.attr}"
        called = node.func if isinstance(node, ast.Call) else None
        name = getattr(called, "id", None) or getattr(called, "attr", None)
        if name == "is_entitled":
            yield node.lineno, "is_entitled()"
        if isinstance(node, ast.ImportFrom) and any(a.name == "is_entitled" for a in node.names):
            yield node.lineno, "imports is_entitled"


def test_no_python_outside_the_reader_asks_who_a_reader_is():
    found = [
        f"{relative}:{line}: {what}"
        for relative, tree in python_files(skip=ALLOWED)
        for line, what in offences(tree)
    ]
    assert found == []


def test_no_template_asks_who_a_reader_is():
    found = []
    for template in sorted(PACKAGE.rglob("*.html")):
        for number, line in enumerate(template.read_text().splitlines(), 1):
            if TEMPLATE_FLAGS.search(line):
                found.append(f"{template.relative_to(PACKAGE)}:{number}: {line.strip()}")
    assert found == []


def test_the_check_sees_what_it_forbids():
    tree = ast.parse(
        "from masthead.members.entitlements import is_entitled\n"
        "if user.is_staff or is_entitled(user): pass\n"
    )
    assert {what for _, what in offences(tree)} == {
        ".is_staff",
        "is_entitled()",
        "imports is_entitled",
    }

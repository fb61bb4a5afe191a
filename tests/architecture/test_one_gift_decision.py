"""Gift access has one way in, like every other reason to read.

Which gifts a browser holds is a fact about the reader: only
``paywall.readers`` reads or writes the signed gift cookie. Whether a held
gift opens an article is the gate's question: only ``paywall.gate`` asks
``GiftLink.stands``. A second place deciding either is how a page could come
to be filled by one answer and keyed by another.
"""

import ast
from pathlib import Path

from tests.architecture.source import python_files

COOKIE = {Path("paywall/readers.py")}
DECISION = {Path("paywall/gate.py"), Path("gifts/models.py")}


def offences(relative, tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "stands" and relative not in DECISION:
            yield node.lineno, "asks whether a gift stands"
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("MASTHEAD_GIFT_COOKIE", "GIFT_SALT")
            and relative not in COOKIE
        ):
            yield node.lineno, f"reads the gift cookie ({node.attr})"
        if (
            isinstance(node, ast.Constant)
            and node.value == "mh_gift"
            and relative != Path("settings.py")
        ):
            yield node.lineno, "names the gift cookie"


def test_only_the_reader_reads_gifts_and_only_the_gate_decides_them():
    found = [
        f"{relative}:{line}: {what}"
        for relative, tree in python_files()
        for line, what in offences(relative, tree)
    ]
    assert found == []


def test_the_check_sees_what_it_forbids():
    tree = ast.parse(
        "GiftLink.stands(1, 2)\n"
        "request.COOKIES.get(settings.MASTHEAD_GIFT_COOKIE)\n"
        "request.COOKIES['mh_gift']\n"
    )
    assert {what for _, what in offences(Path("newsroom/views.py"), tree)} == {
        "asks whether a gift stands",
        "reads the gift cookie (MASTHEAD_GIFT_COOKIE)",
        "names the gift cookie",
    }

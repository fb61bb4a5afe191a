"""Numbers, ids and ``next`` from a client are read in one place, ``masthead.inputs``.

``str.isdigit`` says yes to "²" and "١٢٣", which ``int()`` then refuses or a
database cannot hold; Django's ``<int:…>`` converter accepts integers past 64
bits. Both once turned hostile input into a 500. These guards keep them out.
"""

import re
from pathlib import Path

import masthead

PACKAGE = Path(masthead.__file__).parent


def sources():
    return [p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts]


def offenders(pattern):
    found = []
    for module in sources():
        for number, line in enumerate(module.read_text().splitlines(), 1):
            if re.search(pattern, line):
                found.append(f"{module.relative_to(PACKAGE)}:{number}: {line.strip()}")
    return found


def test_nothing_reads_digits_with_isdigit():
    assert offenders(r"\.isdigit\(|\.isnumeric\(|\.isdecimal\(") == []


def test_no_url_takes_an_unbounded_integer():
    assert offenders(r"<int:") == []


def test_next_is_read_only_through_inputs():
    found = [
        line for line in offenders(r"""\.get\(["']next["']""") if not line.startswith("inputs.py:")
    ]
    assert found == []

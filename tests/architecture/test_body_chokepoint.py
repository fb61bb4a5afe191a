"""Only one place decides what part of an article body a reader receives.

Templates render ``article_body`` from the page context; none may reach for
``page.body`` (or any ``*.body``) directly, and no Python outside the newsroom
model and the future paywall app may pass a body to a template.
"""

import re
from pathlib import Path

import masthead

PACKAGE = Path(masthead.__file__).parent

TEMPLATE_BODY = re.compile(
    r"\{\{[^}]*\b(page|article|self|object|value)\.body\b[^}]*\}\}"
    r"|\{%[^%]*\b(page|article|self|object)\.body\b[^%]*%\}"
)
# ``request.body`` is an HTTP request's bytes (e.g. a signed webhook), not an article.
PYTHON_BODY = re.compile(r"(?<!request)\.body\b(?!_)")
PYTHON_ALLOWED = {
    Path("newsroom/models.py"),  # defines the field and hands it to the context
    Path("newsroom/demo/loader.py"),  # writes bodies, never renders them
    # Writes imported bodies and compares them with what a second run would
    # write; renders none (a summary it needs is cut through the gate).
    Path("importing/writer.py"),
    # Prints an outgoing email's text (``EmailMessage.body``), made already:
    # a newsletter's through the gate (newsletters/rendering.py).
    Path("newsletters/mailfiles.py"),
}


def project_files(pattern):
    return [path for path in PACKAGE.rglob(pattern) if "migrations" not in path.parts]


def test_no_template_renders_an_article_body_directly():
    offenders = []
    for template in project_files("*.html"):
        relative = template.relative_to(PACKAGE)
        if "paywall" in relative.parts:
            continue
        for number, line in enumerate(template.read_text().splitlines(), 1):
            if TEMPLATE_BODY.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []


def test_no_python_outside_the_chokepoint_touches_article_bodies():
    offenders = []
    for module in project_files("*.py"):
        relative = module.relative_to(PACKAGE)
        if relative in PYTHON_ALLOWED or "paywall" in relative.parts:
            continue
        for number, line in enumerate(module.read_text().splitlines(), 1):
            if PYTHON_BODY.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []


def test_the_guard_catches_what_it_is_meant_to_catch():
    assert TEMPLATE_BODY.search("{% include_block page.body %}")
    assert TEMPLATE_BODY.search("{{ page.body|richtext }}")
    assert TEMPLATE_BODY.search("{% for block in article.body %}")
    assert not TEMPLATE_BODY.search("{% for block in article_body %}")

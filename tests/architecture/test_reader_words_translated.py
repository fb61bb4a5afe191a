"""Every word a reader sees in a template goes through Django's translation.

The class of bug: a new template, or a new line in an old one, that shows
English to an Arabic reader. Every reader-facing template (all of them but
the admin's own screens) is read with Django's template lexer; text outside
{% translate %} / {% blocktranslate %} — between tags, or in the attributes
people read (alt, title, aria-label, placeholder) — may hold no words. Also:
the catalogues are complete for every language we ship, compile, and the
compiled files are the ones committed.
"""

import fnmatch
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.template.base import Lexer, TokenType

from tests.conftest import running_in_ci

PACKAGE = Path(__file__).resolve().parents[2] / "masthead"
LOCALE = PACKAGE / "locale"
SHIPPED = ["ar", "fr"]

# The editors' screens keep Wagtail's admin language machinery (and our
# admin views' own English, see docs/architecture.md "Languages").
ADMIN = (
    "*/templates/*/admin/*",
    "*/templates/wagtailadmin/*",
    "insights/templates/*",
    "offers/templates/offers/*",
    "importing/templates/*",
)
READ_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder"}
WORD = re.compile(r"[^\W\d_]{2,}")
# What stands for a variable, a tag or a translated block in the skeleton.
MARK = "\u2063"
# Template blocks whose text is not shown (a class name, an attribute).
HIDDEN_BLOCKS = {"body_class"}


def reader_templates():
    for path in sorted(PACKAGE.glob("**/templates/**/*")):
        if path.suffix not in (".html", ".txt") or not path.is_file():
            continue
        relative = str(path.relative_to(PACKAGE))
        if any(fnmatch.fnmatch(relative, pattern) for pattern in ADMIN):
            continue
        yield path


def skeleton(source: str) -> str:
    """The template with every variable, tag and translated block replaced
    by a mark: what is left is the text it writes as it stands."""
    parts = []
    translating = 0  # inside blocktranslate or a comment
    blocks = []  # the {% block %} names we are in
    for token in Lexer(source).tokenize():
        hidden = translating or any(name in HIDDEN_BLOCKS for name in blocks)
        if token.token_type == TokenType.TEXT and not hidden:
            parts.append(token.contents)
            continue
        parts.append(MARK)
        if token.token_type != TokenType.BLOCK:
            continue
        bits = token.contents.split() or [""]
        if bits[0] in ("blocktranslate", "blocktrans", "comment"):
            translating += 1
        elif bits[0] in ("endblocktranslate", "endblocktrans", "endcomment"):
            translating -= 1
        elif bits[0] == "block":
            blocks.append(bits[1])
        elif bits[0] == "endblock":
            blocks.pop()
    return "".join(parts)


class Words(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.words = []
        self.quiet = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.quiet += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self.words += WORD.findall(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.quiet -= 1

    def handle_data(self, data):
        if not self.quiet:
            self.words += WORD.findall(data)


def untranslated(source: str, plain_text: bool) -> list[str]:
    """Words in the template's text outside any translation block."""
    text = skeleton(source)
    if plain_text:
        return WORD.findall(text)
    parser = Words()
    parser.feed(text)
    parser.close()
    return parser.words


def test_the_lexer_check_finds_words_and_passes_translated_ones():
    assert untranslated('<p title="Close">Hello {{ name }}</p>', False) == ["Close", "Hello"]
    assert untranslated('<a href="{% url "x" %}?next={{ p }}">{{ label }}</a>', False) == []
    assert untranslated('<a href="/x" class="button">{{ label }}</a>', False) == []
    assert untranslated("{% blocktranslate %}Hello {{ n }}{% endblocktranslate %}", False) == []
    assert untranslated('<p>{% translate "Hello" %} &copy; {{ x }}</p>', False) == []
    assert untranslated("Dear reader,\n{{ body }}", True) == ["Dear", "reader"]


@pytest.mark.parametrize(
    "path", list(reader_templates()), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_reader_template_has_no_untranslated_words(path):
    words = untranslated(path.read_text(), plain_text=path.suffix == ".txt")
    assert not words, f"{path.name} shows untranslated words: {words[:10]}"


@pytest.mark.parametrize("language", SHIPPED)
def test_every_message_is_translated(language):
    with (LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as handle:
        catalog = read_po(handle)
    missing = [
        message.id
        for message in catalog
        if message.id
        and (
            message.fuzzy
            or not message.string
            or (isinstance(message.string, tuple) and not all(message.string))
        )
    ]
    assert not missing, f"{language}: {len(missing)} messages untranslated: {missing[:5]}"


@pytest.mark.parametrize("language", SHIPPED)
def test_the_committed_compiled_catalogue_matches_the_source(language):
    folder = LOCALE / language / "LC_MESSAGES"

    def entries(catalog):
        return {
            (m.context, m.id if isinstance(m.id, str) else tuple(m.id)): (
                m.string if isinstance(m.string, str) else tuple(m.string)
            )
            for m in catalog
            if m.id
        }

    with (folder / "django.po").open("rb") as handle:
        source = entries(read_po(handle))
    with (folder / "django.mo").open("rb") as handle:
        compiled = entries(read_mo(handle))
    assert compiled == source, "run `make messages` and commit django.mo"


def test_the_catalogues_hold_every_message_in_the_code(tmp_path):
    """makemessages over the code finds no message the catalogues lack."""
    if shutil.which("xgettext") is None:
        message = "GNU gettext is not installed (apt-get install -y gettext)"
        if running_in_ci():
            pytest.fail(message)
        pytest.skip(message)
    copy = tmp_path / "masthead"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        ["make", "-s", "-C", str(PACKAGE.parent), "messages", f"MESSAGES_DIR={copy}"],
        check=True,
        capture_output=True,
    )
    for language in SHIPPED:
        ours = LOCALE / language / "LC_MESSAGES" / "django.po"
        fresh = copy / "locale" / language / "LC_MESSAGES" / "django.po"
        with ours.open("rb") as handle:
            known = {(m.context, m.id) for m in read_po(handle) if m.id}
        with fresh.open("rb") as handle:
            needed = {(m.context, m.id) for m in read_po(handle) if m.id}
        assert needed <= known, f"{language} lacks {sorted(needed - known, key=str)[:5]}"

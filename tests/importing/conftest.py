"""The three exports, as their tools write them, and the images they refer to."""

import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

FIXTURES = Path(__file__).parent / "fixtures"
WORDPRESS = FIXTURES / "wordpress.xml"
GHOST = FIXTURES / "ghost.json"
GHOST_MEMBERS = FIXTURES / "ghost-members.csv"
SUBSTACK = FIXTURES / "substack"


def run(command: str, *args, **options) -> str:
    """Run an import command; its summary. A CommandError (a refused file, an
    item that failed) propagates with the summary printed before it."""
    out = StringIO()
    options.setdefault("no_progress", True)
    call_command(command, *map(str, args), stdout=out, **options)
    return out.getvalue()


def run_failing(command: str, *args, **options) -> str:
    """Run an import some of whose items fail: the summary it printed."""
    out = StringIO()
    options.setdefault("no_progress", True)
    with pytest.raises(CommandError, match="could not be imported|refused|not"):
        call_command(command, *map(str, args), stdout=out, **options)
    return out.getvalue()


def images(folder: Path, *files: tuple[str, tuple[int, int]]) -> Path:
    for name, size in files:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", size, (40, 90, 160)).save(path)
    return folder


@pytest.fixture
def wp_media(tmp_path) -> Path:
    """A copy of wp-content/uploads: the crane and the tugs, not the chart."""
    return images(
        tmp_path / "uploads",
        ("2026/03/berth-four-crane.jpg", (1200, 800)),
        ("2026/03/tug-crews.png", (800, 533)),
    )


@pytest.fixture
def ghost_media(tmp_path) -> Path:
    return images(
        tmp_path / "images", ("2026/04/ferry.jpg", (1200, 800)), ("2026/02/pier.jpg", (900, 600))
    )


def zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                bundle.write(path, path.relative_to(folder).as_posix())
    return target


@pytest.fixture
def substack_zip(tmp_path) -> Path:
    return zip_folder(SUBSTACK, tmp_path / "skerrylight-export.zip")


@pytest.fixture
def imported_wordpress(home, wp_media):
    return run("import_wordpress", WORDPRESS, media_dir=wp_media)

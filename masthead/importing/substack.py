"""Substack's export (Settings → Exports: a zip of posts.csv, one HTML file
per post under posts/, and the subscriber list) → an ``Archive``.

The zip is read in memory, never unpacked: a name that climbs out of its
folder (``../``, an absolute path), a link, too many files or a file that
expands past the limits refuses the whole zip before anything is read.
``audience`` decides access: everyone → free, only_free → metered (free
subscribers are registered readers here), only_paid and founding →
subscribers.
"""

from __future__ import annotations

import csv
import io
import stat
import zipfile
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from masthead import inputs
from masthead.importing.archive import (
    Archive,
    Author,
    ImportFileError,
    Member,
    Post,
    Section,
    Skipped,
)

ACCESS = {"everyone": "free", "only_free": "metered", "only_paid": "subscribers",
          "founding": "subscribers"}  # fmt: skip
IMPORTED_TYPES = {"newsletter", "podcast"}
MAX_FILES = 200_000
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024
MAX_RATIO = 200  # a file that expands 200 times over is a bomb, not a post


def substack_date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class SafeZip:
    """A zip whose every name was checked before anything is read from it."""

    def __init__(self, path: Path):
        try:
            self.zip = zipfile.ZipFile(path)
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise ImportFileError(f"{path.name} is not a readable zip file: {exc}") from exc
        if len(infos) > MAX_FILES:
            raise ImportFileError(f"{path.name} holds more than {MAX_FILES} files.")
        total = 0
        self.files: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            name = info.filename
            pure = PurePosixPath(name.replace("\\", "/"))
            parts = pure.parts
            if pure.is_absolute() or ".." in parts or (parts and ":" in parts[0]):
                raise ImportFileError(
                    f"{path.name} is refused: {name!r} points outside the export's folder."
                )
            if stat.S_ISLNK(info.external_attr >> 16):
                raise ImportFileError(f"{path.name} is refused: {name!r} is a link.")
            if info.is_dir():
                continue
            if info.file_size > MAX_FILE_BYTES or (
                info.compress_size and info.file_size / info.compress_size > MAX_RATIO
            ):
                raise ImportFileError(
                    f"{path.name} is refused: {name!r} expands to {info.file_size} bytes."
                )
            total += info.file_size
            self.files[str(pure)] = info
        if total > MAX_TOTAL_BYTES:
            raise ImportFileError(f"{path.name} expands to more than {MAX_TOTAL_BYTES} bytes.")
        self.name = path.name

    def find(self, predicate) -> list[str]:
        return sorted(name for name in self.files if predicate(PurePosixPath(name)))

    def text(self, name: str) -> str:
        info = self.files[name]
        with self.zip.open(info) as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise ImportFileError(f"{self.name}: {name} is larger than it says.")
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValueError(f"{name} is not UTF-8: {exc}") from exc


def read_csv(text: str, name: str, needed: set[str]) -> list[tuple[int, dict]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames or not needed <= set(reader.fieldnames):
        missing = ", ".join(sorted(needed - set(reader.fieldnames or [])))
        raise ImportFileError(f"{name} lacks the column(s) {missing}.")
    try:
        return [(line, row) for line, row in enumerate(reader, start=2)]
    except csv.Error as exc:
        raise ImportFileError(f"{name} line {reader.line_num}: {exc}") from exc


def parse(path: Path, *, site_url: str = "", author: str = "", section: str = "") -> Archive:
    bundle = SafeZip(path)
    posts_csv = bundle.find(lambda p: p.name == "posts.csv" and len(p.parts) <= 2)
    if not posts_csv:
        raise ImportFileError(f"{path.name} is not a Substack export: it has no posts.csv.")
    base = str(PurePosixPath(posts_csv[0]).parent)
    base = "" if base == "." else base + "/"
    try:
        rows = read_csv(
            bundle.text(posts_csv[0]), "posts.csv", {"post_id", "title", "is_published"}
        )
    except ValueError as exc:
        raise ImportFileError(str(exc)) from exc
    archive = Archive(origin="substack", site_url=site_url.rstrip("/"))
    author_name = author or "Newsroom"
    author_ref = f"substack:author:{author_name.lower()}"
    archive.authors.append(Author(ref=author_ref, name=author_name))
    section_ref = ""
    if section:
        section_ref = f"substack:section:{section}"
        archive.sections.append(Section(ref=section_ref, name=section.replace("-", " ").title(),
                                        slug=section))  # fmt: skip
    for line, row in rows:
        post_id = (row.get("post_id") or "").strip()
        label = f"{row.get('title') or '(untitled)'} [{post_id or 'line ' + str(line)}]"
        kind = (row.get("type") or "newsletter").strip()
        if kind not in IMPORTED_TYPES:
            archive.skipped.append(Skipped(label, f"a {kind} (not a post)"))
            continue
        number, _, slug = post_id.partition(".")
        if inputs.whole_number(number) is None:
            archive.unreadable.append(Skipped(label, f"its post_id {post_id!r} is not Substack's"))
            continue
        body_name = f"{base}posts/{post_id}.html"
        if body_name not in bundle.files:
            archive.unreadable.append(Skipped(label, f"the zip has no {body_name}"))
            continue
        try:
            body = bundle.text(body_name)
        except ValueError as exc:
            archive.unreadable.append(Skipped(label, str(exc)))
            continue
        published = (row.get("is_published") or "").strip().lower() == "true"
        audience = (row.get("audience") or "everyone").strip()
        slug = slug or number
        archive.posts.append(
            Post(
                ref=f"substack:{number}",
                title=(row.get("title") or "").strip(),
                slug=slug,
                html=body,
                dek=(row.get("subtitle") or "").strip(),
                date=substack_date(row.get("post_date") or ""),
                published=published,
                access=ACCESS.get(audience, "subscribers"),
                authors=[author_ref],
                sections=[section_ref] if section_ref else [],
                old_paths=[f"/p/{slug}"],
                notes=[] if published else ["unpublished on Substack: kept as a draft"],
            )
        )
    members = bundle.find(lambda p: p.name.startswith("email_list") and p.suffix == ".csv")
    for name in members:
        try:
            text = bundle.text(name)
        except ValueError as exc:
            raise ImportFileError(str(exc)) from exc
        for line, row in read_csv(text, name, {"email"}):
            plan = (row.get("plan") or "").strip().lower()
            active = (row.get("active_subscription") or "").strip().lower() == "true"
            archive.members.append(
                Member(
                    email=(row.get("email") or "").strip(),
                    # Substack adds subscribers without confirming their address.
                    verified=False,
                    created=substack_date(row.get("created_at") or ""),
                    complimentary=plan == "comp",
                    paid_in_export=active and plan not in {"", "free", "comp"},
                    subscribed_to_emails=(row.get("email_disabled") or "").strip().lower()
                    != "true",
                    line=line,
                )
            )
    return archive

#!/usr/bin/env python
"""How fast a WordPress archive moves in: 10,000 posts from one export file.

Writes a WXR 1.2 file of ``--posts`` posts the way WordPress writes it (half
from the block editor, half classic; 20 authors, 12 categories, tags; a
featured image on one post in five, from 50 attachments whose files are in a
``--media-dir`` copy of the uploads folder; a link to an earlier post in every
post and to a later one in one post in fifty), then on a fresh database with
the demo site times ``manage.py import_wordpress`` (production settings), and
then a second run of the same file (which must change nothing). Writes
bench/RESULTS-importing.md.

    .venv/bin/python bench/importing.py                   # SQLite, then PostgreSQL
    .venv/bin/python bench/importing.py --backends sqlite --posts 2000

The target (issue 18): 10,000 posts in under 10 minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers import (  # noqa: E402
    BIN,
    create_shared_database,
    drop_shared_database,
    manage,
    production_env,
)

RESULTS = ROOT / "bench" / "RESULTS-importing.md"
DATABASE = "masthead_bench_importing"
SITE = "https://oldsite.example"
WORDS = (
    "harbour council budget ferry pilot dredging quay ledger tide berth crane union contract "
    "vote survey channel freight storm repair inspector report minutes fee rota shift"
).split()


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(2, 4)))


def permalink(n: int) -> str:
    return f"{SITE}/2025/{(n % 12) + 1:02d}/{(n % 28) + 1:02d}/story-{n}/"


def block_body(rng: random.Random, n: int, total: int) -> str:
    back = permalink(rng.randrange(n)) if n else permalink(0)
    parts = [
        f'<!-- wp:paragraph -->\n<p>{paragraph(rng)} See <a href="{back}">the earlier '
        "story</a>.</p>\n<!-- /wp:paragraph -->",
        f"<!-- wp:paragraph -->\n<p><strong>{sentence(rng)}</strong> {paragraph(rng)}</p>\n"
        "<!-- /wp:paragraph -->",
        f'<!-- wp:heading -->\n<h2 class="wp-block-heading">{sentence(rng)[:60]}</h2>\n'
        "<!-- /wp:heading -->",
        f"<!-- wp:paragraph -->\n<p>{paragraph(rng)}</p>\n<!-- /wp:paragraph -->",
        '<!-- wp:list -->\n<ul class="wp-block-list">'
        + "".join(f"<li>{sentence(rng)}</li>" for _ in range(3))
        + "</ul>\n<!-- /wp:list -->",
        f'<!-- wp:quote -->\n<blockquote class="wp-block-quote"><p>{sentence(rng)}</p>'
        f"<cite>{rng.choice(WORDS).title()} {rng.choice(WORDS).title()}</cite></blockquote>\n"
        "<!-- /wp:quote -->",
        f"<!-- wp:paragraph -->\n<p>{paragraph(rng)}</p>\n<!-- /wp:paragraph -->",
    ]
    if n % 50 == 0 and n + 1 < total:
        parts.append(
            f'<!-- wp:paragraph -->\n<p>Next: <a href="{SITE}/?p={n + 1001}">the follow-up</a>'
            ".</p>\n<!-- /wp:paragraph -->"
        )
    return "\n\n".join(parts)


def classic_body(rng: random.Random, n: int) -> str:
    back = permalink(rng.randrange(n)) if n else permalink(0)
    return "\n\n".join(
        [
            f'{paragraph(rng)} An <em>earlier</em> report: <a href="{back}">here</a>.',
            paragraph(rng),
            f"<h3>{sentence(rng)[:50]}</h3>",
            paragraph(rng) + "\n" + sentence(rng),
            paragraph(rng),
            paragraph(rng),
        ]
    )


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def write_export(path: Path, media: Path, posts: int, seed: int = 18) -> None:
    from PIL import Image

    rng = random.Random(seed)
    authors = [f"writer{k}" for k in range(20)]
    categories = [f"desk-{k}" for k in range(12)]
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0"\n'
            '\txmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"\n'
            '\txmlns:content="http://purl.org/rss/1.0/modules/content/"\n'
            '\txmlns:wfw="http://wellformedweb.org/CommentAPI/"\n'
            '\txmlns:dc="http://purl.org/dc/elements/1.1/"\n'
            '\txmlns:wp="http://wordpress.org/export/1.2/"\n>\n<channel>\n'
            f"\t<title>Bench Gazette</title>\n\t<link>{SITE}</link>\n"
            "\t<wp:wxr_version>1.2</wp:wxr_version>\n"
            f"\t<wp:base_site_url>{SITE}</wp:base_site_url>\n"
            f"\t<wp:base_blog_url>{SITE}</wp:base_blog_url>\n"
        )
        for k, login in enumerate(authors):
            out.write(
                f"\t<wp:author><wp:author_id>{k + 1}</wp:author_id><wp:author_login>"
                f"{cdata(login)}</wp:author_login><wp:author_email>{cdata(login + '@x.example')}"
                f"</wp:author_email><wp:author_display_name>{cdata(f'Writer {k}')}"
                "</wp:author_display_name></wp:author>\n"
            )
        for k, nicename in enumerate(categories):
            out.write(
                f"\t<wp:category><wp:term_id>{k + 2}</wp:term_id><wp:category_nicename>"
                f"{cdata(nicename)}</wp:category_nicename><wp:category_parent>{cdata('')}"
                f"</wp:category_parent><wp:cat_name>{cdata(f'Desk {k}')}</wp:cat_name>"
                "</wp:category>\n"
            )
        for k in range(50):
            name = f"photo-{k}.jpg"
            folder = media / "2025" / "06"
            folder.mkdir(parents=True, exist_ok=True)
            Image.new("RGB", (800, 500), (k * 5 % 255, 90, 140)).save(folder / name)
            out.write(
                f"\t<item><title>{cdata(f'Photo {k}')}</title><wp:post_id>{k + 1}</wp:post_id>"
                f"<wp:status>{cdata('inherit')}</wp:status><wp:post_type>{cdata('attachment')}"
                f"</wp:post_type><wp:attachment_url>{cdata(f'{SITE}/wp-content/uploads/2025/06/{name}')}"
                f"</wp:attachment_url><excerpt:encoded>{cdata(f'Caption {k}')}</excerpt:encoded>"
                "</item>\n"
            )
        for n in range(posts):
            post_id = n + 1000
            body = block_body(rng, n, posts) if n % 2 else classic_body(rng, n)
            date = f"2025-{(n % 12) + 1:02d}-{(n % 28) + 1:02d} {n % 24:02d}:{n % 60:02d}:00"
            thumbnail = ""
            if n % 5 == 0:
                thumbnail = (
                    f"<wp:postmeta><wp:meta_key>{cdata('_thumbnail_id')}</wp:meta_key>"
                    f"<wp:meta_value>{cdata(str(n % 50 + 1))}</wp:meta_value></wp:postmeta>"
                )
            tags = "".join(
                f'<category domain="post_tag" nicename="{t}">{cdata(t.title())}</category>'
                for t in rng.sample(WORDS, 2)
            )
            out.write(
                f"\t<item>\n\t\t<title>{cdata(escape(sentence(rng)[:90]))}</title>\n"
                f"\t\t<link>{permalink(n)}</link>\n"
                f"\t\t<dc:creator>{cdata(authors[n % 20])}</dc:creator>\n"
                f'\t\t<guid isPermaLink="false">{SITE}/?p={post_id}</guid>\n'
                f"\t\t<content:encoded>{cdata(body)}</content:encoded>\n"
                f"\t\t<excerpt:encoded>{cdata('')}</excerpt:encoded>\n"
                f"\t\t<wp:post_id>{post_id}</wp:post_id>\n"
                f"\t\t<wp:post_date>{cdata(date)}</wp:post_date>\n"
                f"\t\t<wp:post_date_gmt>{cdata(date)}</wp:post_date_gmt>\n"
                f"\t\t<wp:post_name>{cdata(f'story-{n}')}</wp:post_name>\n"
                f"\t\t<wp:status>{cdata('publish')}</wp:status>\n"
                f"\t\t<wp:post_type>{cdata('post')}</wp:post_type>\n"
                f"\t\t<wp:post_password>{cdata('')}</wp:post_password>\n"
                f'\t\t<category domain="category" nicename="{categories[n % 12]}">'
                f"{cdata(f'Desk {n % 12}')}</category>{tags}\n{thumbnail}\t</item>\n"
            )
        out.write("</channel>\n</rss>\n")


def backend_env(name: str, tmp: Path) -> dict | None:
    extra = {"LOG_LEVEL": "WARNING", "INSIGHTS": "false"}
    if name == "sqlite":
        return production_env(f"sqlite:///{tmp / 'importing.sqlite3'}", **extra)
    try:
        url = create_shared_database(DATABASE)
    except Exception as exc:  # noqa: BLE001 - any failure means "not available here"
        print(f"skipping {name}: {exc}", file=sys.stderr)
        return None
    return production_env(url, **extra)


def timed_import(env: dict, export: Path, media: Path) -> tuple[float, str]:
    started = time.monotonic()
    result = subprocess.run(
        [str(BIN / "python"), "manage.py", "import_wordpress", str(export),
         "--media-dir", str(media), "--no-progress"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=7200,
    )  # fmt: skip
    seconds = time.monotonic() - started
    if result.returncode:
        raise RuntimeError(f"import failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return seconds, result.stdout


def summary_line(output: str, kind: str) -> str:
    return next((line for line in output.splitlines() if line.startswith(f"{kind}:")), "")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--posts", type=int, default=10_000)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="masthead-bench-importing-") as tmp_name:
        tmp = Path(tmp_name)
        export, media = tmp / "export.xml", tmp / "uploads"
        write_export(export, media, args.posts)
        size = export.stat().st_size
        for name in args.backends.split(","):
            env = backend_env(name, tmp)
            if env is None:
                continue
            try:
                manage(env, "migrate", "--noinput", timeout=900)
                manage(env, "load_demo", "--no-insights-history", timeout=900)
                first, output = timed_import(env, export, media)
                second, again = timed_import(env, export, media)
                results.append({
                    "backend": name, "first": first, "second": second,
                    "articles": summary_line(output, "articles"),
                    "images": summary_line(output, "images"),
                    "again": summary_line(again, "articles"),
                })  # fmt: skip
                print(results[-1], flush=True)
            finally:
                if name != "sqlite":
                    drop_shared_database(DATABASE)
    lines = [
        "# Importing: how fast a WordPress archive moves in",
        "",
        f"`bench/importing.py --backends {args.backends} --posts {args.posts}`, run"
        f" {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} cores:"
        f" one WXR 1.2 file of {args.posts:,} posts ({size / 2**20:.0f} MB; half block editor,"
        " half classic, 20 authors, 12 categories, two tags each, a link to an earlier post in"
        " every post and to a later one in one in fifty, a featured image on one in five from"
        " 50 attachments in `--media-dir`) imported by `manage.py import_wordpress` with"
        " production settings into the demo site; then the same file again, which must change"
        " nothing. Target: 10,000 posts in under 10 minutes.",
        "",
        "| database | first run, min | posts/s | second run, min | first run | second run |",
        "|---|---:|---:|---:|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['backend']} | {r['first'] / 60:.1f} | {args.posts / r['first']:.0f}"
            f" | {r['second'] / 60:.1f} | {r['articles']}; {r['images']} | {r['again']} |"
        )
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

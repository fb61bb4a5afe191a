"""A Substack export zip: posts.csv, one HTML file per post, the email list."""

import zipfile

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from wagtail.models import Page

from masthead.members.models import ComplimentaryAccess, Subscription
from masthead.newsroom.models import ArticlePage
from tests.importing.conftest import run, run_failing

pytestmark = pytest.mark.django_db
OPTIONS = {
    "author": "Annag Sinclair",
    "site_url": "https://skerrylight.substack.com",
    "default_section": "the-light",
}


def post(number):
    return ArticlePage.objects.get(imported_from=f"substack:{number}")


@pytest.fixture
def imported(home, substack_zip):
    return run("import_substack", substack_zip, **OPTIONS)


def test_audience_decides_access_and_threads_are_skipped(imported):
    assert post(151000001).access == "free"  # everyone
    assert post(151000002).access == "subscribers"  # only_paid
    assert post(151000003).access == "metered"  # only_free
    assert not post(151000004).live  # unpublished
    assert not ArticlePage.objects.filter(imported_from="substack:151000005").exists()
    assert "Ask me anything [151000005.thread-ask-me-anything]: a thread (not a post)" in imported
    lighthouse = post(151000001)
    assert lighthouse.dek == "A fault the keepers saw coming"
    assert lighthouse.date.isoformat() == "2026-01-12T07:00:00+00:00"
    assert [a.title for a in lighthouse.authors()] == ["Annag Sinclair"]
    assert lighthouse.get_parent().slug == "the-light"
    body = [(b["type"], b["value"]) for b in lighthouse.body.raw_data]
    assert f'<a linktype="page" id="{post(151000002).pk}">Their pay dispute</a>' in body[1][1]
    # Substack's subscribe form is not article text; the report says it went.
    assert "removed a <form> element" in imported
    assert "lamp.jpg is missing" in imported


def test_old_addresses_and_a_second_run(imported, client, substack_zip):
    for slug, number in [("why-the-lighthouse-went-dark", 151000001),
                         ("keepers-pay-dispute", 151000002)]:  # fmt: skip
        for old in (f"/p/{slug}", f"/p/{slug}/"):
            response = client.get(old)
            assert (response.status_code, response["Location"]) == (301, post(number).url)
    pages = Page.objects.count()
    again = run("import_substack", substack_zip, **OPTIONS)
    assert "articles: 4 unchanged" in again and "created" not in again
    assert Page.objects.count() == pages


def test_subscribers_become_accounts_unverified_and_comps_get_access(imported):
    users = get_user_model().objects
    morag = users.get(email="morag@readers.example")
    assert not EmailAddress.objects.get(user=morag).verified  # Substack never confirmed it
    # Paying on Substack, but Stripe is not configured here: a free account.
    assert not Subscription.objects.filter(user=morag).exists()
    assert "1 member(s) are paying in the export" in imported
    keeper = users.get(email="keeper@skerrytrust.example")
    assert ComplimentaryAccess.objects.current().filter(user=keeper).exists()
    assert users.filter(email="finlay@readers.example").exists()


def hostile_zip(tmp_path, name, data=b"<p>x</p>", **info):
    target = tmp_path / "hostile.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("posts.csv", "post_id,post_date,is_published,type,audience,title\n")
        entry = zipfile.ZipInfo(name)
        for key, value in info.items():
            setattr(entry, key, value)
        bundle.writestr(entry, data, compress_type=zipfile.ZIP_DEFLATED)
    return target


@pytest.mark.parametrize(
    "name, info, message",
    [
        ("../../etc/evil.html", {}, "points outside the export's folder"),
        ("/etc/evil.html", {}, "points outside the export's folder"),
        ("posts/../../evil.html", {}, "points outside the export's folder"),
        ("C:/evil.html", {}, "points outside the export's folder"),
        ("posts/link.html", {"external_attr": 0o120777 << 16}, "is a link"),
    ],
)
def test_a_zip_that_reaches_outside_its_folder_is_refused_whole(
    home, tmp_path, name, info, message
):
    pages = Page.objects.count()
    with pytest.raises(CommandError, match=message):
        run("import_substack", hostile_zip(tmp_path, name, **info))
    assert Page.objects.count() == pages


def test_a_zip_bomb_and_a_damaged_zip_are_refused(home, tmp_path):
    with pytest.raises(CommandError, match="expands to"):
        run("import_substack", hostile_zip(tmp_path, "posts/1.a.html", data=b"0" * 10_000_000))
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(b"PK\x03\x04 this is not the rest of a zip")
    with pytest.raises(CommandError, match="not a readable zip file"):
        run("import_substack", damaged)
    empty = tmp_path / "empty.zip"
    zipfile.ZipFile(empty, "w").close()
    with pytest.raises(CommandError, match="has no posts.csv"):
        run("import_substack", empty)


def test_a_post_whose_file_is_missing_or_not_utf8_fails_alone(home, tmp_path, substack_zip):
    target = tmp_path / "partial.zip"
    with zipfile.ZipFile(substack_zip) as source, zipfile.ZipFile(target, "w") as bundle:
        for item in source.infolist():
            if item.filename == "posts/151000003.notes-from-the-rock.html":
                bundle.writestr(item.filename, "<p>Caf\xe9 on the rock</p>".encode("latin-1"))
            elif item.filename != "posts/151000002.keepers-pay-dispute.html":
                bundle.writestr(item, source.read(item))
    output = run_failing("import_substack", target)
    assert "the zip has no posts/151000002.keepers-pay-dispute.html" in output
    assert "posts/151000003.notes-from-the-rock.html is not UTF-8" in output
    assert post(151000001).live
    assert not ArticlePage.objects.filter(imported_from="substack:151000003").exists()

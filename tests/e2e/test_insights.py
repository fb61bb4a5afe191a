"""An editor reads Insights in a browser: the demo's history in charts and
tables, a section filter, a CSV download, and a reader who meets the wall in
another browser counted within a minute."""

import csv
import io
import time
from io import StringIO

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from masthead.newsroom.models import ArticlePage, SectionPage


def figure(page, name) -> int:
    return int(page.locator(f'[data-figure="{name}"]').inner_text())


def test_an_editor_reads_the_numbers_and_sees_a_new_wall_counted(
    live_server, browser, page, screenshot, settings
):
    # Counts are written as they are in production: by a thread, every second here.
    settings.MASTHEAD_INSIGHTS_FLUSH_SECONDS = 1
    call_command("load_demo", stdout=StringIO())
    editor = get_user_model().objects.create_user(
        "analyst", "analyst@newsroom.example", "an-analyst-password-1"
    )
    EmailAddress.objects.create(user=editor, email=editor.email, primary=True, verified=True)
    group = Group.objects.create(name="Insights readers")
    group.permissions.set(Permission.objects.filter(codename__in=["access_admin", "view_insights"]))
    editor.groups.add(group)
    url = live_server.url

    page.goto(url + "/admin/login/")
    page.fill("input[name=login]", "analyst@newsroom.example")
    page.fill("input[name=password]", "an-analyst-password-1")
    page.press("input[name=password]", "Enter")
    page.wait_for_url(url + "/admin/")
    page.get_by_role("link", name="Insights").click()
    page.wait_for_url(url + "/admin/insights/")

    # The demo's history: a funnel, revenue and cohorts, each chart with a name.
    assert figure(page, "readers") > figure(page, "walled_readers") > 0
    assert figure(page, "paid_starts") > 0
    for name in (
        "Readers and walled readers per day",
        "Registrations, trial starts and paid starts per day",
        "Monthly recurring revenue",
        "Paying subscribers and trials",
    ):
        assert page.get_by_role("img", name=name).is_visible(), name
    assert page.locator("#cohorts tbody tr").count() >= 1
    screenshot("insights-dashboard")

    # One section: fewer readers than the whole site.
    everyone = figure(page, "readers")
    section = SectionPage.objects.live().order_by("title").first()
    page.select_option("select[name=section]", str(section.pk))
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"**section={section.pk}**")
    assert 0 < figure(page, "readers") < everyone
    screenshot("insights-one-section")

    # The funnel as CSV: the day-by-day rows and the total.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the funnel (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))
    assert rows[-1]["day"] == "total" and int(rows[-1]["readers"]) == figure(page, "readers")

    # Another browser: a reader spends the allowance and meets the wall.
    page.goto(url + "/admin/insights/")
    before = figure(page, "walled_readers")
    reader = browser.new_context().new_page()
    for article in (
        ArticlePage.objects.live()
        .filter(locale__language_code="en")
        .filter(access="metered")
        .order_by("-date")[:4]
    ):
        reader.goto(url + article.url)
    assert reader.locator(".wall").is_visible()
    started = time.monotonic()
    while True:
        page.reload()
        if figure(page, "walled_readers") == before + 1:
            break
        assert time.monotonic() - started < 60, "the wall was not counted within a minute"
        time.sleep(1)
    reader.context.close()

"""The Insights area: who may open it, what it shows, its CSV files, and
what it does with filters it cannot use."""

import csv
import io

import pytest
from django.test import Client

from masthead.insights import record
from tests import factories

pytestmark = pytest.mark.django_db
RANGE = "since=2026-01-01&until=2026-03-31"


def test_only_staff_with_the_permission_may_look():
    anonymous = Client().get("/admin/insights/")
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    editor = factories.admin_client("editor")
    assert editor.get("/admin/insights/").status_code == 403
    assert editor.get(f"/admin/insights/funnel.csv?{RANGE}").status_code == 403
    assert "/admin/insights/" not in editor.get("/admin/").text
    reader = Client()
    reader.force_login(factories.reader())
    assert reader.get("/admin/insights/").status_code in (302, 403)
    analyst = factories.admin_client("analyst", "view_insights")
    assert analyst.get("/admin/insights/").status_code == 200
    assert "/admin/insights/" in analyst.get("/admin/").text


def test_the_dashboard_shows_the_history(history):
    analyst = factories.admin_client("analyst", "view_insights")
    page = analyst.get(f"/admin/insights/?{RANGE}")
    assert page.status_code == 200
    text = page.text
    assert 'data-figure="paid_starts">5<' in text
    assert 'data-figure="trial_starts">2<' in text
    assert "<svg" in text and 'role="img"' in text
    assert "$32.17" in text  # March's closing MRR
    assert "Article Y" in text
    by_section = analyst.get(f"/admin/insights/?{RANGE}&section={history['defence'].pk}&window=30")
    assert 'data-figure="paid_starts">1<' in by_section.text


def test_each_table_downloads_as_csv(history):
    analyst = factories.admin_client("analyst", "view_insights")
    for table in ("funnel", "revenue", "movements", "cohorts", "articles", "sections"):
        response = analyst.get(f"/admin/insights/{table}.csv?{RANGE}")
        assert response.status_code == 200, table
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert len(rows) > 1, table
    funnel = list(
        csv.DictReader(
            io.StringIO(analyst.get(f"/admin/insights/funnel.csv?{RANGE}").content.decode())
        )
    )
    assert funnel[-1]["day"] == "total" and funnel[-1]["paid_starts"] == "5"
    assert analyst.get(f"/admin/insights/passwords.csv?{RANGE}").status_code == 404


def test_a_title_a_spreadsheet_would_run_is_quoted(history):
    history["x"].title = '=HYPERLINK("http://evil.example")'
    history["x"].save()
    analyst = factories.admin_client("analyst", "view_insights")
    text = analyst.get(f"/admin/insights/articles.csv?{RANGE}").content.decode()
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text


@pytest.mark.parametrize(
    "query",
    [
        "since=2026-02-30",
        "since=yesterday",
        "since=2026-03-01&until=2026-01-01",
        "since=2000-01-01&until=2026-01-01",
        "section=abc",
        "section=999999",
        "plan=999999",
        "window=3",
        "window=%00",
        "until=9999-12-31&since=9999-12-01",
        "until=0001-01-05",
        "since=0001-01-01&until=0001-01-31",
        "until=1999-12-31",
    ],
)
def test_filters_it_cannot_use_are_a_400_that_says_why(query):
    analyst = factories.admin_client("analyst", "view_insights")
    page = analyst.get(f"/admin/insights/?{query}")
    assert page.status_code == 400, query
    assert "error" in page.text
    assert analyst.get(f"/admin/insights/funnel.csv?{query}").status_code == 400


def test_a_wall_met_now_shows_once_written(client):
    section = factories.section(factories.site(), "World")
    article = factories.article(section, "Walled today", access="subscribers")
    client.get(article.url)
    record.flush()
    analyst = factories.admin_client("analyst", "view_insights")
    assert 'data-figure="walled_readers">1<' in analyst.get("/admin/insights/").text


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options", "trace"])
def test_insights_only_answers_get_and_head(method):
    analyst = factories.admin_client("analyst", "view_insights")
    analyst.handler.enforce_csrf_checks = False
    for path in ("/admin/insights/", "/admin/insights/funnel.csv"):
        assert getattr(analyst, method)(path).status_code == 405, (method, path)
    assert analyst.head("/admin/insights/").status_code == 200

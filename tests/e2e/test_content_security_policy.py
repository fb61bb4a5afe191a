"""The Content-Security-Policy blocks nothing the site or Wagtail's editor needs."""

from io import StringIO

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management import call_command

from masthead.newsroom.models import ArticlePage

# Records every violation the browser reports, from the first script on.
LISTEN = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__violations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


def watch(page):
    console = []
    page.add_init_script(LISTEN)
    page.on("console", lambda message: console.append(message.text))
    return lambda: (
        page.evaluate("window.__violations")
        + [text for text in console if "Content Security Policy" in text]
    )


def test_public_pages_carry_a_strict_policy_and_break_nothing(live_server, page):
    call_command("load_demo", stdout=StringIO())
    article = (
        ArticlePage.objects.live().filter(locale__language_code="en").order_by("-date").first()
    )
    violations = watch(page)

    response = page.goto(live_server.url + article.url)
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'self'" in policy
    assert page.locator(".article__lead-image img").evaluate("img => img.naturalWidth > 0")
    page.goto(live_server.url + "/subscribe/")
    page.goto(live_server.url + "/accounts/login/")
    assert violations() == []


def test_the_editor_works_under_its_policy(live_server, page, screenshot):
    call_command("load_demo", stdout=StringIO())
    editor = get_user_model().objects.create_superuser(
        "editor", "editor@example.com", "editor-password-1"
    )
    EmailAddress.objects.create(user=editor, email=editor.email, primary=True, verified=True)
    article = (
        ArticlePage.objects.live().filter(locale__language_code="en").order_by("-date").first()
    )
    violations = watch(page)

    # The admin's login sends editors to the one sign-in page, allauth's.
    page.goto(live_server.url + "/admin/")
    page.wait_for_url("**/accounts/login/**")
    page.fill("input[name=login]", "editor@example.com")
    page.fill("input[name=password]", "editor-password-1")
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(live_server.url + "/admin/")
    page.goto(f"{live_server.url}/admin/pages/{article.pk}/edit/")
    page.wait_for_load_state("networkidle")

    title = page.locator("#id_title")
    assert title.input_value() == article.title
    # Wagtail's scripts ran: the editor's side panels and actions are live.
    page.get_by_role("button", name="Toggle preview").click()
    page.wait_for_timeout(1500)
    screenshot("editor-under-csp")
    found = violations()
    # Leave the editor before the test's database is emptied: it says goodbye
    # to the server (an editing-session release) as the page unloads.
    page.goto("about:blank")
    page.wait_for_timeout(500)
    assert found == []

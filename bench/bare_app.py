"""The framework's ceiling: a bare Django view returning a saved article page's bytes.

Served by the same gunicorn configuration as Masthead itself, so the gap
between this and the real page is what Masthead's own work costs.
"""

import os
from pathlib import Path

from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-bare-view",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
)

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import re_path  # noqa: E402

PAGE = Path(os.environ["BENCH_PAGE"]).read_bytes()


def page(request, path=""):
    return HttpResponse(PAGE, content_type="text/html; charset=utf-8")


urlpatterns = [re_path(r"^(?P<path>.*)$", page)]
application = get_wsgi_application()

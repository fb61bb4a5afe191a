"""Uploaded files served by Django itself, for single-box installs (``SERVE_MEDIA``).

Django's ``static.serve`` already refuses paths that climb out of the media
folder; what it does not expect is a name the filesystem refuses to look at
(too long, or not encodable), which would be an ``OSError`` and a 500. Any
file that cannot be looked at is not there.
"""

from django.http import Http404
from django.views.decorators.http import require_safe
from django.views.static import serve


@require_safe
def serve_media(request, path, document_root):
    try:
        return serve(request, path, document_root=document_root)
    except (OSError, ValueError) as exc:
        raise Http404("No such file.") from exc

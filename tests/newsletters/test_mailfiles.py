"""The demo's mail: a file per message, announced in the terminal."""

import io
from email import message_from_bytes

from django.core.mail import EmailMessage, EmailMultiAlternatives

from masthead.newsletters.mailfiles import EmailBackend


def test_each_message_is_a_file_of_its_own_named_for_its_recipient(tmp_path):
    out = io.StringIO()
    backend = EmailBackend(file_path=tmp_path, stream=out)
    code = EmailMessage("Your sign-in code", "Code: 123456", "news@example.org", ["a@example.com"])
    issue = EmailMultiAlternatives(
        "Tuesday",
        "The text",
        "news@example.org",
        ["b/../../x@example.com"],
        headers={"List-Id": "Briefing <briefing.example>"},
    )
    issue.attach_alternative("<p>The text</p>", "text/html")
    assert backend.send_messages([code, issue, EmailMessage("No one", "x", None, [])]) == 2
    files = sorted(tmp_path.iterdir())
    assert len(files) == 2 and all(f.parent == tmp_path and f.suffix == ".eml" for f in files)
    assert files[0].name.endswith("-a@example.com.eml")
    parsed = message_from_bytes(files[1].read_bytes())
    assert parsed["Subject"] == "Tuesday" and parsed.is_multipart()
    said = out.getvalue()
    assert "Code: 123456" in said  # a message to one reader is shown whole
    assert "Newsletter to b/../../x@example.com written to" in said and "The text" not in said

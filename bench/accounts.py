#!/usr/bin/env python
"""Do the account forms answer alike for a registered and an unknown address?

Starts gunicorn with production settings (the real password hasher) on a
fresh SQLite database, registers one reader, then times sign-up, password
login, login-by-code and password-reset requests, alternating a registered
address with a new one, each from its own client address (through a trusted
proxy, so allauth's per-address limits do not interfere) and with a fresh
CSRF token. Prints the median and 90th percentile of each, and the ratio
between the two kinds; a ratio far from 1 lets an attacker tell which
addresses have accounts.

    .venv/bin/python bench/accounts.py              # 30 rounds each
    .venv/bin/python bench/accounts.py --rounds 10

Timing is measured here, never asserted in tests: the tests check that both
paths do the same work (tests/members/test_account_security.py).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers import AppServer, Browser, manage, production_env, shell  # noqa: E402

# One registered address per round and form, like the unknown ones: allauth's
# per-address limits (five failed logins, one email in ten seconds) would
# otherwise answer quickly for an address asked about again and again.
KNOWN = "registered{n}.{i}@example.com"
PASSWORD = "a sturdy passphrase"


def timed(browser: Browser, path: str, data: dict) -> float:
    token = browser.csrf_token(path)
    started = time.perf_counter()
    response = browser.post(path, {"csrfmiddlewaretoken": token, **data})
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status < 500, (path, response.status)
    return elapsed


def forms(email: str) -> dict:
    return {
        "sign-up": (
            "/accounts/signup/",
            {"email": email, "password1": PASSWORD, "password2": PASSWORD},
        ),
        "password login": ("/accounts/login/", {"login": email, "password": "wrong password"}),
        "login code": ("/accounts/login/code/", {"email": email}),
        "password reset": ("/accounts/password/reset/", {"email": email}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = production_env(f"sqlite:///{tmp}/accounts.sqlite3", TRUSTED_PROXIES="127.0.0.1")
        manage(env, "migrate", "--no-input")
        shell(
            env,
            "from django.contrib.auth import get_user_model\n"
            "from django.contrib.auth.hashers import make_password\n"
            "from allauth.account.models import EmailAddress\n"
            f"hashed = make_password('{PASSWORD}')\n"
            f"for n in range({args.rounds}):\n"
            "    for i in range(4):\n"
            f"        email = '{KNOWN}'.format(n=n, i=i)\n"
            "        u = get_user_model().objects.create_user(email, email)\n"
            "        u.password = hashed\n"
            "        u.save()\n"
            "        EmailAddress.objects.create(\n"
            "            user=u, email=email, primary=True, verified=True\n"
            "        )\n"
            "print('ok')",
        )
        results: dict[str, dict[str, list[float]]] = {}
        with AppServer(env, workers=1, log=Path(tmp) / "server.log") as server:
            client = 0
            for n in range(args.rounds):
                for kind in ("registered", "unknown"):
                    for i, form in enumerate(forms("")):
                        # A new address for every form: a sign-up makes an account.
                        email = (
                            KNOWN if kind == "registered" else "new{n}.{i}@example.com"
                        ).format(n=n, i=i)
                        path, data = forms(email)[form]
                        client += 1
                        browser = Browser(server.base)
                        address = f"10.{client // 65536}.{client // 256 % 256}.{client % 256}"
                        browser.headers = {"X-Forwarded-For": address}
                        elapsed = timed(browser, path, data)
                        if n:  # the first round warms the server up
                            results.setdefault(form, {}).setdefault(kind, []).append(elapsed)
    print(f"{'form':<16}{'registered ms (p50/p90)':>26}{'unknown ms (p50/p90)':>24}{'ratio':>8}")
    for form, kinds in results.items():
        cells, medians = [], []
        for kind in ("registered", "unknown"):
            values = sorted(kinds[kind])
            p50 = statistics.median(values)
            p90 = values[int(len(values) * 0.9) - 1]
            medians.append(p50)
            cells.append(f"{p50:.0f} / {p90:.0f}")
        print(f"{form:<16}{cells[0]:>26}{cells[1]:>24}{medians[0] / medians[1]:>8.2f}")


if __name__ == "__main__":
    main()

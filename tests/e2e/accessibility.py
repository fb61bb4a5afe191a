"""axe-core in the browser tests: every reader state is audited against the
WCAG 2.0/2.1/2.2 A and AA rules and axe's best practices, and a single
violation of any impact fails the test.

axe-core is the copy shipped inside the axe-playwright-python package
(nothing is downloaded when the tests run). No rule is disabled.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import ARTIFACTS

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
OPTIONS = {"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]}
PHONE = {"width": 390, "height": 844}
# 1280 CSS pixels zoomed to 400 % (WCAG 1.4.10, reflow): 320 wide.
ZOOMED = {"width": 320, "height": 256}
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"

axe = Axe()


def violations(page) -> list[dict]:
    """Every violation axe finds on the page as it is now."""
    return axe.run(page, options=OPTIONS).response["violations"]


def describe(found: list[dict]) -> str:
    lines = []
    for violation in found:
        lines.append(f"  {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"      {', '.join(map(str, node['target']))}: {node['html'][:160]}")
    return "\n".join(lines)


@dataclass
class Audit:
    """Audits states one after another and reports every violation at the
    end, so a run shows all of them rather than the first."""

    prefix: str
    failures: list[str] = field(default_factory=list)
    states: list[str] = field(default_factory=list)

    def check(self, page, name: str, *, phone: bool = False) -> None:
        page.wait_for_load_state("load")
        found = violations(page)
        state = f"{self.prefix}-{name}"
        self.states.append(state)
        if found:
            self.failures.append(f"{state} ({page.url}):\n{describe(found)}")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"a11y-{state}.png"), full_page=True)
        if phone:
            size = page.viewport_size
            page.set_viewport_size(PHONE)
            found = violations(page)
            if found:
                self.failures.append(f"{state} at phone width ({page.url}):\n{describe(found)}")
            page.screenshot(path=str(ARTIFACTS / f"a11y-{state}-phone.png"), full_page=True)
            # Zoomed to 400 %: everything reflows into one column, nothing
            # needs scrolling sideways.
            page.set_viewport_size(ZOOMED)
            overflow = page.evaluate(OVERFLOW)
            if overflow > 0:
                self.failures.append(f"{state} at 400 % zoom scrolls sideways by {overflow}px")
            page.set_viewport_size(size)

    def assert_clean(self) -> None:
        assert not self.failures, "axe found violations:\n" + "\n".join(self.failures)

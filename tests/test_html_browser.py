"""S3's HTML page in a real browser (Debian's Chromium, headless, driven by Playwright): no console
errors and nothing fetched, MathJax typesets, a step's button shows its hint and then the step."""

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from symgrad.worksheets.rendering import render_html
from symgrad.worksheets.worksheet import load_worksheet

CHROMIUM = "/usr/bin/chromium"
S3 = Path(__file__).parent.parent / "worksheets" / "s3_backprop_by_hand.py"

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="Chromium is not installed (make setup)")]
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (make setup)")


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """S3's teacher's page loaded and typeset; its console messages and requests recorded."""
    path = render_html(load_worksheet(S3), tmp_path_factory.mktemp("browser"), answers=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        tab = browser.new_page(viewport={"width": 1000, "height": 1400})
        loaded = SimpleNamespace(tab=tab, url=path.as_uri(), errors=[], requests=[])
        tab.on("console", lambda m: loaded.errors.append(m.text) if m.type in ("error", "warning") else None)
        tab.on("pageerror", lambda e: loaded.errors.append(str(e)))
        tab.on("request", lambda r: loaded.requests.append(r.url))
        tab.goto(loaded.url)
        tab.wait_for_selector("mjx-container svg", state="attached", timeout=10_000)
        yield loaded
        browser.close()


def test_the_page_loads_without_errors_and_fetches_nothing(page):
    assert page.errors == []
    assert page.requests == [page.url]


def test_mathjax_typesets_every_formula(page):
    tab = page.tab
    assert tab.locator("mjx-container").count() == tab.locator(".tex").count() > 50
    assert tab.locator("[data-mjx-error]").count() == 0  # no formula MathJax could not read


def test_a_steps_button_shows_its_hint_then_the_step(page, tmp_path):
    tab = page.tab
    step = tab.locator("#q4 li.step").first
    button, hint, work = step.locator("button.reveal"), step.locator(".hint"), step.locator(".work")
    second = tab.locator("#q4 li.step").nth(1)
    assert button.is_visible() and not hint.is_visible() and not work.is_visible() and not second.is_visible()
    button.click()
    assert hint.is_visible() and not work.is_visible() and button.text_content() == "Show the step"
    button.click()
    assert work.is_visible() and not button.is_visible() and second.is_visible()
    assert work.locator("mjx-container").count() == 1
    tab.screenshot(path=tmp_path / "s3.png", full_page=True)
    assert (tmp_path / "s3.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("tex", [r"\href{javascript:alert(1)}{x}", r"\class{c}{x}", r"\style{color:red}{x}",
                                 r"\cssId{i}{x}", r"\require{html}\href{javascript:alert(1)}{x}"])
def test_mathjax_here_cannot_link_or_style(page, tex):
    drawn = page.tab.evaluate("tex => MathJax.tex2svg(tex).outerHTML", tex)
    assert "<a " not in drawn and "javascript" not in drawn.split("<mjx-assistive-mml")[0]
    assert 'class="c"' not in drawn and 'id="i"' not in drawn and "color:red" not in drawn
    assert page.errors == []

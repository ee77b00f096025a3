"""Screenshot pages as a person sees them, at a phone viewport and at desktop width.

    python -m tests.e2e.shoot http://127.0.0.1:8000/ var/shots/home [--login admin:PASSWORD]

writes var/shots/home-phone.png and var/shots/home-desktop.png using the machine's
Chromium (no browser download). Used while building pages; not part of `make test`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from urllib.parse import urljoin

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS = {"phone": (390, 844), "desktop": (1366, 900)}


def shoot(
    url: str, out: str, login: str | None = None, full_page: bool = True
) -> list[str]:
    from playwright.sync_api import sync_playwright

    written = []
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        for name, (width, height) in VIEWPORTS.items():
            context = browser.new_context(
                viewport={"width": width, "height": height},
                device_scale_factor=1,
                locale="zh-CN",
                is_mobile=name == "phone",
                has_touch=name == "phone",
            )
            page = context.new_page()
            if login:
                username, password = login.split(":", 1)
                page.goto(urljoin(url, "/accounts/login/"))
                page.fill("input[name=username]", username)
                page.fill("input[name=password]", password)
                page.click("main form button[type=submit]")
                page.wait_for_load_state("networkidle")
            page.goto(url)
            page.wait_for_load_state("networkidle")
            path = f"{out}-{name}.png"
            page.screenshot(path=path, full_page=full_page)
            written.append(path)
            context.close()
        browser.close()
    return written


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("out")
    parser.add_argument("--login", help="username:password")
    parser.add_argument("--viewport-only", action="store_true")
    a = parser.parse_args()
    for path in shoot(a.url, a.out, a.login, full_page=not a.viewport_only):
        print(path)  # noqa: T201

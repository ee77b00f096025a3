"""Clients the fault tests drive the servers with: respondents filling in a unit
link's questionnaire as a browser would, and a live scorecard socket that behaves like
the page's script (surveys/static/surveys/live.js)."""

from __future__ import annotations

import asyncio
import html
import json
import re
import threading
import time
from dataclasses import dataclass, field

import requests

CHOICE = re.compile(r'<input type="(?:radio|checkbox)" name="(q_\w+)" value="([^"]*)"')
TEXT = re.compile(r'<textarea [^>]*name="(q_\w+)"')
HIDDEN = re.compile(r'name="(csrfmiddlewaretoken|idempotency_key)" value="([^"]*)"')
TIMEOUT = 10


class Unavailable(Exception):
    """The server answered with an error page or not at all."""


def form_fields(page: str) -> dict[str, str | list[str]]:
    """What a respondent sends: the form's hidden fields, the first option of every
    choice question (the values are the form's own, recognition tokens included) and a
    short text for every text question."""
    fields: dict[str, str | list[str]] = {
        name: html.unescape(value) for name, value in HIDDEN.findall(page)
    }
    for name, value in CHOICE.findall(page):
        fields.setdefault(name, html.unescape(value))
    for name in TEXT.findall(page):
        fields[name] = "故障期间的回答"
    if "idempotency_key" not in fields or "csrfmiddlewaretoken" not in fields:
        raise ValueError("not a questionnaire")
    return fields


@dataclass
class Submission:
    key: str
    statuses: list[int | str] = field(default_factory=list)
    accepted: bool = False
    started: float = 0.0
    finished: float = 0.0


class Respondent:
    """One person with a fresh browser (no cookies) answering a unit link."""

    def __init__(self, base: str, path: str):
        self.base, self.path = base, path
        self.session = requests.Session()
        self.statuses: list[int | str] = []

    def _request(self, method: str, **kwargs) -> requests.Response:
        try:
            reply = self.session.request(
                method,
                self.base + self.path,
                timeout=TIMEOUT,
                allow_redirects=False,
                **kwargs,
            )
        except requests.RequestException as error:
            self.statuses.append(type(error).__name__)
            raise Unavailable(type(error).__name__) from error
        self.statuses.append(reply.status_code)
        return reply

    def open_form(self) -> dict:
        reply = self._request("GET")
        if reply.status_code != 200:
            raise Unavailable(reply.status_code)
        return form_fields(reply.text)

    def post(self, fields: dict) -> requests.Response:
        return self._request("POST", data=fields)


def thanked(reply: requests.Response) -> bool:
    return reply.status_code == 302 and "/thanks/" in reply.headers.get("Location", "")


def submit(base: str, path: str, *, retry_until: float | None = None) -> Submission:
    """Open the form and send it once; with `retry_until` (a monotonic deadline), open
    it again until it opens and send the same filled-in form (same idempotency key)
    again until the server accepts it, as a person pressing 提交 again would."""
    respondent = Respondent(base, path)
    started = time.monotonic()
    while True:
        try:
            fields = respondent.open_form()
            break
        except Unavailable:
            if retry_until is None or time.monotonic() > retry_until:
                raise
            time.sleep(0.2)
    submission = Submission(key=fields["idempotency_key"], started=started)
    while True:
        try:
            reply = respondent.post(fields)
        except Unavailable:
            reply = None
        if reply is not None and thanked(reply):
            submission.accepted = True
            break
        if retry_until is None or time.monotonic() > retry_until:
            break
        time.sleep(0.2)
    submission.statuses = respondent.statuses
    submission.finished = time.monotonic()
    return submission


class ScorecardWatcher:
    """The manager's live scorecard, in a thread of its own. Like live.js it keeps one
    socket open and, only when the server closes it, reconnects after 2 s (doubling to
    30 s); it never reconnects on its own initiative."""

    def __init__(self, url: str, *, cookie: str, origin: str, unit: str):
        self.url, self.cookie, self.origin, self.unit = url, cookie, origin, unit
        self.pushes: list[tuple[float, int, str]] = []  # (time, participants, notice)
        self.connections = 0
        self.closes: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def participants(self) -> int | None:
        return self.pushes[-1][1] if self.pushes else None

    def wait_for(self, predicate, timeout: float) -> tuple[float, int, str] | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for push in list(self.pushes):
                if predicate(push):
                    return push
            time.sleep(0.05)
        return None

    def _run(self) -> None:
        asyncio.run(self._watch())

    async def _watch(self) -> None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import WebSocketException

        delay = 2.0
        while not self._stop.is_set():
            try:
                async with connect(
                    self.url,
                    origin=self.origin,
                    additional_headers={"Cookie": self.cookie},
                    open_timeout=TIMEOUT,
                ) as socket:
                    self.connections += 1
                    delay = 2.0
                    while not self._stop.is_set():
                        try:
                            raw = await asyncio.wait_for(socket.recv(), 0.2)
                        except TimeoutError:
                            continue
                        self._received(json.loads(raw))
            except (OSError, WebSocketException):
                pass
            if self._stop.is_set():
                return
            self.closes.append(time.monotonic())
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)

    def _received(self, message: dict) -> None:
        if message.get("type") != "scorecard":
            return
        rows = {row["unit_code"]: row for row in message["units"]}
        self.pushes.append(
            (
                time.monotonic(),
                rows[self.unit]["participants"],
                message.get("notice", ""),
            )
        )

"""Locust scenario for `manage.py loadtest`: police officers in the Dataview, members reporting
incidents with photos through the report page, administrators reviewing them.

Run by the command, which passes the accounts (LOADTEST_ACCOUNTS, a JSON file), where to log
each report sent (LOADTEST_SENT_LOG) and the project on PYTHONPATH for the request names.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import random
import re
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

from locust import HttpUser, between, task
from PIL import Image

from devtools.loadtest.codes import totp_code
from devtools.loadtest.names import (
    DATAVIEW,
    DATAVIEW_FILTERED,
    DATAVIEW_NEXT,
    HOME,
    PHOTO,
    PROFILE,
    REPORT_FORM,
    REPORT_RESEND,
    REPORT_SEND,
    REVIEW_ACCEPT,
    REVIEW_INCIDENT,
    REVIEW_LIST,
    SERVER_ERROR,
    SIGN_IN,
    SIGN_IN_PAGE,
    THUMBNAIL,
    TWO_FACTOR,
)

FILTERS = (
    "gender=male",
    "gender=female&build=slim",
    "q=smith",
    "status=id_sought",
    "build=medium&q=jones",
)
CATEGORIES = ("theft", "violence", "abuse", "asb", "damage", "fraud", "other")
PROFILE_LINK = re.compile(r'href="(/p/[\w-]+/profiles/\d+/)"')
PHOTO_LINK = re.compile(r'"(/p/[\w-]+/photos/[\w-]+/)(?:thumb/)?"')
INCIDENT_LINK = re.compile(r'href="(/p/[\w-]+/incidents/\d+/)"')
INCIDENT_PHOTO_LINK = re.compile(r'"(/p/[\w-]+/incident-photos/[\w-]+/thumb/)"')
NEXT_LINK = re.compile(r'<a href="\?([^"]*)"[^>]*>Next')
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SUBMISSION_KEY = re.compile(r'name="submission_key" value="([^"]+)"')
STORED_INCIDENT = re.compile(r"/incidents/\d+/$")
SIGNED_OUT = re.compile(r"/(login|two-factor)/")


def _accounts() -> dict[str, list[dict[str, Any]]]:
    path = os.environ.get("LOADTEST_ACCOUNTS")
    if not path:
        return {"police": [], "admin": [], "member": []}
    with open(path) as file:
        accounts: dict[str, list[dict[str, Any]]] = json.load(file)
    return accounts


ACCOUNTS = _accounts()
_turns: dict[str, Iterator[dict[str, Any]]] = {
    role: itertools.cycle(people) for role, people in ACCOUNTS.items() if people
}
_turns_lock = threading.Lock()
_sent_lock = threading.Lock()


def account_next(role: str) -> dict[str, Any]:
    """Each simulated person signs in as the next account of their role, round the pool."""
    with _turns_lock:
        return next(_turns[role])


def sent_log(key: str, outcome: str) -> None:
    """One line per report sent, for the command's count of reports stored against sent."""
    path = os.environ.get("LOADTEST_SENT_LOG")
    if not path:
        return
    with _sent_lock, open(path, "a") as file:
        file.write(f"{key} {outcome}\n")


def _photo_jpeg(seed: int) -> bytes:
    """A CCTV-sized still of noise: distinct bytes, a real decode and re-encode for the worker."""
    rng = random.Random(seed)  # noqa: S311 - test pictures, not secrets
    small = Image.new("RGB", (16, 12))
    small.putdata([tuple(rng.randrange(256) for _ in range(3)) for _ in range(192)])
    out = io.BytesIO()
    small.resize((800, 600), Image.Resampling.BICUBIC).save(out, "JPEG", quality=85)
    return out.getvalue()


PHOTOS = [_photo_jpeg(seed) for seed in range(8)]


class SignedIn(HttpUser):
    """Someone who signs in with the password form, then browses with that session."""

    abstract = True
    role = ""
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.account = account_next(self.role)
        self.slug = self.account["slug"]
        page = self.client.get("/login/", name=SIGN_IN_PAGE)
        with self.client.post(
            "/login/",
            data={
                "username": self.account["email"],
                "password": self.account["password"],
                "csrfmiddlewaretoken": _field(CSRF_FIELD, page.text),
            },
            name=SIGN_IN,
            catch_response=True,
        ) as answer:
            if _judged(answer) and "/login/" in answer.url:
                answer.failure("sign in refused")
            second_factor = "/two-factor/" in (answer.url or "")
            landed = answer.text or ""
        if second_factor:
            # A code is accepted once: the command gives each simulated officer and administrator
            # an account of their own, so none types the code another has just used.
            with self.client.post(
                "/two-factor/",
                data={
                    "code": totp_code(self.account["totp_key"]),
                    "next": "/",
                    "csrfmiddlewaretoken": _field(CSRF_FIELD, landed),
                },
                name=TWO_FACTOR,
                catch_response=True,
            ) as answer:
                if _judged(answer) and "/two-factor/" in answer.url:
                    answer.failure("code refused")

    def csrf(self) -> str:
        return str(self.client.cookies.get("csrftoken", ""))

    def page(self, url: str, name: str) -> str:
        with self.client.get(url, name=name, catch_response=True) as answer:
            if _judged(answer) and SIGNED_OUT.search(answer.url or ""):
                # Otherwise the sign-in page, answered 200, would count as the page asked for.
                answer.failure("sent to sign in")
            return str(answer.text or "")


class Officer(SignedIn):
    """A police liaison officer: the Dataview, its filters and pages, profiles and photos."""

    role = "police"
    weight = 3

    def on_start(self) -> None:
        super().on_start()
        self.listing = ""

    @task(4)
    def dataview(self) -> None:
        self.listing = self.page(f"/p/{self.slug}/dataview/", DATAVIEW)

    @task(3)
    def dataview_filtered(self) -> None:
        query = random.choice(FILTERS)  # noqa: S311
        self.listing = self.page(f"/p/{self.slug}/dataview/?{query}", DATAVIEW_FILTERED)

    @task(2)
    def dataview_next(self) -> None:
        following = NEXT_LINK.search(self.listing)
        if following is None:
            return self.dataview()
        self.listing = self.page(
            f"/p/{self.slug}/dataview/?{following.group(1).replace('&amp;', '&')}", DATAVIEW_NEXT
        )

    @task(4)
    def profile(self) -> None:
        links = PROFILE_LINK.findall(self.listing)
        if not links:
            return self.dataview()
        shown = self.page(random.choice(links), PROFILE)  # noqa: S311
        photos = PHOTO_LINK.findall(shown)
        if photos:
            self.page(random.choice(photos), PHOTO)  # noqa: S311

    @task(2)
    def thumbnails(self) -> None:
        for url in PHOTO_LINK.findall(self.listing)[:5]:
            self.page(url + "thumb/", THUMBNAIL)


class Member(SignedIn):
    """A member at the till: opens the report page and sends a report with one or two photos;
    now and then the phone sends the same report again (same submission key)."""

    role = "member"
    weight = 2

    @task
    def report(self) -> None:
        url = f"/p/{self.slug}/incidents/new/"
        form = self.page(url, REPORT_FORM)
        key = _field(SUBMISSION_KEY, form) or str(uuid.uuid4())
        when = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(time.time() - 7200))
        fields = {
            "csrfmiddlewaretoken": _field(CSRF_FIELD, form),
            "submission_key": key,
            "occurred_at": when,
            "premises": str(self.account["premises"]),
            "category": random.choice(CATEGORIES),  # noqa: S311
            "description": "Took goods from the shelves and left without paying (load test).",
            "value_lost": "25.00",
            "value_recovered": "0.00",
        }
        files = [
            ("photos", (f"still-{n}.jpg", random.choice(PHOTOS), "image/jpeg"))  # noqa: S311
            for n in range(random.choice((1, 1, 2)))  # noqa: S311
        ]
        outcome = self._send(url, fields, files, REPORT_SEND)
        if outcome == "failed" or (outcome == "stored" and random.random() < 0.15):  # noqa: S311
            # The answer was lost (or the phone could not tell): the same report goes again.
            resent = self._send(url, fields, files, REPORT_RESEND)
            outcome = "stored" if "stored" in (outcome, resent) else resent
        sent_log(key, outcome)

    def _send(self, url: str, fields: dict[str, str], files: list[Any], name: str) -> str:
        with self.client.post(
            url, data=fields, files=files, name=name, catch_response=True
        ) as answer:
            if not _judged(answer):
                return "failed"
            if STORED_INCIDENT.search(answer.url or ""):
                return "stored"
            answer.failure("report refused by the form")
            return "refused"


class Administrator(SignedIn):
    """A partnership administrator: home, the reports awaiting review, one opened, accepted."""

    role = "admin"
    weight = 1

    @task(2)
    def home(self) -> None:
        self.page(f"/p/{self.slug}/", HOME)

    @task(3)
    def review(self) -> None:
        waiting = self.page(f"/p/{self.slug}/incidents/?status=submitted", REVIEW_LIST)
        links = INCIDENT_LINK.findall(waiting)
        if not links:
            return
        chosen = random.choice(links)  # noqa: S311
        shown = self.page(chosen, REVIEW_INCIDENT)
        for thumb in INCIDENT_PHOTO_LINK.findall(shown)[:2]:
            self.page(thumb, THUMBNAIL)
        if random.random() < 0.5:  # noqa: S311
            with self.client.post(
                chosen + "accept/",
                data={"csrfmiddlewaretoken": self.csrf()},
                name=REVIEW_ACCEPT,
                catch_response=True,
            ) as answer:
                _judged(answer)


def _field(pattern: re.Pattern[str], html: str) -> str:
    found = pattern.search(html or "")
    return found.group(1) if found else ""


def _judged(answer: Any) -> bool:
    """Mark the answer failed, server errors apart from the rest; True when it succeeded."""
    status = answer.status_code
    if status >= 500:
        answer.failure(f"{SERVER_ERROR} {status}")
    elif status == 0:
        answer.failure(f"no answer ({answer.error})")
    elif status >= 400:
        answer.failure(f"refused {status}")
    else:
        answer.success()
        return True
    return False

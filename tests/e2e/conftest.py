"""Browser tests: Playwright for Python driving Debian's /usr/bin/chromium (never a download)
against pytest-django's live server."""

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection

from shopflow.core.roles import ROLE_CODES

# Playwright's sync API runs an event loop in this thread; Django would refuse ORM calls then.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    if os.environ.get("SHOPFLOW_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"SHOPFLOW_REQUIRE_BROWSER=1 but {CHROMIUM} is missing (apt-get install chromium)")
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


def _sqlite_triggers() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        return dict(cursor.fetchall())


@pytest.fixture(scope="session")
def immutability_triggers(django_db_setup, django_db_blocker):
    """The SQLite triggers that keep audit events and stock moves immutable. The live server's
    flush after each test deletes rows, which they refuse (PostgreSQL truncates, which row
    triggers do not see); so they are dropped just for the flush and restored afterwards."""
    if connection.vendor != "sqlite":
        yield {}
        return
    with django_db_blocker.unblock():
        saved = _sqlite_triggers()
    yield saved
    with django_db_blocker.unblock():
        _restore(saved)


def _restore(saved: dict[str, str]) -> None:
    if not saved:
        return
    present = _sqlite_triggers()
    with connection.cursor() as cursor:
        for name, sql in saved.items():
            if name not in present:
                cursor.execute(sql)


def _drop(saved: dict[str, str]) -> None:
    if not saved:
        return
    with connection.cursor() as cursor:
        for name in saved:
            cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')


@pytest.fixture
def roles(transactional_db, immutability_triggers):
    """Live-server tests flush the database after each test, and with it the role groups that
    migration 0003 made; put them (and their permissions) back."""
    _restore(immutability_triggers)
    for code in ROLE_CODES:
        Group.objects.get_or_create(name=code)
    # A flush before this test (another transactional test's) may also have taken the content
    # types and permissions; post_migrate recreates them and syncs the roles' permissions.
    ContentType.objects.clear_cache()
    emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)
    yield
    _drop(immutability_triggers)  # this teardown runs just before the flush


@pytest.fixture
def open_as(browser, live_server, roles):
    """open_as(user) → a page signed in as that user through the login form (Chinese)."""
    contexts = []

    def make(user, password: str = "pass-1234"):
        context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1400, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("form button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="module", autouse=True)
def triggers_back_after_the_module(immutability_triggers, django_db_blocker):
    """The last test's teardown dropped the triggers for its flush; put them back once the module
    is done, so later (non-browser) tests find the database as migrations left it."""
    yield
    with django_db_blocker.unblock():
        _restore(immutability_triggers)

"""Security basics: every address in the URL conf (pages, admin, API) refuses anonymous callers;
forms need their CSRF token; the session cookie is HttpOnly and SameSite (Secure on request);
sign-in is throttled; a revoked API token is refused.

The URL conf is walked at collection time, so a page or route added later is covered without
editing this file; the few public addresses are listed in PUBLIC, each with its reason."""

import json
import os
import re
import subprocess
import sys

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from shopflow.core.tokens import api_token_create
from shopflow.web import login as throttle
from tests.factories import SupplierFactory, UserFactory

PASSWORD = "pass-1234"  # what tests.factories.UserFactory gives every user

# Public on purpose (route as written in the URL conf → why).
PUBLIC = {
    "login/": "the sign-in page",
    "admin/login/": "the admin's sign-in page",
    "logout/": "signing out; POST only, and an anonymous caller has nothing to sign out of",
    "admin/logout/": "the admin's sign-out, likewise",
    "i18n/setlang/": "the language switch, also offered on the sign-in page; it only sets a cookie",
    "api/v1/": "django-ninja's marker of the API's root: always an empty 404",
}
# Not in the URL conf but served before it: static files (WhiteNoise), public by nature.

SIGN_IN_PAGES = ("/login/", "/admin/login/")


def routes(patterns=None, prefix="") -> list[str]:
    """Every route of the URL conf, nested includes joined: "d/<slug:slug>/<int:pk>/"."""
    out = []
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            out += routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            out.append(prefix + str(p.pattern))
    return sorted(set(out))


def concrete(route: str) -> str:
    """A route → an address: path parameters 1 (numbers) or "x"; regex routes filled likewise."""
    url = re.sub(r"\(\?P<\w+>([^)]*)\)", lambda m: m.group(1).split("|")[0] if "|" in m.group(1) else "x", route)
    url = re.sub(r"<int:\w+>", "1", url)
    url = re.sub(r"<(?:\w+:)?\w+>", "x", url)
    url = url.replace("^", "").replace("$", "").replace("/?", "/").replace(".*", "x")
    return "/" + url


ROUTES = routes()


def test_the_walk_found_pages_admin_and_api():
    urls = {concrete(r) for r in ROUTES}
    assert {"/", "/login/", "/d/x/1/", "/m/x/", "/api/v1/documents", "/admin/", "/i18n/setlang/"} <= urls
    assert not [u for u in urls if re.search(r"[<>()?^$\\]", u)], "a route was not turned into an address"
    assert set(PUBLIC) <= set(ROUTES), "PUBLIC names a route that no longer exists"


def ends_at_sign_in(client: Client, method: str, url: str) -> tuple[bool, str]:
    """Whether the anonymous request is refused: 401 (API), 405 (method not served), or a chain
    of redirects that ends on a sign-in page. Returns (refused, what happened)."""
    response = getattr(client, method)(url)
    seen = [f"{response.status_code} {url}"]
    for _hop in range(5):
        if response.status_code in (401, 405):
            return True, " → ".join(seen)
        if response.status_code not in (301, 302):
            return False, " → ".join(seen)
        location = response["Location"]
        seen.append(f"{response.status_code} {location}")
        if location.split("?")[0] in SIGN_IN_PAGES:
            return True, " → ".join(seen)
        if "://" in location:  # never sent off-site
            return False, " → ".join(seen)
        response = client.get(location)
    return False, " → ".join(seen)


@pytest.mark.parametrize("route", [r for r in ROUTES if r not in PUBLIC])
def test_anonymous_callers_are_refused(db, route):
    client = Client()
    url = concrete(route)
    for method in ("get", "post"):
        refused, trail = ends_at_sign_in(client, method, url)
        assert refused, f"{method.upper()} {trail}"


def test_api_refusals_are_json_401(db):
    for route in [r for r in ROUTES if r.startswith("api/v1/") and "openapi" not in r and "docs" not in r
                  and r != "api/v1/"]:
        response = Client().get(concrete(route))
        if response.status_code == 405:
            continue
        assert response.status_code == 401, route
        assert response.json()["code"] == "not_authenticated", route


@pytest.mark.parametrize("route", sorted(PUBLIC))
def test_public_addresses_show_nothing_of_the_business(db, route, approved_po):
    response = Client().get(concrete(route))
    assert response.status_code in (200, 302, 404, 405), route
    body = response.content.decode(errors="replace")
    assert approved_po.display_number not in body and approved_po.supplier.name not in body


def test_the_language_switch_sends_nobody_off_site(db):
    response = Client().post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/phish"})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_static_files_need_no_sign_in(db):
    response = Client().get("/static/vendor/swagger-ui/swagger-ui.css")
    assert response.status_code == 200


# ---------------------------------------------------------------- CSRF


def test_a_form_post_without_its_csrf_token_is_refused(manager):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    form = {"code": "CSRF01", "name": "跨站供应商"}
    assert client.post("/m/suppliers/new/", form).status_code == 403
    assert not SupplierFactory._meta.model.objects.filter(code="CSRF01").exists()

    token = client.get("/m/suppliers/new/").cookies["csrftoken"].value
    response = client.post("/m/suppliers/new/", {**form, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert SupplierFactory._meta.model.objects.filter(code="CSRF01").exists()


def test_a_document_action_without_csrf_is_refused(make_po, manager):
    po = make_po("submitted")
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    assert client.post(f"/d/purchasing-purchaseorder/{po.pk}/do/approve/").status_code == 403
    po.refresh_from_db()
    assert po.state == "submitted"


def test_the_sign_in_form_needs_csrf_too(manager):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": manager.username, "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


# ---------------------------------------------------------------- cookies and headers


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post("/login/", {"username": username, "password": password}, **extra)


def test_session_cookie_is_httponly_and_samesite(manager):
    response = sign_in(Client(), manager.username)
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"]  # plain HTTP by default (a shop's own LAN); SHOPFLOW_SECURE_COOKIES=1 for HTTPS


@override_settings(SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
def test_secure_cookies_carry_the_secure_flag(manager):
    client = Client()
    assert client.get("/login/").cookies["csrftoken"]["secure"] is True
    assert sign_in(client, manager.username).cookies["sessionid"]["secure"] is True


@pytest.mark.parametrize(("value", "secure"), [("1", True), ("0", False), (None, False)])
def test_shopflow_secure_cookies_sets_both_flags(value, secure, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SHOPFLOW_SECURE_COOKIES"}
    env["SHOPFLOW_HOME"] = str(tmp_path)
    if value is not None:
        env["SHOPFLOW_SECURE_COOKIES"] = value
    code = ("import json; from shopflow import settings as s; print(json.dumps([s.SESSION_COOKIE_SECURE, "
            "s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE]))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(out.stdout) == [secure, secure, True, "Lax"]


def test_pages_may_not_be_framed_or_sniffed(manager):
    client = Client()
    client.force_login(manager)
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


# ---------------------------------------------------------------- sign-in throttling


@pytest.fixture
def clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clock(monkeypatch):
    """Time under the test's control: clock.now += 60 moves a minute on."""

    class Clock:
        now = 1_800_000_000.0

    monkeypatch.setattr(throttle, "_clock", lambda: Clock.now)
    return Clock


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.usefixtures("clean_cache")
class TestThrottling:
    @pytest.fixture(autouse=True)
    def three_in_ten_minutes(self, settings):
        settings.SHOPFLOW = {"LOGIN_MAX_FAILURES": 3, "LOGIN_FAILURE_WINDOW_MINUTES": 10}
        return settings

    def test_after_the_limit_even_the_right_password_is_refused_with_a_clear_message(self, manager, clock):
        client = Client()
        for _ in range(3):
            response = sign_in(client, manager.username, "wrong-password")
            assert response.status_code == 200 and not signed_in(client)
        response = sign_in(client, manager.username)
        assert response.status_code == 200 and not signed_in(client)
        page = response.content.decode()
        assert "登录失败次数过多" in page or "Too many failed sign-ins" in page
        assert "10" in page  # minutes to wait

        english = sign_in(Client(), manager.username, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert f"Too many failed sign-ins for “{manager.username}” from this computer. Wait 10 minute(s)" in english

    def test_the_window_passes(self, manager, clock):
        for _ in range(3):
            sign_in(Client(), manager.username, "wrong-password")
        clock.now += 9 * 60
        assert "Wait 1 minute(s)" in sign_in(Client(), manager.username, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        clock.now += 61
        client = Client()
        assert sign_in(client, manager.username).status_code == 302 and signed_in(client)

    def test_other_addresses_and_other_users_are_not_affected(self, manager, buyer, clock):
        for _ in range(3):
            sign_in(Client(), manager.username, "wrong-password", REMOTE_ADDR="10.0.0.66")
        assert sign_in(Client(), manager.username, REMOTE_ADDR="10.0.0.66").status_code == 200  # refused
        elsewhere = Client()
        assert sign_in(elsewhere, manager.username, REMOTE_ADDR="10.0.0.7").status_code == 302
        colleague = Client()
        assert sign_in(colleague, buyer.username, REMOTE_ADDR="10.0.0.66").status_code == 302

    def test_the_username_is_counted_whatever_its_case(self, manager, clock):
        for name in (manager.username.upper(), manager.username, f" {manager.username.title()}"):
            sign_in(Client(), name, "wrong-password")
        assert sign_in(Client(), manager.username).status_code == 200

    def test_a_successful_sign_in_clears_the_count(self, manager, clock):
        for _ in range(2):
            sign_in(Client(), manager.username, "wrong-password")
        assert sign_in(Client(), manager.username).status_code == 302
        for _ in range(2):
            sign_in(Client(), manager.username, "wrong-password")
        assert sign_in(Client(), manager.username).status_code == 302

    def test_unknown_usernames_are_throttled_like_known_ones(self, db, clock):
        for _ in range(3):
            sign_in(Client(), "nobody", "x")
        response = sign_in(Client(), "nobody", "x", HTTP_ACCEPT_LANGUAGE="en")
        assert "Too many failed sign-ins" in response.content.decode()

    def test_the_admin_sign_in_is_throttled_too(self, db, clock):
        admin = User.objects.create_superuser("root", password=PASSWORD)
        for _ in range(3):
            Client().post("/admin/login/", {"username": admin.username, "password": "wrong"})
        client = Client()
        response = client.post("/admin/login/?next=/admin/", {"username": admin.username, "password": PASSWORD})
        assert response.status_code == 200 and not signed_in(client)
        assert sign_in(Client(), admin.username).status_code == 200  # the same count as the web sign-in

    def test_zero_turns_it_off(self, manager, clock, three_in_ten_minutes):
        three_in_ten_minutes.SHOPFLOW = {"LOGIN_MAX_FAILURES": 0}
        for _ in range(20):
            sign_in(Client(), manager.username, "wrong-password")
        assert sign_in(Client(), manager.username).status_code == 302


# ---------------------------------------------------------------- tokens


def test_a_token_revoked_on_its_page_is_refused_at_once(db):
    user = UserFactory(username="token-owner", roles=["purchasing"])
    token, key = api_token_create(user=user, name="店铺同步")
    bearer = Client(headers={"Authorization": f"Bearer {key}"})
    assert bearer.get("/api/v1/documents").status_code == 200
    page = Client()
    page.force_login(user)
    assert page.post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    response = bearer.get("/api/v1/documents")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    assert bearer.get("/api/v1/openapi.json").status_code == 302  # the docs do not take it either

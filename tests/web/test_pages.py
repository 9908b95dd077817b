"""Every page renders for the roles that may see it, 403s for the others, and needs a login."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from shopflow.core.registry import get_type
from shopflow.core.roles import ROLE_CODES
from tests.web.conftest import PO, PR

PO_TYPE = get_type(PO)


def may(role: str, action: str, doc_type=PO_TYPE) -> bool:
    return action in doc_type.access.get(role, ())


@pytest.mark.parametrize("role", ROLE_CODES)
def test_home_renders_for_every_role(role, role_user, client_of):
    response = client_of(role_user(role)).get("/")
    assert response.status_code == 200
    assert b"sf-chart" in response.content


@pytest.mark.parametrize("role", ROLE_CODES)
def test_list_page_is_for_viewers_only(role, role_user, client_of, make_po):
    make_po()
    response = client_of(role_user(role)).get(f"/d/{PO}/")
    assert response.status_code == (200 if may(role, "view") else 403)


@pytest.mark.parametrize("role", ROLE_CODES)
def test_detail_page_is_for_viewers_only(role, role_user, client_of, make_po):
    po = make_po()
    response = client_of(role_user(role)).get(f"/d/{PO}/{po.pk}/")
    assert response.status_code == (200 if may(role, "view") else 403)


@pytest.mark.parametrize("role", ROLE_CODES)
def test_new_page_is_for_creators_only(role, role_user, client_of):
    response = client_of(role_user(role)).get(f"/d/{PO}/new/")
    assert response.status_code == (200 if may(role, "create") else 403)


@pytest.mark.parametrize("role", ROLE_CODES)
def test_edit_page_is_for_editors_only(role, role_user, client_of, make_po):
    po = make_po()
    response = client_of(role_user(role)).get(f"/d/{PO}/{po.pk}/edit/")
    assert response.status_code == (200 if may(role, "edit") else 403)


@pytest.mark.parametrize("role", ROLE_CODES)
def test_export_is_for_viewers_only(role, role_user, client_of, make_po):
    make_po()
    response = client_of(role_user(role)).get(f"/d/{PO}/export.xlsx")
    assert response.status_code == (200 if may(role, "view") else 403)


def test_forbidden_page_is_the_shell_403_page(role_user, client_of):
    response = client_of(role_user("designer")).get(f"/d/{PO}/")
    assert response.status_code == 403
    assert "web/base.html" in [t.name for t in response.templates]
    assert "403" in response.content.decode()


def test_navigation_shows_only_areas_the_user_may_view(role_user, client_of):
    buyer_page = client_of(role_user("purchasing")).get("/").content.decode()
    designer_page = client_of(role_user("designer")).get("/").content.decode()
    assert f'href="/d/{PO}/"' in buyer_page and f'href="/d/{PR}/"' in buyer_page
    assert f'href="/d/{PO}/"' not in designer_page


def test_user_menu_shows_roles_tokens_link_and_logout_form(buyer, client_of):
    page = client_of(buyer).get("/").content.decode()
    assert "采购" in page  # the role, in Chinese by default
    assert 'href="/account/tokens/"' in page
    assert re.search(r'<form method="post" action="/logout/">', page)


@pytest.mark.parametrize("url", ["/d/no-such-type/", "/d/no-such-type/1/", f"/d/{PO}/999999/",
                                 f"/d/{PO}/999999/edit/"])
def test_unknown_types_and_ids_are_404(url, manager, client_of):
    response = client_of(manager).get(url)
    assert response.status_code == 404
    assert "web/base.html" in [t.name for t in response.templates]


@pytest.mark.parametrize("url", ["/", f"/d/{PO}/", f"/d/{PO}/1/", f"/d/{PO}/new/", f"/d/{PO}/export.xlsx"])
def test_anonymous_users_are_sent_to_login(url, db):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_login_and_logout(buyer):
    client = Client()
    page = client.get("/login/")
    assert page.status_code == 200
    response = client.post("/login/", {"username": buyer.username, "password": "pass-1234"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_login_with_a_wrong_password_says_so(buyer):
    response = Client().post("/login/", {"username": buyer.username, "password": "wrong"})
    assert response.status_code == 200
    assert "alert-danger" in response.content.decode()


EXTERNAL = re.compile(r'(?:src|href|action)\s*=\s*["\']?\s*(?:https?:)?//', re.I)


def test_no_page_loads_anything_from_another_host(manager, client_of, make_po):
    """The shell must work with the network cut off: no CDN, no web fonts, no remote images."""
    po = make_po("approved")
    client = client_of(manager)
    urls = ["/", f"/d/{PO}/", f"/d/{PO}/{po.pk}/", f"/d/{PO}/new/", f"/d/{PO}/{po.pk}/push/{PR}/"]
    for url in urls:
        page = client.get(url).content.decode()
        assert not EXTERNAL.search(page), url
    assert not EXTERNAL.search(Client().get("/login/").content.decode())


@pytest.mark.parametrize("path", ["vendor/tabler/tabler.min.css", "vendor/tabler/tabler.min.js",
                                  "vendor/htmx/htmx.min.js", "vendor/echarts/echarts.simple.min.js",
                                  "web/shopflow.css", "web/shopflow.js"])
def test_vendored_static_files_are_in_the_package(path):
    found = finders.find(path)
    assert found, path
    with open(found, encoding="utf-8") as fh:
        text = fh.read()
    assert "@import url(http" not in text  # no stylesheet pulled from the network

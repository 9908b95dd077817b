"""Every API route needs a user; session users need CSRF; the docs work offline."""

import re

import pytest
from django.test import Client

from shopflow.api import api
from shopflow.core.models import AuditEvent
from shopflow.core.tokens import api_token_create
from tests.api.conftest import PO

METHODS = ("get", "post", "put", "patch", "delete")
# A value for each path parameter, to turn a route into a URL.
SAMPLE = {"type": PO, "list": "skus", "id": "1", "action": "submit", "path": "no/such/endpoint", "code": "TB01"}
NOT_OPERATIONS = {"openapi-json", "openapi-view", "api-root"}


def template(route: str) -> str:
    """ "documents/<type>/<int:id>" → "/api/v1/documents/{type}/{id}" (OpenAPI's spelling)."""
    return "/api/v1/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def concrete(path_template: str) -> str:
    return re.sub(r"{(\w+)}", lambda m: SAMPLE[m.group(1)], path_template)


# Read from the API object itself, so a route added later is covered without editing this file.
ROUTES = sorted({template(str(p.pattern)) for p in api.urls[0] if p.name not in NOT_OPERATIONS})


def schema_operations() -> dict[str, set[str]]:
    paths = api.get_openapi_schema(path_prefix="/api/v1/")["paths"]
    return {path: set(ops) for path, ops in paths.items()}


@pytest.mark.parametrize("route", ROUTES)
def test_route_refuses_anonymous_callers(db, route):
    client = Client()
    declared = schema_operations().get(route, set(METHODS))  # the fallback route takes any method
    for method in METHODS:
        response = getattr(client, method)(concrete(route), content_type="application/json")
        if method in declared:
            assert response.status_code == 401, (method, route)
            assert response.json()["code"] == "not_authenticated"
        else:
            assert response.status_code == 405, (method, route)


def test_every_route_is_documented_or_the_fallback(db):
    documented = set(schema_operations())
    assert documented  # the enumeration found something
    assert set(ROUTES) - documented == {"/api/v1/{path}"}
    assert documented <= set(ROUTES)


def test_garbage_bearer_is_401_even_with_a_session(client, buyer):
    client.force_login(buyer)
    response = client.get("/api/v1/documents", headers={"Authorization": "Bearer sf_nonsense"})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_session_user_reads_without_token(client, buyer):
    client.force_login(buyer)
    assert client.get("/api/v1/documents").status_code == 200


def test_session_writes_need_csrf(buyer, draft_po):
    client = Client(enforce_csrf_checks=True)
    client.force_login(buyer)
    url = f"/api/v1/documents/{PO}/{draft_po.pk}/transitions/submit"
    events = AuditEvent.objects.count()
    response = client.post(url, {}, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"
    draft_po.refresh_from_db()
    assert draft_po.state == "draft" and AuditEvent.objects.count() == events

    token = client.get("/account/tokens/").cookies["csrftoken"].value
    response = client.post(url, {}, content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert response.json()["state"] == "submitted"


def test_token_writes_need_no_csrf(buyer, draft_po):
    _token, key = api_token_create(user=buyer, name="t")
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {key}"})
    url = f"/api/v1/documents/{PO}/{draft_po.pk}/transitions/submit"
    assert client.post(url, content_type="application/json").status_code == 200


def test_unknown_address_is_json_404_after_auth(buyer):
    _token, key = api_token_create(user=buyer, name="t")
    response = Client(headers={"Authorization": f"Bearer {key}"}).get("/api/v1/nothing/here")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


# ---------------------------------------------------------------- OpenAPI and docs


def test_openapi_document(buyer):
    _token, key = api_token_create(user=buyer, name="t")
    schema = Client(headers={"Authorization": f"Bearer {key}"}).get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "shopflow API"
    assert "/api/v1/documents/{type}/{id}/transitions/{action}" in schema["paths"]
    assert {"BearerToken", "Session"} <= set(schema["components"]["securitySchemes"])


def test_docs_need_sign_in(client):
    assert client.get("/api/v1/openapi.json").status_code == 302
    assert client.get("/api/v1/docs").status_code == 302


def test_api_docs_redirects_to_the_docs(client):
    response = client.get("/api/docs")
    assert response.status_code == 302 and response["Location"] == "/api/v1/docs"


def test_docs_page_uses_no_outside_address(client, buyer):
    client.force_login(buyer)
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(assets) >= 4
    assert not [a for a in assets if "//" in a], "the docs page must load nothing from outside"
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200, asset
        body = b"".join(served.streaming_content) if served.streaming else served.content
        assert body
    assert '"validatorUrl": null' in html  # no badge fetched from swagger.io

"""API tokens: services, the command, the pages, and what the API makes of them."""

import datetime
import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone

from shopflow.core.errors import PermissionDeniedError, ValidationFailed
from shopflow.core.models import ApiToken
from shopflow.core.tokens import api_token_authenticate, api_token_create, api_token_revoke
from tests.api.conftest import Api
from tests.factories import UserFactory


def bearer(key):
    from django.test import Client

    return Client(headers={"Authorization": f"Bearer {key}"})


def test_create_stores_only_the_hash(buyer):
    token, key = api_token_create(user=buyer, name="shop sync")
    assert key.startswith("sf_") and len(key) > 40
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {token.name, token.key_prefix, token.key_hash}
    assert key.startswith(token.key_prefix)


def test_create_needs_a_name(buyer):
    with pytest.raises(ValidationFailed) as exc:
        api_token_create(user=buyer, name="   ")
    assert exc.value.field == "name"
    assert not ApiToken.objects.exists()


def test_authenticate(buyer):
    _token, key = api_token_create(user=buyer, name="t")
    assert api_token_authenticate(key) == buyer
    assert api_token_authenticate(key + "x") is None
    assert api_token_authenticate("") is None
    assert api_token_authenticate(None) is None


def test_inactive_user_cannot_authenticate(buyer):
    _token, key = api_token_create(user=buyer, name="t")
    buyer.is_active = False
    buyer.save()
    assert api_token_authenticate(key) is None


def test_last_used_is_written_at_most_once_a_minute(buyer):
    token, key = api_token_create(user=buyer, name="t")
    api_token_authenticate(key)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    api_token_authenticate(key)
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - datetime.timedelta(minutes=2))
    api_token_authenticate(key)
    token.refresh_from_db()
    assert token.last_used_at > first - datetime.timedelta(minutes=1)


def test_revoked_token_gets_401(buyer):
    token, key = api_token_create(user=buyer, name="t")
    assert bearer(key).get("/api/v1/documents").status_code == 200
    api_token_revoke(token=token, actor=buyer)
    response = bearer(key).get("/api/v1/documents")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_only_own_tokens_can_be_revoked(buyer, manager):
    token, key = api_token_create(user=buyer, name="t")
    with pytest.raises(PermissionDeniedError):
        api_token_revoke(token=token, actor=manager)
    token.refresh_from_db()
    assert token.revoked_at is None
    admin = UserFactory(username="root", is_superuser=True)
    api_token_revoke(token=token, actor=admin)
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_revoking_twice_keeps_the_first_time(buyer):
    token, _key = api_token_create(user=buyer, name="t")
    first = api_token_revoke(token=token, actor=buyer).revoked_at
    assert api_token_revoke(token=token, actor=buyer).revoked_at == first


# ---------------------------------------------------------------- command


def test_createtoken_prints_a_working_key(buyer):
    out, err = StringIO(), StringIO()
    call_command("createtoken", buyer.username, "--name", "erp sync", stdout=out, stderr=err)
    key = out.getvalue().strip()
    assert api_token_authenticate(key) == buyer
    assert ApiToken.objects.get(user=buyer).name == "erp sync"
    assert "erp sync" in err.getvalue()


def test_createtoken_unknown_user(db):
    with pytest.raises(CommandError, match="nobody"):
        call_command("createtoken", "nobody", "--name", "x")
    assert not ApiToken.objects.exists()


def test_createtoken_inactive_user(buyer):
    buyer.is_active = False
    buyer.save()
    with pytest.raises(CommandError, match=buyer.username):
        call_command("createtoken", buyer.username)
    assert not ApiToken.objects.exists()


# ---------------------------------------------------------------- pages


def _has_base_template() -> bool:
    try:
        get_template("web/base.html")
    except TemplateDoesNotExist:
        return False
    return True


pages = pytest.mark.skipif(not _has_base_template(), reason="the web shell's base template is not there yet")


@pages
def test_token_page_creates_shows_once_and_revokes(client, buyer):
    client.force_login(buyer)
    page = client.get("/account/tokens/")
    assert page.status_code == 200
    response = client.post("/account/tokens/", {"name": "<b>script</b>"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=buyer)
    key = response.context["new_key"]
    assert api_token_authenticate(key) == buyer
    html = response.content.decode()
    assert key in html and response["Cache-Control"] == "no-store"
    assert "&lt;b&gt;script&lt;/b&gt;" in html and "<b>script</b>" not in html
    assert key not in client.get("/account/tokens/").content.decode()  # shown once
    response = client.post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


@pages
def test_token_page_rejects_an_empty_name(client, buyer):
    client.force_login(buyer)
    response = client.post("/account/tokens/", {"name": ""})
    assert response.status_code == 200 and response.context["new_key"] is None
    assert not ApiToken.objects.exists()


def test_revoke_needs_post_and_csrf(buyer):
    from django.test import Client

    token, _key = api_token_create(user=buyer, name="t")
    client = Client(enforce_csrf_checks=True)
    client.force_login(buyer)
    assert client.get(f"/account/tokens/{token.pk}/revoke/").status_code == 405
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_cannot_revoke_someone_elses_token_in_the_page(client, buyer, manager):
    token, _key = api_token_create(user=buyer, name="t")
    client.force_login(manager)
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_api_helper_sends_a_token(buyer):
    assert Api(buyer).get("").status_code == 200
    assert ApiToken.objects.filter(user=buyer, last_used_at__isnull=False).exists()
    assert timezone.now() - ApiToken.objects.get(user=buyer).last_used_at < datetime.timedelta(minutes=1)

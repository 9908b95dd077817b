"""The JSON API at /api/v1: authentication, JSON errors, OpenAPI docs, and the routers.

Every endpoint needs a user: `Authorization: Bearer <token>` (tokens from /account/tokens/ or
`shopflow createtoken`), or the browser's session (with CSRF on unsafe methods). Every error
is `{"code", "message", "field", "errors": [{"field", "message", "code"}]}`."""

import json
import logging

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.template import Context, Engine
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import DocsBase
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from shopflow.channels.api import router as channels_router
from shopflow.core.api import router as documents_router
from shopflow.core.error_codes import CoreError
from shopflow.core.errors import DomainError, FieldError, NotFoundError, PermissionDeniedError
from shopflow.core.masterdata_api import router as masterdata_router
from shopflow.core.tokens import api_token_authenticate
from shopflow.fulfilment.api import router as fulfilment_router
from shopflow.purchasing.api import router as purchasing_router
from shopflow.sales.api import router as orders_router
from shopflow.subcontracting.api import router as subcontracting_router
from shopflow.web.middleware import too_large_message

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------- authentication


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = api_token_authenticate(token)
        if user is None:
            # A wrong key is an error in its own right, never a quiet fall-back to the session.
            raise AuthenticationError()
        return user


class Session(SessionAuth):
    """The signed-in browser user. Anonymous requests get 401 before any CSRF check (ninja's
    SessionAuth checks CSRF first and would answer 403); signed-in ones need the CSRF token."""

    def __call__(self, request):
        if not request.user.is_authenticated:
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise PermissionDeniedError("csrf_failed", _("CSRF check failed; reload the page and try again."))
        return request.user


# ---------------------------------------------------------------- docs page


# Swagger UI from vendored files (web/static/vendor/swagger-ui): ninja's own template loads
# them from a CDN unless "ninja" is an installed app, and sellers' machines may be offline.
DOCS_PAGE = """{% load static %}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<link rel="stylesheet" href="{% static 'vendor/swagger-ui/swagger-ui.css' %}">
<link rel="icon" href="{% static 'vendor/swagger-ui/favicon-32x32.png' %}"></head>
<body data-csrf-token="{{ csrf_token }}"><div id="swagger-ui"></div>
<script type="application/json" id="swagger-settings">{{ settings }}</script>
<script src="{% static 'vendor/swagger-ui/swagger-ui-bundle.js' %}"></script>
<script src="{% static 'vendor/swagger-ui/swagger-ui-init.js' %}"></script>
</body></html>"""


class OfflineSwagger(DocsBase):
    def render_page(self, request, api, **kwargs):
        settings = {
            "url": self.get_openapi_url(api, kwargs),
            "layout": "BaseLayout",
            "deepLinking": True,
            "validatorUrl": None,
        }
        # JSON inside <script>: escaping "</" keeps the block from being closed early.
        payload = mark_safe(json.dumps(settings).replace("</", "<\\/"))
        context = Context({"title": api.title, "settings": payload, "csrf_token": get_token(request)})
        return HttpResponse(Engine.get_default().from_string(DOCS_PAGE).render(context))


def signed_in(view):
    """The docs and the OpenAPI document are for signed-in people (session or token), like
    every other page; browsers are sent to the login page."""

    def wrapped(request, *args, **kwargs):
        scheme, _sep, key = request.headers.get("Authorization", "").partition(" ")
        token_user = api_token_authenticate(key.strip()) if scheme.lower() == "bearer" else None
        if not (request.user.is_authenticated or token_user):
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


DESCRIPTION = """Documents of every type (purchase orders, receipts, ...) through one set of endpoints:
list, read, create, edit drafts, take transitions, push down, trace, audit, change records.
Master data (SKUs, suppliers, couriers, warehouses, ...) under `/masterdata`: list, read, create,
update, and import .xlsx / CSV files. Purchasing under `/purchasing`: the supplier file, a supplier's
statement (opening, movements with running balance, closing), supplier payments (record, void) and
goods awaiting exchange. Subcontracting reads (an order's reconciliation, tooling on loan, processing
fees) under `/subcontracting`. Online orders under `/orders`: the review workbench's list and filters, an
order with its lines, approve, hold, flag, courier, merge, split and the automatic review.

**Sign-in:** send `Authorization: Bearer <key>` with a key from *Account → API tokens*
(`/account/tokens/`) or `shopflow createtoken USERNAME`; a signed-in browser works too.

**Values:** decimals are strings (`"12.50"`), dates ISO 8601 (`"2026-11-22"`), related records ids.

**Errors** are `{"code", "message", "field", "errors": [{"field", "message", "code"}]}`: 400 invalid
input (`field` like `lines[0].quantity`), 401 not signed in, 403 not allowed, 404 not found,
409 transition refused (`errors` lists every reason), 413 body over the server's limit
(`request_too_large`; the message gives the limit: send less per request). `code` is stable; match on it."""

api = NinjaAPI(
    title="shopflow API",
    version="1",
    urls_namespace="api",
    auth=[BearerToken(), Session()],
    docs=OfflineSwagger(),
    docs_decorator=signed_in,
    description=DESCRIPTION,
)


# ---------------------------------------------------------------- errors as JSON


def error_body(code: str, message: str, field: str = "", errors: list[FieldError] = ()) -> dict:
    return {
        "code": str(code),
        "message": str(message),
        "field": field,
        "errors": [{"field": e.field, "message": str(e.message), "code": str(e.code)} for e in errors],
    }


def field_path(loc) -> str:
    """ninja's error location → our field path: ("body", "payload", "lines", 0, "quantity")
    → "lines[0].quantity"; ("query", "limit") → "limit"; ("body", "payload") → "body"."""
    if loc and loc[0] == "body":
        parts = list(loc[2:]) or ["body"]  # [1] is the handler's parameter name
    else:
        parts = list(loc[1:])
    path = ""
    for part in parts:
        if part == "[key]":  # pydantic's marker for a bad dict key; the key itself is next
            continue
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    errors = exc.errors
    if not errors and getattr(exc, "reasons", None):
        errors = [FieldError("", reason, exc.code) for reason in exc.reasons]
    return api.create_response(request, error_body(exc.code, exc.message, exc.field, errors), status=exc.status)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    errors = [FieldError(field_path(e.get("loc", ())), e.get("msg", ""), e.get("type", "invalid")) for e in exc.errors]
    message = "; ".join(f"{e.field}: {e.message}" if e.field else e.message for e in errors)
    first = errors[0].field if errors else ""
    return api.create_response(request, error_body(CoreError.VALIDATION_FAILED, message, first, errors), status=400)


@api.exception_handler(Http404)
@api.exception_handler(ObjectDoesNotExist)
def on_not_found(request, exc):
    return api.create_response(request, error_body(CoreError.NOT_FOUND, _("Not found.")), status=404)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if isinstance(exc, AuthenticationError):
        body = error_body("not_authenticated", _("Sign in, or send the header “Authorization: Bearer <token>”."))
    elif exc.status_code == 400:
        body = error_body("bad_request", str(exc))  # e.g. a body that is not JSON
    else:
        body = error_body(f"http_{exc.status_code}", str(exc))
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(RequestDataTooBig)
def on_body_too_large(request, exc: RequestDataTooBig):
    # Django refuses to read a body over DATA_UPLOAD_MAX_MEMORY_SIZE: the client's to fix, not a bug.
    return api.create_response(request, error_body("request_too_large", too_large_message(api=True)), status=413)


@api.exception_handler(Exception)
def on_unexpected(request, exc: Exception):
    # A bug: logged with its traceback; the client still gets JSON, without internals.
    logger.exception("API error on %s %s", request.method, request.path)
    return api.create_response(request, error_body("server_error", _("Something went wrong on our side.")), status=500)


# ---------------------------------------------------------------- routes

api.add_router("/documents", documents_router)
api.add_router("/masterdata", masterdata_router)
api.add_router("/purchasing", purchasing_router)
api.add_router("/subcontracting", subcontracting_router)
api.add_router("/channels", channels_router)
api.add_router("/fulfilment", fulfilment_router)
api.add_router("/orders", orders_router)

# Last, so it only sees what no other route matched: JSON 404 (after auth, like everything).
fallback = Router(tags=["other"])


@fallback.api_operation(["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:path}", include_in_schema=False)
def no_such_endpoint(request, path: str):
    raise NotFoundError(CoreError.NOT_FOUND, _("There is no API endpoint at this address."))


api.add_router("", fallback)

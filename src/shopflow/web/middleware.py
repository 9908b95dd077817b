"""Every page needs a signed-in user, except the few listed here; no request carries NUL; a
request too large to read (too many bytes or too many fields) is answered 413 with the limit,
not a bare 400."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from shopflow.core.imports import human_size


def too_large_message(*, api: bool) -> str:
    """Why a request body was refused (RequestDataTooBig), with the limit (DATA_UPLOAD_MAX_MEMORY_SIZE)."""
    limit = human_size(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)
    if api:
        return _("The request body is larger than the limit of %(limit)s; send less in one request (e.g. fewer "
                 "orders per push).") % {"limit": limit}
    return _("The form sent is larger than the limit of %(limit)s; go back and send less at a time (e.g. paste "
             "fewer lines).") % {"limit": limit}


def too_many_fields_message() -> str:
    """Why a form was refused (TooManyFieldsSent), with the limit (DATA_UPLOAD_MAX_NUMBER_FIELDS)."""
    return _("The form sent has more than %(limit)s fields; send less at a time (e.g. select fewer orders).") % {
        "limit": f"{settings.DATA_UPLOAD_MAX_NUMBER_FIELDS or 0:,}"}


PUBLIC_PREFIXES = ("/login/", "/static/", "/i18n/", "/api/", "/admin/", "/favicon.ico")


class LoginRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The API authenticates its own way (tokens or session) and answers 401 in JSON;
        # the admin has its own login page.
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)


class RefuseNulMiddleware:
    """A NUL character cannot be stored or searched for (PostgreSQL refuses it in text) and no
    person types one: a request with one in its address, query or form fields is answered 400
    here, instead of a server error wherever the value would reach the database. (API bodies in
    JSON are checked by their schemas, field by field.) Reading the form fields is where a form
    over DATA_UPLOAD_MAX_MEMORY_SIZE or DATA_UPLOAD_MAX_NUMBER_FIELDS is found: answered 413 with
    the limit (the API's JSON bodies are read, and answered the same way, in shopflow.api)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            has_nul = self.has_nul(request)
        except RequestDataTooBig:
            return self.refuse(request, 413, "request_too_large",
                               too_large_message(api=request.path.startswith("/api/")))
        except TooManyFieldsSent:
            return self.refuse(request, 413, "request_too_large", too_many_fields_message())
        if has_nul:
            return self.refuse(request, 400, "invalid_text",
                               _("The request contains a NUL character, which cannot be stored or searched for."))
        return self.get_response(request)

    @staticmethod
    def refuse(request, status: int, code: str, message: str) -> HttpResponse:
        """The API's error shape in JSON for the API, plain text for pages."""
        if request.path.startswith("/api/"):
            return JsonResponse({"code": code, "message": message, "field": "", "errors": []}, status=status)
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")

    @staticmethod
    def has_nul(request) -> bool:
        if "\x00" in request.path:
            return True
        forms = [request.GET]
        if request.method == "POST" and request.content_type in ("application/x-www-form-urlencoded",
                                                                 "multipart/form-data"):
            forms.append(request.POST)
        return any("\x00" in key or any("\x00" in v for v in values)
                   for form in forms for key, values in form.lists())

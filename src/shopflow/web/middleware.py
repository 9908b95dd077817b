"""Every page needs a signed-in user, except the few listed here; no request carries NUL."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

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
    JSON are checked by their schemas, field by field.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self.has_nul(request):
            message = _("The request contains a NUL character, which cannot be stored or searched for.")
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "invalid_text", "message": message, "field": "", "errors": []},
                                    status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

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

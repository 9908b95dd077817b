"""Every page needs a signed-in user, except the few listed here."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login

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

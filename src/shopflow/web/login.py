"""Sign-in throttling: after LOGIN_MAX_FAILURES failed sign-ins for one username from one address
within LOGIN_FAILURE_WINDOW_MINUTES, that username is refused from that address — even with the
right password — until the oldest of those failures is older than the window. A successful
sign-in clears the count. Keyed by username *and* address, so someone guessing at a colleague's
account from elsewhere cannot lock the colleague out of their own desk.

The failures are kept in Django's cache (settings.CACHES; the default is per process, so several
web processes should share a cache such as the database cache for the limit to hold across them).
The address is REMOTE_ADDR: behind a reverse proxy that is the proxy's, which makes the limit
per username — still a limit. The web sign-in page and the admin's both use it."""

import hashlib
import logging
import math
import time

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from shopflow.core.conf import setting

logger = logging.getLogger(__name__)


def _clock() -> float:
    return time.time()


def _address(request) -> str:
    return (request.META.get("REMOTE_ADDR") or "") if request is not None else ""


def _key(request, username: str) -> str:
    raw = f"{username.strip().casefold()}\x00{_address(request)}"
    return "shopflow:login-failures:" + hashlib.sha256(raw.encode()).hexdigest()


def _window() -> float:
    return float(setting("LOGIN_FAILURE_WINDOW_MINUTES")) * 60


def _recent(request, username: str) -> list[float]:
    """Times of the failures still inside the window, oldest first."""
    since = _clock() - _window()
    return [t for t in cache.get(_key(request, username), []) if t > since]


def wait_seconds(request, username: str) -> float:
    """How long this username is still refused from this address; 0 when it may sign in."""
    limit = setting("LOGIN_MAX_FAILURES")
    if not limit or not username:
        return 0
    failures = _recent(request, username)
    if len(failures) < limit:
        return 0
    # Free again when fewer than `limit` failures are left inside the window.
    return max(0.0, failures[-limit] + _window() - _clock())


def record_failure(request, username: str) -> None:
    if not setting("LOGIN_MAX_FAILURES") or not username:
        return
    failures = [*_recent(request, username), _clock()][-setting("LOGIN_MAX_FAILURES"):]
    cache.set(_key(request, username), failures, timeout=math.ceil(_window()) + 1)


def clear_failures(request, username: str) -> None:
    cache.delete(_key(request, username))


class ThrottledLoginMixin:
    """For an AuthenticationForm: refuse a throttled username before checking the password,
    count failures, clear them on success."""

    throttle_messages = {
        "throttled": _("Too many failed sign-ins for “%(username)s” from this computer. Wait %(minutes)s "
                       "minute(s) and try again, or ask an administrator to reset the password."),
    }

    def clean(self):
        username = (self.cleaned_data.get("username") or "").strip()
        wait = wait_seconds(self.request, username)
        if wait:
            logger.warning("sign-in refused for %r from %s: too many failures", username, _address(self.request))
            raise forms.ValidationError(self.throttle_messages["throttled"], code="throttled",
                                        params={"username": username, "minutes": max(1, math.ceil(wait / 60))})
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            record_failure(self.request, username)
            raise
        clear_failures(self.request, username)
        return cleaned


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass


class ThrottledLoginView(LoginView):
    authentication_form = ThrottledAuthenticationForm
    template_name = "web/login.html"
    redirect_authenticated_user = True

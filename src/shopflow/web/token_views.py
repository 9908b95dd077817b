"""Personal API tokens: list, create (the key is shown once), revoke."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from shopflow.core.errors import ValidationFailed
from shopflow.core.models import ApiToken
from shopflow.core.tokens import NAME_MAX_LENGTH, api_token_create, api_token_revoke, api_tokens_of


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=NAME_MAX_LENGTH,
        help_text=gettext_lazy("What the token is for, e.g. “shop sync script”."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request):
    form, key = TokenForm(request.POST or None), None
    if form.is_valid():
        try:
            _token, key = api_token_create(user=request.user, name=form.cleaned_data["name"])
            form = TokenForm()
        except ValidationFailed as exc:
            form.add_error("name", [e.message for e in exc.errors])
    response = render(
        request,
        "web/tokens/list.html",
        {"form": form, "new_key": key, "tokens": api_tokens_of(request.user)},
    )
    if key:
        response["Cache-Control"] = "no-store"  # the key must not linger in any cache
    return response


@login_required
@require_POST
def token_revoke(request, pk: int):
    # Someone else's token is a 404 here, not a 403: its existence is none of the caller's business.
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    api_token_revoke(token=token, actor=request.user)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("web:tokens")

"""The home page: what awaits the signed-in user."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from shopflow.web.selectors import created_per_day, state_counts, waiting_for


@require_GET
def home(request):
    user = request.user
    return render(
        request,
        "web/home.html",
        {
            "counts": state_counts(user),
            "waiting": waiting_for(user),
            "chart": created_per_day(user),
        },
    )

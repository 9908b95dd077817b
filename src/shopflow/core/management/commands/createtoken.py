"""shopflow createtoken USERNAME [--name NAME]: print a new API token's key (shown only once)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shopflow.core.errors import ValidationFailed
from shopflow.core.tokens import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user and print its key; it is shown only once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="cli", help=gettext_lazy("what the token is for (default: cli)"))

    def handle(self, *args, username: str, name: str, **options):
        User = get_user_model()
        user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
        if user is None:
            raise CommandError(_("No user named “%(username)s”.") % {"username": username})
        if not user.is_active:
            raise CommandError(_("User “%(username)s” is inactive; a token would not work.") % {"username": username})
        try:
            token, key = api_token_create(user=user, name=name)
        except ValidationFailed as exc:
            raise CommandError(exc.message) from None
        # Only the key goes to stdout, so scripts can capture it: KEY=$(shopflow createtoken ...).
        self.stdout.write(key)
        self.stderr.write(
            _("Token “%(name)s” created for %(username)s; the key is not shown again.")
            % {"name": token.name, "username": username}
        )

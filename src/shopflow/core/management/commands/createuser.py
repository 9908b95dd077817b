"""shopflow createuser USERNAME --role ROLE [--role ROLE2] [--password P] [--superuser]."""

import getpass
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shopflow.core.roles import ROLE_CODES, ROLES


def role_list() -> str:
    return ", ".join(f"{r.code} ({r.label})" for r in ROLES)


class Command(BaseCommand):
    help = "Create a user in one or more roles (permission groups)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", action="append", default=[], dest="roles", metavar="ROLE",
                            help=gettext_lazy("role code; repeat for several roles: ") + ", ".join(ROLE_CODES))
        parser.add_argument("--password", help=gettext_lazy("the password (default: ask for it)"))
        parser.add_argument("--email", default="")
        parser.add_argument("--superuser", action="store_true",
                            help=gettext_lazy("all permissions and the /admin/ site"))

    def handle(self, *args, username: str, roles: list[str], password: str | None, email: str,
               superuser: bool, **options):
        User = get_user_model()
        unknown = [r for r in roles if r not in ROLE_CODES]
        if unknown:
            raise CommandError(
                _("Unknown role(s): %(unknown)s. Valid roles: %(valid)s.")
                % {"unknown": ", ".join(unknown), "valid": role_list()}
            )
        if not roles and not superuser:
            raise CommandError(
                _("Give at least one --role (or --superuser). Valid roles: %(valid)s.") % {"valid": role_list()}
            )
        username = username.strip()
        errors = self._username_errors(User, username)
        if errors:
            raise CommandError(" ".join(errors))
        groups = list(Group.objects.filter(name__in=roles))
        missing = sorted(set(roles) - {g.name for g in groups})
        if missing:
            raise CommandError(
                _("The role group(s) %(missing)s do not exist in the database; run `shopflow migrate`.")
                % {"missing": ", ".join(missing)}
            )
        user = User(username=username, email=email, is_staff=superuser, is_superuser=superuser)
        if password is None:
            password = self._prompt_password(user)
        else:
            self._validate(password, user)
        user.set_password(password)
        with transaction.atomic():
            user.save()
            user.groups.set(groups)
        labels = ", ".join(str(next(r.label for r in ROLES if r.code == g.name)) for g in groups)
        self.stdout.write(self.style.SUCCESS(
            _("Created user “%(username)s”%(superuser)s with roles: %(roles)s.")
            % {"username": username, "superuser": _(" (superuser)") if superuser else "",
               "roles": labels or "-"}
        ))

    def _username_errors(self, User, username: str) -> list[str]:
        if not username:
            return [_("The username must not be empty.")]
        try:
            User.username_validator(username)
        except ValidationError as exc:
            return [str(m) for m in exc.messages]
        if User.objects.filter(username__iexact=username).exists():
            return [_("A user named “%(username)s” already exists.") % {"username": username}]
        return []

    def _validate(self, password: str, user) -> None:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError(
                _("The password is too weak: %(reasons)s") % {"reasons": " ".join(exc.messages)}
            ) from exc

    def _prompt_password(self, user) -> str:
        if not sys.stdin.isatty():
            raise CommandError(_("No terminal to ask for a password; pass --password."))
        for _attempt in range(3):
            first = getpass.getpass(_("Password: "))
            second = getpass.getpass(_("Password (again): "))
            if first != second:
                self.stderr.write(_("The passwords do not match."))
                continue
            try:
                validate_password(first, user)
            except ValidationError as exc:
                self.stderr.write(" ".join(exc.messages))
                continue
            return first
        raise CommandError(_("No valid password given."))

"""Personal API tokens: create (the key is shown once), revoke, authenticate.

Only the SHA-256 of a key is stored. Keys carry 256 bits of randomness, so a plain hash is
enough (no slow KDF needed), and lookup goes through the unique hash index, so comparing keys
cannot leak timing about a stored key."""

import datetime
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shopflow.core.conf import setting
from shopflow.core.error_codes import CoreError
from shopflow.core.errors import FieldError, PermissionDeniedError, ValidationFailed
from shopflow.core.models import ApiToken

# Writing last_used_at on every request would turn each API read into a write.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)
NAME_MAX_LENGTH = ApiToken._meta.get_field("name").max_length
PREFIX_LENGTH = ApiToken._meta.get_field("key_prefix").max_length


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; returns (token, raw key). The raw key is not kept anywhere."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed([FieldError("name", _("Give the token a name."), "required")])
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationFailed(
            [FieldError("name", _("At most %(n)s characters.") % {"n": NAME_MAX_LENGTH}, "max_length")]
        )
    raw = setting("API_TOKEN_PREFIX") + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, key_prefix=raw[:PREFIX_LENGTH], key_hash=_hash(raw))
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor) -> ApiToken:
    """Revoke a token; people revoke their own, superusers anyone's. Revoking twice is a no-op."""
    if token.user_id != actor.pk and not actor.is_superuser:
        raise PermissionDeniedError(CoreError.PERMISSION_DENIED, _("You may only revoke your own tokens."))
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(raw: str | None):
    """The active user a raw key belongs to, or None (unknown, revoked, or user inactive)."""
    if not raw or not raw.startswith(setting("API_TOKEN_PREFIX")):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(raw), revoked_at__isnull=True).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def api_tokens_of(user):
    """The user's tokens, newest first (revoked ones too, so the list explains itself)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")

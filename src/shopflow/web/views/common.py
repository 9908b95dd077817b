"""Lookups every document view starts with: the type, the permission, the document."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from shopflow.core.registry import DocumentType, get_type
from shopflow.core.selectors import user_may
from shopflow.core.states import ACTION_LABELS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def doc_type_or_404(slug: str) -> DocumentType:
    try:
        return get_type(slug)
    except KeyError:
        raise Http404(_("No such document type.")) from None


def require(user, dt: DocumentType, action: str) -> None:
    """403 unless the user may take `action` on documents of this type."""
    if not user_may(user, dt.key, action):
        raise PermissionDenied(
            _("You may not %(action)s: %(type)s.")
            % {"action": ACTION_LABELS.get(action, action), "type": dt.label}
        )


def document_or_404(dt: DocumentType, pk: int):
    try:
        return dt.model.objects.get(pk=pk)
    except dt.model.DoesNotExist:
        raise Http404(_("No such document.")) from None

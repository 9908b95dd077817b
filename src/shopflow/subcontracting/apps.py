from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubcontractingConfig(AppConfig):
    name = "shopflow.subcontracting"
    label = "subcontracting"
    verbose_name = _("Subcontracting")

    def ready(self) -> None:
        from shopflow.subcontracting import documents  # noqa: F401  (registers the document types)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PurchasingConfig(AppConfig):
    name = "shopflow.purchasing"
    label = "purchasing"
    verbose_name = _("Purchasing")

    def ready(self) -> None:
        from shopflow.purchasing import documents  # noqa: F401  (registers the document types)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "shopflow.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from shopflow.sales import documents  # noqa: F401  (registers the document types)

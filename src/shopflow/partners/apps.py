from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "shopflow.partners"
    label = "partners"
    verbose_name = _("Partners")

    def ready(self) -> None:
        from shopflow.partners import masterdata  # noqa: F401  (registers the master-data lists)

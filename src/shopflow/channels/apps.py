from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "shopflow.channels"
    label = "channels"
    verbose_name = _("Channels")

    def ready(self) -> None:
        from shopflow.channels import masterdata  # noqa: F401  (registers the shop list)

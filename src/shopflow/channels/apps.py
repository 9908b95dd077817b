from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "shopflow.channels"
    label = "channels"
    verbose_name = _("Channels")

    def ready(self) -> None:
        from shopflow.channels import masterdata  # noqa: F401  (registers the shop list)
        from shopflow.channels.generic import read_generic
        from shopflow.channels.readers import OrderFormat, register_format

        register_format(OrderFormat("generic", "通用订单表（CSV/Excel，每行一件商品）", ("订单表",),
                                    lambda files, names: read_generic(files[0], names[0])))

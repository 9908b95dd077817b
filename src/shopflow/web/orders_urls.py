"""The order workbench 订单 (online orders): list, bulk actions, automatic review, an order's page
and its actions, and the import of platform export files."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from shopflow.sales.selectors import may_view_orders
from shopflow.web.extensions import register_page
from shopflow.web.views import orders

urlpatterns = [
    path("", orders.order_list, name="order_list"),
    path("import/", orders.order_import, name="order_import"),
    path("import/<int:pk>/", orders.order_import_job_page, name="order_import_job"),
    path("import/<int:pk>/problems.xlsx", orders.order_import_job_problems, name="order_import_job_problems"),
    path("bulk/", orders.order_bulk, name="order_bulk"),
    path("auto-review/", orders.order_auto_review, name="order_auto_review"),
    path("<int:pk>/", orders.order_detail, name="order_detail"),
    path("<int:pk>/do/<slug:action>/", orders.order_action, name="order_action"),
    path("<int:pk>/unmerge/", orders.order_unmerge, name="order_unmerge"),
]

register_page(area="sales", label=_("Online orders"), url_name="web:order_list", allowed=may_view_orders)
register_page(area="channels", label=_("Import orders"), url_name="web:order_import",
              allowed=lambda user: user.is_active and user.has_perm("sales.add_onlineorder"))

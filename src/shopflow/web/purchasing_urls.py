"""The purchasing area's own pages (beyond the generic document pages): the supplier file with
statements and payments, and the open exchange account; and their menu entries."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from shopflow.web.extensions import DetailLink, register_detail_links, register_page
from shopflow.web.views import purchasing

urlpatterns = [
    path("suppliers/", purchasing.supplier_file, name="purchasing_suppliers"),
    path("suppliers/<int:pk>/", purchasing.supplier_statement, name="purchasing_statement"),
    path("suppliers/<int:pk>/statement.xlsx", purchasing.supplier_statement_export, name="purchasing_statement_xlsx"),
    path("suppliers/<int:pk>/payments/", purchasing.supplier_payment_create, name="purchasing_payment_new"),
    path("payments/<int:pk>/void/", purchasing.supplier_payment_void, name="purchasing_payment_void"),
    path("exchanges/", purchasing.exchange_outstanding, name="purchasing_exchanges"),
    path("orders/<int:pk>/order.pdf", purchasing.purchase_order_pdf_view, name="purchasing_order_pdf"),
]

register_page(area="purchasing", label=_("Supplier file"), url_name="web:purchasing_suppliers",
              allowed=purchasing.may_view_statements)
register_page(area="purchasing", label=_("Goods awaiting exchange"), url_name="web:purchasing_exchanges",
              allowed=purchasing.may_view_exchanges)


def _order_links(order, user) -> list[DetailLink]:
    return [DetailLink(_("Print PDF"), reverse("web:purchasing_order_pdf", args=[order.pk]), "printer")]


register_detail_links("purchasing.purchaseorder", _order_links)

"""Partners admin for superusers. Suppliers and couriers are edited here; customers,
subcontractors and processing categories change only through partners.services (phone and
address checks, audit), so here they are read-only, with (de)activation as actions."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shopflow.core.admin import ReadOnlyAdmin
from shopflow.partners import services
from shopflow.partners.models import Courier, Customer, ProcessingCategory, Subcontractor, Supplier


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "contact", "phone", "active")
    search_fields = ("code", "name")


@admin.register(Courier)
class CourierAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "tracking_pattern", "active", "sort_order")
    list_editable = ("active", "sort_order")
    list_filter = ("active",)
    search_fields = ("code", "name")


class ServiceActionsAdmin(ReadOnlyAdmin):
    """Read-only, with deactivate / reactivate actions that go through the services; they need
    the model's change permission."""

    deactivate_service = None
    reactivate_service = None
    instance_arg = ""

    def has_activate_permission(self, request) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    def _run(self, request, queryset, service) -> None:
        for obj in queryset:
            service(**{self.instance_arg: obj}, actor=request.user)
        self.message_user(request, _("%(count)d updated.") % {"count": len(queryset)}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Deactivate selected"), permissions=["activate"])
    def deactivate(self, request, queryset):
        self._run(request, queryset, type(self).deactivate_service)

    @admin.action(description=gettext_lazy("Reactivate selected"), permissions=["activate"])
    def reactivate(self, request, queryset):
        self._run(request, queryset, type(self).reactivate_service)

    actions = ["deactivate", "reactivate"]


@admin.register(Customer)
class CustomerAdmin(ServiceActionsAdmin):
    list_display = ("code", "name", "kind", "contact", "mobile", "region", "credit_limit", "payment_terms_days",
                    "address_needs_confirmation", "active")
    list_filter = ("kind", "active", "address_needs_confirmation")
    search_fields = ("code", "name", "contact", "mobile", "phone")
    deactivate_service = staticmethod(services.customer_deactivate)
    reactivate_service = staticmethod(services.customer_reactivate)
    instance_arg = "customer"


@admin.register(Subcontractor)
class SubcontractorAdmin(ServiceActionsAdmin):
    list_display = ("code", "name", "contact", "phone", "province", "city", "address_needs_confirmation", "active")
    list_filter = ("active", "processing_categories", "address_needs_confirmation")
    search_fields = ("code", "name", "contact", "phone")
    deactivate_service = staticmethod(services.subcontractor_deactivate)
    reactivate_service = staticmethod(services.subcontractor_reactivate)
    instance_arg = "subcontractor"


@admin.register(ProcessingCategory)
class ProcessingCategoryAdmin(ServiceActionsAdmin):
    list_display = ("code", "name", "sort_order", "active")
    list_filter = ("active",)
    search_fields = ("code", "name")
    deactivate_service = staticmethod(services.processing_category_deactivate)
    reactivate_service = staticmethod(services.processing_category_reactivate)
    instance_arg = "category"

"""Navigation by business area, built from the registered master-data lists and document types.

A list or document type names its area (MasterList.area, DocumentType.area); the shell shows an
area only when the user may view at least one of them, so every role sees a menu of what it can
use. In an area, the master-data lists come first, then the documents.
"""

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shopflow.core.masterdata import master_lists, user_may_list
from shopflow.core.registry import document_types
from shopflow.core.selectors import user_may
from shopflow.web.extensions import pages_for


@dataclass(frozen=True)
class Area:
    key: str
    label: str
    icon: str


# Menu order follows the flow of goods and money, not the alphabet.
AREAS = (
    Area("catalog", _("Products"), "shopping-bag"),
    Area("partners", _("Partners"), "users"),
    Area("purchasing", _("Purchasing"), "shopping-cart"),
    Area("subcontracting", _("Subcontracting"), "building-factory-2"),
    Area("production", _("Production"), "settings"),
    Area("inventory", _("Inventory"), "building-warehouse"),
    Area("sales", _("Sales"), "receipt"),
    Area("channels", _("Channels"), "world"),
    Area("fulfilment", _("Fulfilment"), "truck"),
    Area("aftersales", _("After-sales"), "headset"),
    Area("finance", _("Finance"), "cash"),
    Area("marketing", _("Marketing"), "speakerphone"),
    Area("analytics", _("Analytics"), "chart-bar"),
)
_AREA_BY_KEY = {a.key: a for a in AREAS}


@dataclass
class NavArea:
    key: str
    label: str
    icon: str
    items: list[dict] = field(default_factory=list)


def area_of(key: str) -> Area:
    """The declared area, or a plain one for an area key the shell does not know yet."""
    return _AREA_BY_KEY.get(key) or Area(key, key.replace("_", " ").capitalize(), "list")


def viewable_types(user) -> list:
    return [dt for dt in document_types() if user_may(user, dt.key, "view")]


def navigation(user, current_path: str = "") -> list[NavArea]:
    """Areas in menu order, each with the lists and document types this user may view."""
    found: dict[str, NavArea] = {}
    for ml in master_lists():
        if not user_may_list(user, ml, "view"):
            continue
        area = area_of(ml.area)
        nav = found.setdefault(area.key, NavArea(area.key, area.label, area.icon))
        url = reverse("web:md_list", args=[ml.key])
        nav.items.append({"label": ml.label_plural, "url": url, "active": current_path.startswith(url),
                          "master": True})
    for dt in viewable_types(user):
        area = area_of(dt.area)
        nav = found.setdefault(area.key, NavArea(area.key, area.label, area.icon))
        url = reverse("web:doc_list", args=[dt.slug])
        nav.items.append(
            {"label": dt.label_plural, "url": url, "active": current_path.startswith(url)}
        )
    for page in pages_for(user):  # reports and work pages come last in their area
        area = area_of(page["area"])
        nav = found.setdefault(area.key, NavArea(area.key, area.label, area.icon))
        nav.items.append({"label": page["label"], "url": page["url"], "active": current_path.startswith(page["url"])})
    for nav in found.values():  # a line between an area's master data and its documents
        kinds = [bool(item.get("master")) for item in nav.items]
        if True in kinds and False in kinds:
            nav.items[kinds.index(False)]["divider_before"] = True
    order = {a.key: i for i, a in enumerate(AREAS)}
    return sorted(found.values(), key=lambda a: order.get(a.key, len(order)))

"""Pages beyond the generic document and master-data pages, plugged into the shell.

An app's own web pages (the style grid, the stock-take count sheet, the valuation report…)
live in a `web/<area>_urls.py` module. That module registers here what the shell shows for
them: a menu entry under a business area (`register_page`) and buttons on a document type's
detail page (`register_detail_links`, e.g. "Print PDF", "Enter counts"), and buttons on a
master-data list and its records' pages (`register_record_links`, e.g. "Colours and sizes" on a
style). WebConfig.ready()
imports those modules, so the registry is full before the first request.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class Page:
    area: str  # a navigation area key (web.navigation.AREAS)
    label: str  # lazy translation
    url_name: str  # "web:stock_valuation"
    allowed: Callable  # allowed(user) -> bool: whether this user sees the entry


@dataclass(frozen=True)
class DetailLink:
    label: str
    url: str
    icon: str = ""
    primary: bool = False


_pages: list[Page] = []
# document type key → links(doc, user) -> [DetailLink]
_detail_links: dict[str, list[Callable]] = {}
# master-data list key → links(obj, user) -> [DetailLink]; obj is None on the list page
_record_links: dict[str, list[Callable]] = {}

# The modules that register pages (imported by WebConfig.ready()).
EXTENSION_MODULES = ("shopflow.web.catalog_urls", "shopflow.web.inventory_urls", "shopflow.web.purchasing_urls",
                     "shopflow.web.subcontracting_urls", "shopflow.web.orders_urls", "shopflow.web.fulfilment_urls")


def register_page(area: str, label, url_name: str, allowed: Callable) -> Page:
    page = Page(area, label, url_name, allowed)
    if all(p.url_name != url_name for p in _pages):
        _pages.append(page)
    return page


def pages_for(user) -> list[dict]:
    """The registered pages this user may open, in registration order, with their URLs."""
    return [{"area": p.area, "label": p.label, "url": reverse(p.url_name)} for p in _pages if p.allowed(user)]


def register_detail_links(doc_type_key: str, links: Callable) -> None:
    """links(doc, user) -> [DetailLink]: buttons beside the transitions on a detail page."""
    registered = _detail_links.setdefault(doc_type_key, [])
    if links not in registered:
        registered.append(links)


def detail_links(doc_type_key: str, doc, user) -> list[DetailLink]:
    return [link for links in _detail_links.get(doc_type_key, ()) for link in links(doc, user)]


def register_record_links(list_key: str, links: Callable) -> None:
    """links(obj, user) -> [DetailLink]: buttons on a master-data record's page, and (called with
    obj=None) on the list page beside "New"."""
    registered = _record_links.setdefault(list_key, [])
    if links not in registered:
        registered.append(links)


def record_links(list_key: str, obj, user) -> list[DetailLink]:
    return [link for links in _record_links.get(list_key, ()) for link in links(obj, user)]

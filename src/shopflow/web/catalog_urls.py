"""The catalog area's own pages (beyond the generic document and master-data pages), and what
they add to the menu and to detail pages (web.extensions)."""

urlpatterns: list = []

"""URLs of the API-token pages (owned by the API work)."""

urlpatterns: list = []

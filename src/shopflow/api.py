"""The JSON API at /api/v1 (OpenAPI at /api/docs)."""

from ninja import NinjaAPI

api = NinjaAPI(title="shopflow API", version="1", urls_namespace="api")

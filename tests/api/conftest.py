"""An API client that speaks JSON with a user's bearer token."""

import json

from django.test import Client

from shopflow.core.tokens import api_token_create

BASE = "/api/v1/documents"
PO = "purchasing-purchaseorder"
PR = "purchasing-purchasereceipt"


class Api:
    """Thin JSON wrapper around Django's test client; `user=None` sends no credentials."""

    def __init__(self, user=None, **client_kwargs):
        headers = {}
        if user is not None:
            _token, key = api_token_create(user=user, name="tests")
            headers["Authorization"] = f"Bearer {key}"
        self.client = Client(headers=headers, **client_kwargs)

    def get(self, path, **params):
        return self.client.get(BASE + path, params)

    def post(self, path, body=None):
        return self.client.post(BASE + path, json.dumps(body or {}), content_type="application/json")

    def put(self, path, body):
        return self.client.put(BASE + path, json.dumps(body), content_type="application/json")


def po_body(supplier, warehouse, lines, **header):
    """A create payload for a purchase order; `lines` is [(sku, qty, price), ...]."""
    return {
        "header": {"supplier": supplier.pk, "warehouse": warehouse.pk, **header},
        "lines": [{"sku": s.pk, "quantity": str(q), "unit_price": str(p)} for s, q, p in lines],
    }

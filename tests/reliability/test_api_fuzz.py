"""API fuzzing: schemathesis generates requests from the live OpenAPI document (/api/v1/openapi.json)
for every operation, sent with a manager's bearer token; no answer may be a server error (5xx).

Path parameters are mostly real ones (a registered document type, a master-data list, an id that
exists, an action of the state machines), so the generated bodies and queries reach the code behind
the routing instead of stopping at a 404; the rest stay as schemathesis made them.

Bounded: SHOPFLOW_FUZZ_EXAMPLES examples per operation (default 40, derandomized so a run is
repeatable); SHOPFLOW_FUZZ_RANDOM=1 draws new examples each run, to go looking for more."""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from shopflow.api import api
from shopflow.core.masterdata import master_lists
from shopflow.core.registry import document_types
from shopflow.core.states import DOCUMENT_ACTIONS
from shopflow.core.tokens import api_token_create
from shopflow.wsgi import application

EXAMPLES = int(os.environ.get("SHOPFLOW_FUZZ_EXAMPLES", "40"))
RANDOM = os.environ.get("SHOPFLOW_FUZZ_RANDOM") == "1"


def real_values() -> dict:
    """Path parameters that exist: document types, master-data lists, actions, low ids."""
    types = [t.slug for t in document_types()]
    lists = [m.key for m in master_lists()]
    actions = sorted({*DOCUMENT_ACTIONS, *(t.action for dt in document_types() for t in dt.machine)})
    return {"type": st.sampled_from(types), "list": st.sampled_from(lists), "action": st.sampled_from(actions),
            "id": st.integers(min_value=1, max_value=4)}


# The document the API serves at /api/v1/openapi.json (test_schema_is_the_live_one checks that),
# loaded at collection so each operation is a test of its own; requests go to the WSGI app.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1/"))
schema.app = application
REAL = real_values()


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    # Each parameter: three times in four a real value, else what schemathesis generated.
    drawn = {name: st.one_of(REAL[name], REAL[name], REAL[name], st.just(value)) if name in REAL
             else st.just(value) for name, value in (path_parameters or {}).items()}
    return st.fixed_dictionaries(drawn)


@pytest.fixture(autouse=True)
def keep_the_connection():
    """Requests go through the WSGI handler, which closes the database connection when a request
    starts and ends; inside a test's transaction (PostgreSQL) that would end the test. Django's
    own test client does the same as this."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def fuzz_headers(db, manager, approved_po, draft_po):
    """A manager's bearer token, with a few documents and master records for the ids to hit."""
    _token, key = api_token_create(user=manager, name="fuzz")
    return {"Authorization": f"Bearer {key}"}


def test_schema_is_the_live_one(fuzz_headers):
    from django.test import Client

    live = Client(headers=fuzz_headers).get("/api/v1/openapi.json")
    assert live.status_code == 200
    assert live.json() == schema.raw_schema


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not RANDOM,
          suppress_health_check=list(HealthCheck))
def test_no_server_error(case, fuzz_headers):
    response = case.call(headers=fuzz_headers)
    case.validate_response(response, checks=[not_a_server_error])

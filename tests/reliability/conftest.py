"""The web tests' fixtures (signed-in clients, documents in each state), for these tests too."""

from tests.web.conftest import author, client_of, make_po  # noqa: F401

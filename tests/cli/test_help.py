"""`shopflow <command> --help` prints its help for every command of ours (a lazily translated
description once broke argparse's formatting: TypeError instead of help)."""

import pytest
from django.core.management import get_commands, load_command_class

OURS = sorted((name, app) for name, app in get_commands().items() if app.startswith("shopflow"))


def test_there_are_commands_of_ours():
    assert {"demo", "serve", "backup", "import_orders", "bench"} <= {name for name, _app in OURS}


@pytest.mark.parametrize(("name", "app"), OURS, ids=[name for name, _app in OURS])
def test_help_is_printed(name, app):
    parser = load_command_class(app, name).create_parser("shopflow", name)
    text = parser.format_help()
    assert text.startswith("usage: shopflow " + name) and "--help" in text

"""Every setting and environment variable is documented in docs/settings.md."""

import re
from pathlib import Path

import shopflow
from shopflow.core.conf import DEFAULTS

ROOT = Path(shopflow.__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")


def test_every_product_setting_is_documented():
    missing = [name for name in DEFAULTS if f"`{name}`" not in DOC]
    assert missing == []


def test_every_environment_variable_is_documented():
    source = (Path(shopflow.__file__).parent / "settings.py").read_text(encoding="utf-8")
    variables = set(re.findall(r'"(SHOPFLOW_[A-Z_]+)"', source))
    assert variables, "settings.py reads no SHOPFLOW_* variable?"
    assert sorted(v for v in variables if f"`{v}`" not in DOC) == []

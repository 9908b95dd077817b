"""Chinese by default, English on request; the catalogue is complete and compiled."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

from tests.web.conftest import PO

CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES"


def test_pages_are_chinese_by_default(make_po, manager, client_of):
    po = make_po("submitted")
    page = client_of(manager).get(f"/d/{PO}/{po.pk}/").content.decode()
    assert '<html lang="zh-hans">' in page
    assert "审核" in page and "已提交" in page and "采购订单" in page


def test_language_switch_gives_english_pages(make_po, manager, client_of):
    po = make_po("submitted")
    client = client_of(manager)
    response = client.post("/i18n/setlang/", {"language": "en", "next": f"/d/{PO}/{po.pk}/"})
    assert response.status_code == 302 and response["Location"] == f"/d/{PO}/{po.pk}/"
    page = client.get(f"/d/{PO}/{po.pk}/").content.decode()
    assert '<html lang="en">' in page
    assert "Approve" in page and "Submitted" in page and "History" in page
    assert "审核" not in page
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "工作台" in client.get("/").content.decode()


def test_login_page_switches_language_too(db, client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert "Sign in to your account" in client.get("/login/").content.decode()


@pytest.fixture(scope="module")
def catalogue():
    return polib.pofile(str(CATALOGUE / "django.po"))


def test_every_message_has_a_chinese_translation(catalogue):
    untranslated = [e.msgid for e in catalogue if not e.obsolete and not e.translated()]
    assert untranslated == []


def test_no_translation_is_fuzzy(catalogue):
    assert [e.msgid for e in catalogue if "fuzzy" in e.flags] == []


def test_compiled_catalogue_is_up_to_date(catalogue):
    compiled = polib.mofile(str(CATALOGUE / "django.mo"))
    translations = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0, "") for e in compiled}
    stale = [e.msgid for e in catalogue if e.translated() and not e.msgid_plural
             and translations.get((e.msgctxt, e.msgid)) != e.msgstr]
    assert stale == []


def test_placeholders_survive_translation(catalogue):
    placeholder = re.compile(r"%\(\w+\)s")
    broken = [e.msgid for e in catalogue if e.translated() and not e.msgid_plural
              and sorted(placeholder.findall(e.msgid)) != sorted(placeholder.findall(e.msgstr))]
    assert broken == []


def test_plural_messages_are_chinese_for_any_count(make_po, manager, client_of):
    """Plural-Forms must reach the .mo (a fuzzy header would drop it), or every count but
    one falls back to English."""
    make_po()
    make_po()
    assert "共 2 张单据" in client_of(manager).get(f"/d/{PO}/").content.decode()


def test_catalogue_header_is_not_fuzzy(catalogue):
    assert not catalogue.metadata_is_fuzzy
    assert catalogue.metadata["Plural-Forms"] == "nplurals=1; plural=0;"

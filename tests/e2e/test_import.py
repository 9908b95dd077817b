"""In a real browser: a new user loads a catalogue from a GBK CSV, sees the bad rows, imports
the good ones, finds them in the list and corrects one on its form."""

import pytest

from shopflow.catalog.models import Sku
from tests.factories import UserFactory
from tests.imports.conftest import SKU_HEADERS, csv_bytes

pytestmark = pytest.mark.e2e


def test_load_a_catalogue_from_a_spreadsheet(open_as, roles, tmp_path):
    clerk = UserFactory(username="ops", first_name="运营小张", roles=["operations"])
    path = tmp_path / "商品资料.csv"
    path.write_bytes(csv_bytes([SKU_HEADERS, ["TS-BLK-M", "纯棉T恤", "黑色", "M", "件", "", "35", "89"],
                                ["TS-BLK-L", "纯棉T恤", "黑色", "L", "件", "", "三十五", "89"]], "gbk"))
    page = open_as(clerk)
    page.goto("/m/skus/")
    page.click("#sf-import")
    page.set_input_files("#id_file", str(path))
    page.click("#sf-import-submit")
    page.wait_for_selector("#sf-error-table")
    assert page.locator("#sf-error-table tbody tr").all_inner_texts()[0].split("\t")[:3] == ["3", "成本价", "三十五"]
    assert Sku.objects.count() == 0

    page.click("#sf-import-again")
    page.set_input_files("#id_file", str(path))
    page.check("input[name=mode][value=good]")
    page.click("#sf-import-submit")
    page.wait_for_selector("#sf-job-result .alert-warning")
    assert list(Sku.objects.values_list("code", flat=True)) == ["TS-BLK-M"]

    page.goto("/m/skus/?q=TS-BLK")
    page.click("text=TS-BLK-M")
    page.fill("#id_cost", "36.5")
    page.click("#sf-save")
    page.wait_for_selector("#sf-md-table")
    assert str(Sku.objects.get(code="TS-BLK-M").cost) == "36.50"

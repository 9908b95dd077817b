"""The warehouse's fulfilment pages: waves (make, print, assign waybills, ship, take out), the
tracking-number pool, the packing station scanned end to end through the test client (wrong,
unknown, extra and missing items refused; a correct parcel packs and ships), handover lists, the
service-level board, the daily report and the tracking export. Roles without the permissions get
403 and change nothing; buyer messages are shown escaped; PDFs are served as PDFs."""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shopflow.core.roles import ROLE_CODES
from shopflow.fulfilment.models import Handover, ParcelState, TrackingNumber, Wave
from shopflow.fulfilment.services import tracking_numbers_add, wave_assign_tracking
from shopflow.inventory.models import StockBalance
from shopflow.sales.models import OnlineOrder, OrderState
from tests.fulfilment.test_pdf import HOSTILE, ORDERS, barcodes, fulfilment_world, make_boss, make_catalogue

SCANS = re.compile(r'<input type="hidden" name="scans" value="([^"]*)">')
# Roles with no fulfilment permission at all, and roles that may only look.
NO_ACCESS = ("designer", "purchasing", "planning", "sales", "legal")
LOOK_ONLY = ("customer_service", "operations", "finance")


@pytest.fixture
def boss(db):
    return make_boss()


@pytest.fixture
def catalogue(boss):
    return make_catalogue(boss)


@pytest.fixture
def world(boss, catalogue):
    """The wave of ORDERS with SF tracking numbers assigned from the pool (5 more left free)."""
    world = fulfilment_world(boss, catalogue, ORDERS)
    tracking_numbers_add(courier=world["courier"], numbers=[f"SF20000000000{n:02d}" for n in range(1, 9)],
                         actor=boss)
    wave_assign_tracking(wave=world["wave"], actor=boss)
    parcels = {p.order.platform_order_no: p for p in world["wave"].parcels.select_related("order")}
    return {**world, "parcels": parcels, "catalogue": catalogue}


@pytest.fixture
def wh(role_user):
    return role_user("warehouse", "wh-1")


@pytest.fixture
def wh_client(wh, client_of):
    return client_of(wh)


def page_urls(world) -> list[str]:
    parcel = world["parcels"]["3001000000000001"]
    return [
        reverse("web:ful_waves"), reverse("web:ful_wave", args=[world["wave"].pk]), reverse("web:ful_pool"),
        reverse("web:ful_packing"), reverse("web:ful_pack_parcel", args=[parcel.pk]), reverse("web:ful_handovers"),
        reverse("web:ful_board"), reverse("web:ful_shipped"),
        reverse("web:ful_export") + f"?shop={world['shop'].pk}",
    ]


def pdf_urls(world) -> list[str]:
    wave, parcel = world["wave"], world["parcels"]["3001000000000001"]
    return [reverse("web:ful_wave_pick_list", args=[wave.pk]), reverse("web:ful_wave_notes", args=[wave.pk]),
            reverse("web:ful_wave_waybills", args=[wave.pk]), reverse("web:ful_parcel_waybill", args=[parcel.pk]),
            reverse("web:ful_parcel_note", args=[parcel.pk])]


def scan(client, parcel, code, scans, *, htmx=True):
    """One scan at the packing bench as the page sends it; returns (page text, accepted scans)."""
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(reverse("web:ful_pack_scan", args=[parcel.pk]), {"scan": code, "scans": scans},
                           headers=headers)
    assert response.status_code == 200
    text = response.content.decode()
    return text, SCANS.findall(text)


def finish(client, parcel, scans, weight="0.52", ship="1"):
    return client.post(reverse("web:ful_pack_finish", args=[parcel.pk]),
                       {"scans": scans, "weight": weight, "ship": ship})


# ---------------------------------------------------------------- access


def test_every_page_renders_for_the_warehouse_and_pdfs_are_pdfs(world, wh_client):
    for url in page_urls(world):
        response = wh_client.get(url)
        assert response.status_code == 200, url
        assert "<html" in response.content.decode(), url
    for url in pdf_urls(world):
        response = wh_client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF-"), url


@pytest.mark.parametrize("role", NO_ACCESS)
def test_roles_without_permission_are_refused_and_change_nothing(world, role, role_user, client_of):
    client = client_of(role_user(role))
    for url in page_urls(world) + pdf_urls(world):
        assert client.get(url).status_code == 403, (role, url)
    wave, parcel = world["wave"], world["parcels"]["3001000000000002"]
    posts = [
        (reverse("web:ful_waves"), {"warehouse": world["warehouse"].pk, "limit": 10}),
        (reverse("web:ful_wave_action", args=[wave.pk, "assign"]), {}),
        (reverse("web:ful_wave_action", args=[wave.pk, "ship"]), {}),
        (reverse("web:ful_parcel_take_out", args=[parcel.pk]), {"reason": "不要了"}),
        (reverse("web:ful_pool"), {"courier": world["courier"].pk, "numbers": "SF3000000000001"}),
        (reverse("web:ful_pack_finish", args=[parcel.pk]),
         {"scans": barcodes(world["catalogue"], "TX01-BLK-M"), "weight": "1"}),
        (reverse("web:ful_handovers"), {"courier": world["courier"].pk, "warehouse": world["warehouse"].pk}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, (role, url)
    parcel.refresh_from_db()
    assert parcel.state == ParcelState.WAVED and Wave.objects.count() == 1 and Handover.objects.count() == 0
    assert not TrackingNumber.objects.filter(number="SF3000000000001").exists()


@pytest.mark.parametrize("role", LOOK_ONLY)
def test_office_roles_may_look_but_not_pack_or_act(world, role, role_user, client_of):
    client = client_of(role_user(role))
    wave, parcel = world["wave"], world["parcels"]["3001000000000002"]
    for url in (reverse("web:ful_waves"), reverse("web:ful_wave", args=[wave.pk]), reverse("web:ful_board"),
                reverse("web:ful_shipped"), reverse("web:ful_handovers")):
        assert client.get(url).status_code == 200, (role, url)
    page = client.get(reverse("web:ful_wave", args=[wave.pk])).content.decode()
    assert 'data-action="ship"' not in page and 'data-action="take-out"' not in page
    assert client.get(reverse("web:ful_packing")).status_code == 403
    assert client.get(reverse("web:ful_pool")).status_code == 403
    assert client.post(reverse("web:ful_wave_action", args=[wave.pk, "ship"])).status_code == 403
    assert client.post(reverse("web:ful_pack_finish", args=[parcel.pk]), {"weight": "1"}).status_code == 403
    assert client.post(reverse("web:ful_wave_pick_list", args=[wave.pk])).status_code == 403  # marks printed
    wave.refresh_from_db()
    assert wave.printed_at is None


@pytest.mark.parametrize("role", ROLE_CODES)
def test_the_menu_shows_the_fulfilment_pages_a_role_may_open(role, role_user, client_of, db):
    page = client_of(role_user(role)).get("/").content.decode()
    workers, lookers = {"manager", "warehouse"}, {"manager", "warehouse", *LOOK_ONLY}
    for url, allowed in (("/fulfilment/waves/", lookers), ("/fulfilment/packing/", workers),
                         ("/fulfilment/tracking-numbers/", workers), ("/fulfilment/board/", lookers),
                         ("/fulfilment/handovers/", lookers), ("/fulfilment/shipped/", lookers),
                         ("/fulfilment/tracking-export/", lookers)):
        assert (f'href="{url}"' in page) is (role in allowed), (role, url)


def test_pages_are_chinese_by_default_and_english_on_request(world, wh_client):
    page = wh_client.get(reverse("web:ful_waves")).content.decode()
    assert 'lang="zh-hans"' in page and "仓库" in page  # the warehouse field, translated
    wh_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    for url in page_urls(world):
        page = wh_client.get(url).content.decode()
        assert 'lang="en"' in page and "Fulfilment" in page, url
    assert "Packing station" in wh_client.get(reverse("web:ful_packing")).content.decode()


# ---------------------------------------------------------------- waves


def test_make_a_wave_on_the_page(boss, catalogue, wh_client, role_user):
    world = fulfilment_world(boss, catalogue, ORDERS[:1])
    url = reverse("web:ful_waves")
    refused = wh_client.post(url, {"warehouse": world["warehouse"].pk, "limit": 10})
    assert refused.status_code == 400 and 'id="sf-wave-errors"' in refused.content.decode()  # all in a wave
    too_big = wh_client.post(url, {"warehouse": world["warehouse"].pk, "limit": 100000})
    assert too_big.status_code == 400 and Wave.objects.count() == 1
    world["wave"].parcels.update(state=ParcelState.CANCELLED)  # taken out: the order may be waved again
    response = wh_client.post(url, {"warehouse": world["warehouse"].pk, "courier": world["courier"].pk,
                                    "provinces": "浙江, 江苏", "limit": 10, "note": "上午第一波"})
    wave = Wave.objects.latest("id")
    assert response.status_code == 302 and response["Location"] == reverse("web:ful_wave", args=[wave.pk])
    assert wave.note == "上午第一波" and wave.parcels.count() == 1
    listing = wh_client.get(url).content.decode()
    assert f'data-wave="{wave.number}"' in listing


def test_make_several_waves_on_the_page(boss, catalogue, wh_client):
    world = fulfilment_world(boss, catalogue, ORDERS[:1])
    world["wave"].parcels.update(state=ParcelState.CANCELLED)  # the order may be waved again
    url = reverse("web:ful_waves")
    assert 'name="waves"' in wh_client.get(url).content.decode()
    response = wh_client.post(url, {"warehouse": world["warehouse"].pk, "limit": 10, "waves": 5})
    wave = Wave.objects.latest("id")
    # One order: one wave made, so the page goes to it, as for a single wave.
    assert response.status_code == 302 and response["Location"] == reverse("web:ful_wave", args=[wave.pk])
    refused = wh_client.post(url, {"warehouse": world["warehouse"].pk, "limit": 10, "waves": 0})
    assert refused.status_code == 400 and Wave.objects.count() == 2


def test_wave_page_assigns_ships_and_takes_out(world, wh_client, boss):
    wave = world["wave"]
    page = wh_client.get(reverse("web:ful_wave", args=[wave.pk])).content.decode()
    assert page.count('data-state="waved"') >= 3 and "SF2000000000001" in page
    assert HOSTILE not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the message in a title
    # nothing packed yet: ship all is refused with the reason
    response = wh_client.post(reverse("web:ful_wave_action", args=[wave.pk, "ship"]), follow=True)
    assert "packed" in response.content.decode() or "打包" in response.content.decode()
    # take one out, with a reason
    parcel = world["parcels"]["3001000000000003"]
    assert wh_client.post(reverse("web:ful_parcel_take_out", args=[parcel.pk]), {"reason": ""}).status_code == 302
    parcel.refresh_from_db()
    assert parcel.state == ParcelState.WAVED  # a reason is required
    wh_client.post(reverse("web:ful_parcel_take_out", args=[parcel.pk]), {"reason": "买家要改地址",
                                                                        "version": parcel.version})
    parcel.refresh_from_db()
    assert parcel.state == ParcelState.CANCELLED
    # printing the pick list from the page records it
    response = wh_client.post(reverse("web:ful_wave_pick_list", args=[wave.pk]))
    wave.refresh_from_db()
    assert response["Content-Type"] == "application/pdf" and wave.printed_at is not None


def test_assigning_with_too_few_numbers_assigns_nothing(boss, catalogue, wh_client):
    world = fulfilment_world(boss, catalogue, ORDERS)
    tracking_numbers_add(courier=world["courier"], numbers=["SF4000000000001"], actor=boss)
    response = wh_client.post(reverse("web:ful_wave_action", args=[world["wave"].pk, "assign"]), follow=True)
    assert "SF4000000000001" not in response.content.decode()
    assert not world["wave"].parcels.exclude(tracking_no="").exists()
    assert TrackingNumber.objects.filter(parcel__isnull=True).count() == 1


# ---------------------------------------------------------------- tracking-number pool


def test_pool_reports_every_bad_row_with_its_line_and_adds_nothing(world, wh_client):
    url = reverse("web:ful_pool")
    text = "SF3000000000001\nnot-a-number!\n\nSF3000000000001\nSF2000000000001\n"
    response = wh_client.post(url, {"courier": world["courier"].pk, "numbers": text})
    page = response.content.decode()
    assert response.status_code == 400 and 'id="sf-pool-problems"' in page
    problems = re.findall(r"<li>(.*?)</li>", page.split('id="sf-pool-problems"')[1].split("</ul>")[0])
    rows = [int(re.search(r"\d+", p).group()) for p in problems]  # "Row 2: …" / "第 2 行：…"
    assert rows == sorted(rows) and set(rows) == {2, 4, 5}, problems
    assert any("not-a-number!" in p for p in problems)
    assert not TrackingNumber.objects.filter(number="SF3000000000001").exists()
    response = wh_client.post(url, {"courier": world["courier"].pk, "numbers": "SF3000000000001\nSF3000000000002"})
    assert response.status_code == 302
    page = wh_client.get(url).content.decode()
    sf_row = page.split('data-courier="SF"')[1].split("</tr>")[0]
    assert 'data-free="7"' in sf_row  # 8 − 3 assigned + 2


def test_pool_takes_a_file_with_a_header_row(world, wh_client):
    csv = "运单号\r\nSF3000000000011\r\nSF3000000000012\r\n".encode("gbk")
    response = wh_client.post(reverse("web:ful_pool"), {
        "courier": world["courier"].pk, "file": SimpleUploadedFile("面单号.csv", csv)})
    assert response.status_code == 302
    assert TrackingNumber.objects.filter(number__in=["SF3000000000011", "SF3000000000012"]).count() == 2
    bad = b"SF3000000000021\r\nABC\r\n"
    response = wh_client.post(reverse("web:ful_pool"), {
        "courier": world["courier"].pk, "file": SimpleUploadedFile("面单号.csv", bad)})
    problems = response.content.decode().split('id="sf-pool-problems"')[1].split("</ul>")[0]
    assert response.status_code == 400 and "ABC" in problems and re.search(r"\b2\b", problems)
    assert not TrackingNumber.objects.filter(number="SF3000000000021").exists()


# ---------------------------------------------------------------- packing station


def test_packing_scan_flow_refuses_wrong_extra_and_missing_then_ships(world, wh, wh_client):
    cat = world["catalogue"]
    parcel = world["parcels"]["3001000000000001"]  # BLK-M ×2, WHT-L ×1, gift BLK-L ×1
    blk_m, wht_l, blk_l, wht_m = barcodes(cat, "TX01-BLK-M", "TX01-WHT-L", "TX01-BLK-L", "TX01-WHT-M")

    # open the parcel by scanning its waybill
    response = wh_client.get(reverse("web:ful_packing"), {"code": parcel.tracking_no})
    assert response.status_code == 302 and response["Location"] == reverse("web:ful_pack_parcel", args=[parcel.pk])
    missing = wh_client.get(reverse("web:ful_packing"), {"code": "SF9999999999999"})
    assert missing.status_code == 404 and "SF9999999999999" in missing.content.decode()
    page = wh_client.get(response["Location"]).content.decode()
    assert 'autofocus' in page and "TX01-BLK-M" in page and "TX01-BLK-L" in page
    assert HOSTILE not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page

    text, scans = scan(wh_client, parcel, blk_m, [])
    assert scans == [blk_m] and 'data-kind="ok"' in text and "TX01-BLK-M" in text and "1/2" in text
    # wrong item: refused, named, and not counted
    text, scans = scan(wh_client, parcel, wht_m, scans)
    assert 'data-kind="error"' in text and "TX01-WHT-M" in text and scans == [blk_m]
    # a code that is no SKU at all
    text, scans = scan(wh_client, parcel, "NOPE-42", scans)
    assert 'data-kind="error"' in text and "NOPE-42" in text and scans == [blk_m]
    # the item code works as well as the barcode; a second WHT-L is extra
    text, scans = scan(wh_client, parcel, "TX01-WHT-L", scans)
    assert 'data-kind="ok"' in text and scans == [blk_m, "TX01-WHT-L"]
    text, scans = scan(wh_client, parcel, wht_l, scans)
    assert 'data-kind="error"' in text and "TX01-WHT-L" in text and scans == [blk_m, "TX01-WHT-L"]
    # the waybill scanned again is not an item
    text, scans = scan(wh_client, parcel, parcel.tracking_no, scans)
    assert 'data-kind="info"' in text and scans == [blk_m, "TX01-WHT-L"]

    # finishing with items missing is refused, listing what is missing
    response = finish(wh_client, parcel, scans)
    page = response.content.decode()
    assert response.status_code == 400 and 'data-kind="error"' in page
    assert "TX01-BLK-M" in page.split('id="sf-feedback"')[1].split("</div>")[0]
    assert "TX01-BLK-L" in page.split('id="sf-feedback"')[1].split("</div>")[0]
    assert SCANS.findall(page) == scans  # the scans survive the refusal
    parcel.refresh_from_db()
    assert parcel.state == ParcelState.WAVED

    text, scans = scan(wh_client, parcel, blk_m, scans)
    text, scans = scan(wh_client, parcel, blk_l, scans)
    assert 'id="sf-progress" data-counted="4" data-expected="4"' in text
    # the server checks again: a tampered list with a wrong item is refused
    assert finish(wh_client, parcel, scans + [wht_m]).status_code == 400
    # the weight is required and must be sane
    for weight in ("", "0", "-1", "abc", "5000"):
        assert finish(wh_client, parcel, scans, weight=weight).status_code == 400, weight
    parcel.refresh_from_db()
    assert parcel.state == ParcelState.WAVED

    before = StockBalance.objects.get(sku=cat["TX01-BLK-M"], warehouse=world["warehouse"]).on_hand
    response = finish(wh_client, parcel, scans, weight="0.52")
    assert response.status_code == 302 and f"last={parcel.pk}" in response["Location"]
    parcel.refresh_from_db()
    assert parcel.state == ParcelState.SHIPPED and parcel.packed_by == wh and parcel.weight == Decimal("0.52")
    assert OnlineOrder.objects.get(pk=parcel.order_id).state == OrderState.SHIPPED
    after = StockBalance.objects.get(sku=cat["TX01-BLK-M"], warehouse=world["warehouse"]).on_hand
    assert before - after == 2
    done = wh_client.get(response["Location"]).content.decode()
    assert parcel.tracking_no in done and 'data-kind="ok"' in done
    # the same waybill again: already shipped, not opened
    again = wh_client.get(reverse("web:ful_packing"), {"code": parcel.tracking_no}).content.decode()
    assert 'data-kind="error"' in again and parcel.order.platform_order_no in again


def test_packing_works_without_script(world, wh_client):
    parcel = world["parcels"]["3001000000000002"]  # BLK-M ×1
    code = barcodes(world["catalogue"], "TX01-BLK-M")[0]
    text, scans = scan(wh_client, parcel, code, [], htmx=False)
    assert "<html" in text and scans == [code]  # the whole page, with the scan kept
    assert finish(wh_client, parcel, scans, ship="0").status_code == 302
    parcel.refresh_from_db()
    assert parcel.state == ParcelState.PACKED  # packed only; ships from the wave
    response = wh_client.post(reverse("web:ful_wave_action", args=[world["wave"].pk, "ship"]))
    parcel.refresh_from_db()
    assert response.status_code == 302 and parcel.state == ParcelState.SHIPPED


def test_a_refunding_order_is_flagged_and_refused_at_the_bench(world, wh_client):
    parcel = world["parcels"]["3001000000000002"]
    OnlineOrder.objects.filter(pk=parcel.order_id).update(platform_status="refunding")
    page = wh_client.get(reverse("web:ful_pack_parcel", args=[parcel.pk])).content.decode()
    assert 'id="sf-order-blocked"' in page
    code = barcodes(world["catalogue"], "TX01-BLK-M")[0]
    response = finish(wh_client, parcel, [code])
    assert response.status_code == 400
    parcel.refresh_from_db()
    assert parcel.state == ParcelState.WAVED


# ---------------------------------------------------------------- handover, board, report, export


def ship_two(world, client):
    cat = world["catalogue"]
    for no, codes, weight in (("3001000000000002", ["TX01-BLK-M"], "0.4"),
                              ("3001000000000003", ["TX01-WHT-M"] * 3, "1.1")):
        assert finish(client, world["parcels"][no], barcodes(cat, *codes), weight=weight).status_code == 302


def test_handover_page_makes_and_prints_a_list(world, wh_client):
    url = reverse("web:ful_handovers")
    response = wh_client.post(url, {"courier": world["courier"].pk, "warehouse": world["warehouse"].pk})
    assert response.status_code == 400 and 'id="sf-handover-errors"' in response.content.decode()
    ship_two(world, wh_client)
    page = wh_client.get(url).content.decode()
    assert ">2<" in page.split('id="sf-waiting"')[1].split("</table>")[0]
    assert wh_client.post(url, {"courier": world["courier"].pk, "warehouse": world["warehouse"].pk}).status_code == 302
    handover = Handover.objects.get()
    assert handover.parcel_count == 2 and handover.total_weight == Decimal("1.5")
    response = wh_client.get(reverse("web:ful_handover_pdf", args=[handover.pk]))
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF-")


def test_board_report_and_export(world, wh_client, role_user, client_of):
    board = wh_client.get(reverse("web:ful_board")).content.decode()
    assert 'id="sf-count-late">3<' in board and "16:00" in board  # paid on 11 Nov, long past 24 h
    ship_two(world, wh_client)
    board = wh_client.get(reverse("web:ful_board"), headers={"HX-Request": "true"}).content.decode()
    assert 'id="sf-count-late">1<' in board and "<html" not in board
    cs = client_of(role_user("customer_service", "cs-1"))
    report = cs.get(reverse("web:ful_shipped")).content.decode()
    total = report.split('id="sf-shipped-total"')[1].split("</tr>")[0]
    assert ">2<" in total and "1.5" in total
    assert cs.get(reverse("web:ful_shipped"), {"day": "2026-13-45"}).status_code == 400
    url = reverse("web:ful_export")
    preview = cs.get(url, {"shop": world["shop"].pk}).content.decode()
    assert "3001000000000002" in preview and "SF2000000000002" in preview
    response = cs.get(url, {"shop": world["shop"].pk, "download": "1"})
    assert response["Content-Type"].startswith("text/csv")
    rows = response.content.decode("gbk").splitlines()
    assert rows[0] == "订单编号,物流公司,运单号" and len(rows) == 3 and "顺丰速运" in rows[1]

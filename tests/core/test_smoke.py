from shopflow.core.states import DocState


def test_approved_po_has_number(approved_po):
    assert approved_po.state == DocState.APPROVED
    assert approved_po.number.startswith("PO-")

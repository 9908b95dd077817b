"""Document-type keys and state groups that subcontracting's services and selectors share."""

from shopflow.core.states import DocState

ORDER = "subcontracting.subcontractorder"
ISSUE_LIST = "subcontracting.materialissuelist"
RECEIPT = "subcontracting.subcontractreceipt"
TRANSFER = "inventory.transferorder"
# A document that still counts (not cancelled).
LIVE = (DocState.DRAFT, DocState.SUBMITTED, DocState.APPROVED, DocState.CLOSED)

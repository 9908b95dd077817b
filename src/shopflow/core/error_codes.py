"""Stable error codes of the document framework."""

from enum import StrEnum


class CoreError(StrEnum):
    VALIDATION_FAILED = "validation_failed"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    UNKNOWN_ACTION = "unknown_action"
    WRONG_STATE = "wrong_state"
    GUARD_BLOCKED = "guard_blocked"
    STALE_VERSION = "stale_version"
    NOT_EDITABLE = "not_editable"
    SELF_APPROVAL = "self_approval"
    HAS_DOWNSTREAM = "has_downstream"
    NO_PUSH_RULE = "no_push_rule"
    SOURCE_NOT_APPROVED = "source_not_approved"
    OVER_PUSH = "over_push"
    NOTHING_TO_PUSH = "nothing_to_push"
    CHANGE_NOT_ALLOWED = "change_not_allowed"
    REASON_REQUIRED = "reason_required"

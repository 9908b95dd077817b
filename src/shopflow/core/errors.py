"""Domain errors: a stable code, a translatable message and, where known, the field."""

from dataclasses import dataclass, field


@dataclass
class FieldError:
    field: str  # "header.doc_date" or "lines[2].quantity"
    message: str
    code: str = "invalid"


class DomainError(Exception):
    """A business rule said no. `code` is stable (clients match on it); `message` is for people."""

    status = 400

    def __init__(self, code: str, message: str, *, field: str = "", errors: list[FieldError] | None = None):
        super().__init__(str(message))
        self.code = code
        self.message = str(message)
        self.field = field
        self.errors = list(errors or [])


class ValidationFailed(DomainError):
    """Input did not validate; `errors` lists every bad field, not just the first."""

    def __init__(self, errors: list[FieldError]):
        first = errors[0] if errors else FieldError("", "invalid")
        text = "; ".join(f"{e.field}: {e.message}" if e.field else e.message for e in errors)
        super().__init__("validation_failed", text, field=first.field, errors=errors)


class PermissionDeniedError(DomainError):
    status = 403


class NotFoundError(DomainError):
    status = 404


class TransitionNotAllowed(DomainError):
    """A transition was refused; `reasons` holds every blocking reason found."""

    status = 409

    def __init__(self, code: str, reasons: list[str]):
        super().__init__(code, "；".join(str(r) for r in reasons))
        self.reasons = [str(r) for r in reasons]


@dataclass
class Blocking:
    """One reason a guard blocks a transition."""

    code: str
    message: str
    extra: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return str(self.message)

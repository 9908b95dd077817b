"""Document types and push-down rules, registered by each app in AppConfig.ready()."""

from collections.abc import Callable
from dataclasses import dataclass, field

from shopflow.core.roles import ROLE_CODES
from shopflow.core.states import DOCUMENT_ACTIONS, Transition, standard_machine


@dataclass
class DocumentType:
    model: type
    line_model: type
    prefix: str  # number prefix, e.g. "PO" → PO-20261122-0007
    area: str  # navigation area key (see web.navigation)
    header_fields: tuple[str, ...]
    line_fields: tuple[str, ...]
    list_columns: tuple[str, ...] = ("number", "doc_date", "state")
    search_fields: tuple[str, ...] = ("number", "remarks")
    filter_fields: tuple[str, ...] = ()
    machine: tuple[Transition, ...] = field(default_factory=standard_machine)
    # action → effect(doc, actor): runs inside the transition's transaction, before the state is set.
    effects: dict[str, Callable] = field(default_factory=dict)
    # validate(doc, lines) → list[FieldError]: cross-field rules checked on create and update;
    # name a line's field as f"lines[{line.input_index}].field" (its row in the input).
    validate: Callable | None = None
    # Header fields an approved document may change through a change record 异动单.
    changeable_fields: tuple[str, ...] = ("remarks",)
    # role code → actions (a subset of DOCUMENT_ACTIONS) that role may take.
    access: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Permissions of the type's model beyond the document actions (Meta.permissions codenames) →
    # the roles that hold them, e.g. {"over_issue_materialissuelist": ("manager",)}; synced like `access`.
    extra_permissions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # More validate hooks, added by other apps with add_validator (e.g. subcontracting's rules for
    # transfers that issue materials); run after `validate`.
    extra_validators: list[Callable] = field(default_factory=list)
    # warnings(doc) → list[str]: things people should know that block nothing (e.g. a first
    # batch of a new product above the usual size); shown on the detail page and in the API.
    warnings: Callable | None = None

    @property
    def key(self) -> str:
        return self.model._meta.label_lower

    @property
    def app_label(self) -> str:
        return self.model._meta.app_label

    @property
    def slug(self) -> str:
        """URL-safe key: "purchasing-purchaseorder"."""
        return self.key.replace(".", "-")

    @property
    def label(self):
        return self.model._meta.verbose_name

    @property
    def label_plural(self):
        return self.model._meta.verbose_name_plural

    def perm(self, action: str) -> str:
        return f"{self.app_label}.{action}_{self.model._meta.model_name}"

    def transition(self, action: str) -> Transition | None:
        return next((t for t in self.machine if t.action == action), None)


@dataclass(frozen=True)
class PushRule:
    """Which document type may create which, and how header and lines are mapped."""

    source: str
    target: str
    map_header: Callable  # (source_doc) → dict of target header values
    map_line: Callable  # (source_line) → dict of target line values (without quantity)
    # check(source_doc) → "" or why this source may not be pushed to this target (e.g. only
    # requisitions of business type 订单委外 become subcontract orders).
    check: Callable | None = None
    # A permission ("app.codename") that lets its holder push more than remains, with a reason
    # (e.g. over-issue of subcontract materials); empty: never.
    over_permission: str = ""
    # allowance(source_line) → Decimal: how much more than the line's quantity may be pushed in
    # all, without any permission (e.g. an over-receipt tolerance); None: nothing more.
    allowance: Callable | None = None
    # Target header fields the person pushing chooses (e.g. the supplier of a purchase order
    # made from a requisition); map_header gives their defaults.
    ask_header: tuple[str, ...] = ()

    def refusal(self, source) -> str:
        return self.check(source) if self.check else ""


_types: dict[str, DocumentType] = {}
_push_rules: dict[tuple[str, str], PushRule] = {}
# Called as hook(doc_type_key, doc_id, action) after the transition's transaction commits.
after_transition_hooks: list[Callable] = []


def register(doc_type: DocumentType) -> DocumentType:
    for role, actions in doc_type.access.items():
        if role not in ROLE_CODES:
            raise ValueError(f"{doc_type.key}: unknown role {role!r}")
        unknown = set(actions) - set(DOCUMENT_ACTIONS)
        if unknown:
            raise ValueError(f"{doc_type.key}: unknown actions {sorted(unknown)} for role {role!r}")
    _types[doc_type.key] = doc_type
    return doc_type


def register_push_rule(rule: PushRule) -> PushRule:
    _push_rules[(rule.source, rule.target)] = rule
    return rule


def add_validator(doc_type_key: str, validator: Callable) -> None:
    """Another app's validate hook on a type it does not own (same signature as `validate`)."""
    dt = get_type(doc_type_key)
    if validator not in dt.extra_validators:
        dt.extra_validators.append(validator)


def document_types() -> list[DocumentType]:
    return list(_types.values())


def get_type(key: str) -> DocumentType:
    """The document type by key ("purchasing.purchaseorder") or slug ("purchasing-purchaseorder")."""
    return _types[key.replace("-", ".")]


def type_of(doc) -> DocumentType:
    return _types[doc._meta.label_lower]


def push_rule(source: str, target: str) -> PushRule | None:
    return _push_rules.get((source, target))


def push_targets(source: str, doc=None) -> list[DocumentType]:
    """Types `source` may be pushed down to (for `doc`: only rules whose check lets it)."""
    return [_types[t] for (s, t), rule in _push_rules.items()
            if s == source and (doc is None or not rule.refusal(doc))]

"""Reads of partners master data: lists and pickers, address problems, and the credit check
that B2B sales will run before accepting an order."""

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from shopflow.core.errors import Blocking
from shopflow.core.serialize import plain
from shopflow.partners.address import AddressProblem, parse_address
from shopflow.partners.error_codes import AddressProblemCode, PartnersError
from shopflow.partners.models import AddressFields, Customer, ProcessingCategory, Subcontractor
from shopflow.partners.phone import PhoneKind, parse_phone

_PHONE_NOISE = re.compile(r"[\s\-().+]")


# ---------------------------------------------------------------- search

def _phone_q(term: str, *, with_mobile: bool) -> Q | None:
    """A whole term that is a phone number matches the stored (normalised) number exactly, or
    with an extension."""
    phone = parse_phone(term)
    if not phone.ok or phone.kind is PhoneKind.MASKED:
        return None
    q = Q(phone=phone.full) | Q(phone__startswith=phone.number + "-")
    if with_mobile and phone.kind is PhoneKind.MOBILE:
        q |= Q(mobile=phone.full) | Q(mobile__startswith=phone.number + "-")
    return q


def _word_q(word: str, *, with_mobile: bool) -> Q:
    q = Q(code__icontains=word) | Q(name__icontains=word) | Q(contact__icontains=word)
    digits = _PHONE_NOISE.sub("", unicodedata.normalize("NFKC", word))
    if len(digits) >= 3 and digits.isdigit():  # part of a number: "1234" (last four digits), "0571"
        q |= Q(phone__contains=digits)
        if with_mobile:
            q |= Q(mobile__contains=digits)
    return q


def _search_q(term: str, *, with_mobile: bool) -> Q:
    """Every word must match the code, name, contact or (part of) a phone number; a term that is
    one whole phone number ("+86 138 0013 8000") matches that number."""
    words_q = Q()
    for word in term.split():
        words_q &= _word_q(word, with_mobile=with_mobile)
    phone_q = _phone_q(term, with_mobile=with_mobile)
    return words_q | phone_q if phone_q is not None else words_q


def _ranked(qs: QuerySet, term: str, limit: int, *, with_mobile: bool) -> list:
    """An exact code first, then an exact phone number, then codes starting with the term."""
    rank = Case(
        When(code__iexact=term, then=Value(0)),
        When(_phone_q(term, with_mobile=with_mobile) or Q(pk__in=[]), then=Value(1)),
        When(code__istartswith=term, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return list(qs.annotate(rank=rank).order_by("rank", "code")[:limit])


def customer_list(*, search: str = "", kind: str | None = None, active: bool | None = None,
                  needs_address_confirmation: bool | None = None) -> QuerySet[Customer]:
    """Customers for list pages and exports, by code."""
    qs = Customer.objects.all()
    if search.strip():
        qs = qs.filter(_search_q(search, with_mobile=True))
    if kind:
        qs = qs.filter(kind=kind)
    if active is not None:
        qs = qs.filter(active=active)
    if needs_address_confirmation is not None:
        qs = qs.filter(address_needs_confirmation=needs_address_confirmation)
    return qs


def customer_search(term: str, *, limit: int = 20, active_only: bool = True,
                    kinds: Iterable[str] | None = None) -> list[Customer]:
    """Customers for a picker, by code, name, contact or mobile/phone number (whole or part).
    An exact code comes first, then an exact number, then codes starting with the term."""
    term = term.strip()
    if not term:
        return []
    qs = Customer.objects.filter(_search_q(term, with_mobile=True))
    if active_only:
        qs = qs.filter(active=True)
    if kinds is not None:
        qs = qs.filter(kind__in=list(kinds))
    return _ranked(qs, term, limit, with_mobile=True)


def customer_by_code(code: str) -> Customer | None:
    return Customer.objects.filter(code=code.strip()).first()


def subcontractor_list(*, search: str = "", category: ProcessingCategory | str | None = None,
                       active: bool | None = None) -> QuerySet[Subcontractor]:
    """Subcontractors for list pages, exports and pickers; ``category`` (instance or code)
    keeps those that do that kind of work."""
    qs = Subcontractor.objects.prefetch_related("processing_categories")
    if search.strip():
        qs = qs.filter(_search_q(search, with_mobile=False))
    if isinstance(category, ProcessingCategory):
        qs = qs.filter(processing_categories=category)
    elif category:
        qs = qs.filter(processing_categories__code=category)
    if active is not None:
        qs = qs.filter(active=active)
    return qs.distinct()


def subcontractor_search(term: str, *, limit: int = 20, active_only: bool = True,
                         category: ProcessingCategory | str | None = None) -> list[Subcontractor]:
    term = term.strip()
    if not term:
        return []
    qs = subcontractor_list(search=term, category=category, active=True if active_only else None)
    return _ranked(qs, term, limit, with_mobile=False)


def subcontractor_by_code(code: str) -> Subcontractor | None:
    return Subcontractor.objects.filter(code=code.strip()).first()


def processing_category_list(*, active: bool | None = None) -> QuerySet[ProcessingCategory]:
    qs = ProcessingCategory.objects.all()
    return qs if active is None else qs.filter(active=active)


# ---------------------------------------------------------------- addresses

def address_problems(partner: AddressFields) -> tuple[AddressProblem, ...]:
    """The open address problems of a customer or subcontractor, in the current language.

    Re-parses the address (messages are stored in the language of whoever saved it); if the
    parser now reads the address differently from what is stored — new division data, say —
    the stored problems are returned as they are."""
    if not partner.address_needs_confirmation:
        return ()
    stored = [p.get("code", "") for p in partner.address_problems or []]
    parsed = parse_address(partner.address)
    if [str(p.code) for p in parsed.problems] == stored:
        return parsed.problems
    return tuple(AddressProblem(AddressProblemCode(p["code"]), p.get("message", ""))
                 for p in partner.address_problems or [])


# ---------------------------------------------------------------- credit

class CreditState(StrEnum):
    OK = "ok"
    OVER_LIMIT = "over_limit"
    OVERDUE = "overdue"


@dataclass(frozen=True, slots=True)
class CreditStatus:
    """The answer of :func:`customer_credit_status`.

    ``state`` is the most serious finding (overdue before over limit); ``reasons`` lists every
    finding as a ``core.errors.Blocking`` so a sales guard can report them all. ``overdue_known``
    is False when the caller had no overdue figure (finance does not exist yet)."""

    state: CreditState
    credit_limit: Decimal
    open_amount: Decimal
    available: Decimal  # credit_limit − open_amount; negative when over the limit
    overdue_amount: Decimal
    overdue_known: bool
    reasons: tuple[Blocking, ...] = ()

    @property
    def ok(self) -> bool:
        return self.state is CreditState.OK

    @property
    def over_limit(self) -> bool:
        return self.available < 0

    @property
    def overdue(self) -> bool:
        return self.overdue_amount > 0


OverdueSource = Decimal | int | str | Callable[[Customer], Decimal | int | str] | None


def _money(value, name: str) -> Decimal:
    if isinstance(value, float):
        raise TypeError(f"{name} must be a Decimal, an int or a string, not a float")
    amount = Decimal(str(value))
    if not amount.is_finite():
        raise ValueError(f"{name} must be a finite amount, got {value!r}")
    return amount


def customer_credit_status(customer: Customer, *, open_amount: Decimal | int | str,
                           overdue: OverdueSource = None) -> CreditStatus:
    """May we extend more credit to this customer?

    ``open_amount``: everything the customer would owe if the order in hand were accepted —
    unpaid invoices, open (unbilled) orders and the new order, as the caller (sales) sums them.
    It is over the limit when it exceeds ``customer.credit_limit`` (0 = no credit at all, so any
    unpaid amount is over the limit; retail buyers always have 0, they pay on the platform).

    ``overdue``: the customer's unpaid amount past its due date (payment terms). Receivables do
    not exist yet (finance comes later), so the caller supplies it: a number, or a callable
    ``overdue(customer) -> amount`` that finance can provide. ``None`` means not known: it
    counts as 0 and ``overdue_known`` is False — with it, this check cannot find overdue
    customers.

    Inactive customers are not judged here; sales refuses them on its own.
    """
    open_amt = _money(open_amount, "open_amount")
    if callable(overdue):
        overdue = overdue(customer)
    overdue_known = overdue is not None
    overdue_amt = _money(overdue if overdue is not None else 0, "overdue")
    limit = customer.credit_limit
    available = limit - open_amt
    reasons: list[Blocking] = []
    if overdue_amt > 0:
        reasons.append(Blocking(
            PartnersError.CREDIT_OVERDUE,
            _("%(customer)s has %(amount)s overdue; collect it or get a manager's approval.")
            % {"customer": str(customer), "amount": plain(overdue_amt)},
            {"overdue_amount": plain(overdue_amt)},
        ))
    if available < 0:
        reasons.append(Blocking(
            PartnersError.CREDIT_OVER_LIMIT,
            _("%(customer)s would owe %(open)s, over the credit limit of %(limit)s by %(over)s.")
            % {"customer": str(customer), "open": plain(open_amt), "limit": plain(limit), "over": plain(-available)},
            {"open_amount": plain(open_amt), "credit_limit": plain(limit), "over_by": plain(-available)},
        ))
    state = (CreditState.OVERDUE if overdue_amt > 0 else CreditState.OVER_LIMIT if available < 0
             else CreditState.OK)
    return CreditStatus(state, limit, open_amt, available, overdue_amt, overdue_known, tuple(reasons))

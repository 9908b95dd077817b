"""Moving-average cost 移动加权平均 of one SKU, as pure arithmetic on its running totals.

The cost is kept per SKU for the whole company, not per warehouse: a transfer, or goods
sitting at a subcontractor, does not change what a unit is worth, and finance wants one unit
cost per item. (Per-warehouse averages would make every transfer a costed sale between
warehouses and give the same shirt two prices.)

Rules, applied move by move within one posting:
- a move into stock with a unit cost (a purchase receipt, an other receipt with a cost) adds
  quantity × cost to the value;
- every other move — issues, transfers, stock-take differences, receipts without a cost —
  moves at the average *as it stood before the posting*, so the two halves of a transfer
  cancel exactly;
- a reversing move gives back the value of the move it reverses: an issue comes back at the
  value it left with; a receipt goes out at its own cost, but never takes more value than is
  there (stock issued meanwhile left at the average);
- after the posting: with stock on hand the average is value ÷ quantity; at zero the value
  is exactly zero; below zero (warehouses that allow negative stock) stock is valued at the
  last receipt cost of the posting, else at the last average. Whatever rounding or these
  rules leave over is put on the posting's last move, so the value always equals the sum of
  the move values.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
AVERAGE_PLACES = Decimal("0.000001")


def money(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(CENT, ROUND_HALF_UP)


def average_of(value: Decimal, quantity: Decimal) -> Decimal:
    return (value / quantity).quantize(AVERAGE_PLACES, ROUND_HALF_UP)


@dataclass(frozen=True)
class CostState:
    quantity: Decimal
    value: Decimal
    average: Decimal


@dataclass(frozen=True)
class CostInput:
    quantity: Decimal
    unit_cost: Decimal | None = None  # only read for moves into stock
    reversed_value: Decimal | None = None  # set when the move reverses one of this value


def _value(move: CostInput, at_average: Decimal, value_now: Decimal) -> Decimal:
    if move.reversed_value is not None:
        if move.quantity > 0:  # an issue undone: back at what it took
            return max(-move.reversed_value, Decimal(0))
        return -min(max(move.reversed_value, Decimal(0)), max(value_now, Decimal(0)))
    if move.quantity > 0 and move.unit_cost is not None:
        return money(move.quantity * move.unit_cost)
    return money(move.quantity * at_average)


def apply_moves(state: CostState, moves: list[CostInput]) -> tuple[list[Decimal], CostState]:
    """The value of each move and the SKU's totals afterwards."""
    at_average = state.value / state.quantity if state.quantity > 0 else state.average
    quantity, value, values = state.quantity, state.value, []
    last_cost = None
    for move in moves:
        amount = _value(move, at_average, value)
        if move.quantity > 0 and move.unit_cost is not None and move.reversed_value is None:
            last_cost = move.unit_cost
        quantity += move.quantity
        value += amount
        values.append(amount)
    if quantity > 0:
        keep = None
        settle = -value if value < 0 else Decimal(0)
    else:
        keep = last_cost if last_cost is not None else (at_average if state.quantity > 0 else state.average)
        settle = money(quantity * keep) - value
    if values and settle:
        values[-1] += settle
        value += settle
    average = average_of(value, quantity) if keep is None else Decimal(keep).quantize(AVERAGE_PLACES, ROUND_HALF_UP)
    return values, CostState(quantity=quantity, value=value, average=average)

"""Stable error codes of the fulfilment app (clients match on them; messages are for people)."""

from enum import StrEnum


class FulfilmentError(StrEnum):
    # allocation 配货
    LIVE_PARCEL = "live_parcel"  # the order is in a wave: take it out first
    # waves 波次
    NOTHING_TO_WAVE = "nothing_to_wave"
    WAVE_LIMIT = "wave_limit"
    WAVE_CLOSED = "wave_closed"
    WAVE_BUSY = "wave_busy"  # another wave took some of the orders meanwhile
    # tracking numbers 面单号
    TRACKING_INVALID = "tracking_invalid"
    TRACKING_DUPLICATE = "tracking_duplicate"
    TRACKING_IN_USE = "tracking_in_use"
    POOL_TOO_SMALL = "pool_too_small"
    NO_TRACKING = "no_tracking"
    # packing 验货
    PARCEL_NOT_FOUND = "parcel_not_found"
    PARCEL_STATE = "parcel_state"
    ORDER_NOT_SHIPPABLE = "order_not_shippable"
    WRONG_ITEM = "wrong_item"
    EXTRA_ITEM = "extra_item"
    MISSING_ITEM = "missing_item"
    PACKING_REFUSED = "packing_refused"
    WEIGHT_REQUIRED = "weight_required"
    WEIGHT_INVALID = "weight_invalid"
    # shipping and handover
    SHIP_REFUSED = "ship_refused"
    NOTHING_TO_HAND_OVER = "nothing_to_hand_over"
    NO_COURIER = "no_courier"

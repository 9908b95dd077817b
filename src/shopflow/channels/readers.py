"""Order file formats: each platform's reader turns its export files into a ReadResult.

A reader is any callable `(files: list[bytes], names: list[str]) -> ReadResult` registered under
a format key with the labels of the files it needs (Taobao: the order report and the item
report). Built-in formats register here exactly as a third party's would."""

from dataclasses import dataclass
from typing import Protocol

from shopflow.channels.formats import ReadResult


class OrderFileReader(Protocol):
    def __call__(self, files: list[bytes], names: list[str]) -> ReadResult: ...


@dataclass(frozen=True)
class OrderFormat:
    key: str
    label: str
    files: tuple[str, ...]  # what each file is, in order (e.g. ("订单报表", "宝贝报表"))
    read: OrderFileReader


_formats: dict[str, OrderFormat] = {}


def register_format(fmt: OrderFormat) -> OrderFormat:
    _formats[fmt.key] = fmt
    return fmt


def order_formats() -> list[OrderFormat]:
    return list(_formats.values())


def get_format(key: str) -> OrderFormat | None:
    return _formats.get(key)


def _taobao(files: list[bytes], names: list[str]) -> ReadResult:
    from shopflow.channels.taobao import read_taobao_pair

    return read_taobao_pair(files[0], files[1], orders_name=names[0], items_name=names[1])


register_format(OrderFormat("taobao", "淘宝/天猫 订单报表 + 宝贝报表", ("订单报表", "宝贝报表"), _taobao))

"""System checks of the catalog app (stable ids catalog.E###)."""

from django.core.checks import Error, register

from shopflow.catalog.barcodes import barcode_prefix_problem
from shopflow.core.conf import setting


@register()
def check_barcode_prefix(app_configs, **kwargs):
    problem = barcode_prefix_problem(setting("BARCODE_PREFIX"))
    if problem:
        return [Error(problem, hint="Set SHOPFLOW['BARCODE_PREFIX'] to your GS1 company prefix, e.g. \"6975321\".",
                      id="catalog.E001")]
    return []

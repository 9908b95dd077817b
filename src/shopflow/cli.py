"""The `shopflow` console script: Django's management commands plus shopflow's own."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopflow.settings")
    from django.conf import settings
    from django.core.management import execute_from_command_line

    # The default SQLite file lives in ./var/; SQLite cannot create the folder itself.
    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)

    argv = list(sys.argv)
    # `shopflow verify-stock` and `shopflow verify_stock` both work.
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()

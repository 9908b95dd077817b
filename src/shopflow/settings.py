"""Django settings, read from the environment (SHOPFLOW_* variables).

SHOPFLOW_DATABASE_URL  sqlite:///path or postgres://user@host:5432/name (default: ./var/shopflow.sqlite3)
SHOPFLOW_SECRET_KEY    required when SHOPFLOW_DEBUG is off in production (check shopflow.E001)
SHOPFLOW_DEBUG         1/0 (default 0)
SHOPFLOW_ALLOWED_HOSTS comma-separated (default: localhost,127.0.0.1,[::1])
SHOPFLOW_HOME          folder holding var/ (default: the current directory)
"""

import os
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent
HOME = Path(os.environ.get("SHOPFLOW_HOME", os.getcwd())).resolve()
VAR_DIR = HOME / "var"

INSECURE_DEV_KEY = "shopflow-insecure-development-key-change-me"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("SHOPFLOW_SECRET_KEY", INSECURE_DEV_KEY)
DEBUG = _env_bool("SHOPFLOW_DEBUG", False)
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("SHOPFLOW_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "shopflow.core",
    "shopflow.catalog",
    "shopflow.partners",
    "shopflow.inventory",
    "shopflow.purchasing",
    "shopflow.sales",
    "shopflow.subcontracting",
    "shopflow.channels",
    "shopflow.fulfilment",
    "shopflow.web",
    "shopflow.bench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "shopflow.web.middleware.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shopflow.web.middleware.LoginRequiredMiddleware",
]

ROOT_URLCONF = "shopflow.urls"
WSGI_APPLICATION = "shopflow.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shopflow.web.context.shell",
            ],
        },
    },
]


def _database_config() -> dict:
    default_sqlite = f"sqlite:///{VAR_DIR / 'shopflow.sqlite3'}"
    url = os.environ.get("SHOPFLOW_DATABASE_URL", default_sqlite)
    config = dj_database_url.parse(url, conn_max_age=0)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["ENGINE"] = "shopflow.core.sqlite_backend"  # Django's, converting each statement's placeholders once
        # One writer at a time: IMMEDIATE takes the write lock at BEGIN, so a
        # check-then-act inside a transaction cannot interleave with another
        # writer (select_for_update is a no-op on SQLite). WAL lets readers go on.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            # A 64 MB page cache per connection (SQLite's default is 2 MB): at 100k orders the
            # indexes of the order tables no longer fit in 2 MB, and the import ran 8-10 % slower.
            # WAL checkpoints run in a thread of their own, not inside the writers' commits
            # (core/sqlite_backend/checkpoint.py, decision 0004).
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536; "
                            "PRAGMA temp_store=MEMORY;",
        }
    return config


DATABASES = {"default": _database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# WhiteNoise serves static files straight from the package (finders), so no collectstatic step
# is needed; a deployment that prefers collected files sets SHOPFLOW_STATIC_ROOT.
STATIC_ROOT = os.environ.get("SHOPFLOW_STATIC_ROOT") or None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

# Request bodies (files uploaded are not counted): a pushed batch of 5,000 orders (channels.api
# MAX_BATCH) is several MB of JSON, and the workbench may post up to 5,000 selected orders.
DATA_UPLOAD_MAX_MEMORY_SIZE = 32 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _env_bool("SHOPFLOW_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Product settings: read through shopflow.core.conf.setting(); defaults live there.
SHOPFLOW: dict = {}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

"""System checks with stable ids (shopflow.E/W###)."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from shopflow.core.registry import document_types
from shopflow.core.states import TERMINAL_STATES, DocState


@register(Tags.security, deploy=True)
def check_secret_key(app_configs, **kwargs):
    from shopflow.settings import INSECURE_DEV_KEY

    if settings.SECRET_KEY == INSECURE_DEV_KEY:
        return [Error("SHOPFLOW_SECRET_KEY is not set; the development key is in use.",
                      hint="Set SHOPFLOW_SECRET_KEY to a long random value.", id="shopflow.E001")]
    return []


@register()
def check_database(app_configs, **kwargs):
    db = settings.DATABASES["default"]
    out = []
    if db["ENGINE"] in ("shopflow.core.sqlite_backend", "django.db.backends.sqlite3"):
        if db.get("OPTIONS", {}).get("transaction_mode") != "IMMEDIATE":
            out.append(Error("SQLite must run with transaction_mode=IMMEDIATE, or stock checks can race.",
                             id="shopflow.E002"))
    elif db["ENGINE"] != "django.db.backends.postgresql":
        out.append(Error(f"Unsupported database engine {db['ENGINE']}; use SQLite or PostgreSQL.",
                         hint="Set SHOPFLOW_DATABASE_URL to sqlite:///… or postgres://…", id="shopflow.E003"))
    return out


@register()
def check_document_types(app_configs, **kwargs):
    out = []
    declared = set(DocState.values)
    for dt in document_types():
        states = {DocState.DRAFT}
        for t in dt.machine:
            unknown = (set(t.sources) | {t.target}) - declared
            if unknown:
                out.append(Error(f"{dt.key}: transition {t.action!r} uses undeclared states {sorted(unknown)}.",
                                 id="shopflow.E010"))
            states |= set(t.sources) | {t.target}
        for state in states - TERMINAL_STATES:
            if not any(state in t.sources for t in dt.machine):
                out.append(Warning(f"{dt.key}: state {state!r} has no way out and is not terminal.",
                                   id="shopflow.W011"))
        if "approve" in dt.effects and "unapprove" not in dt.effects:
            out.append(Error(f"{dt.key}: approval has an effect but un-approve does not reverse it.",
                             id="shopflow.E012"))
        if not dt.prefix or "-" in dt.prefix:
            out.append(Error(f"{dt.key}: number prefix {dt.prefix!r} must be non-empty without '-'.",
                             id="shopflow.E013"))
    return out

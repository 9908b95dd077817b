"""Abstract documents and the framework's own tables: numbering, links, audit, changes, tokens."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shopflow.core.states import DOCUMENT_ACTIONS, DocState
from shopflow.core.validators import validate_positive

QTY = {"max_digits": 18, "decimal_places": 4}
MONEY = {"max_digits": 18, "decimal_places": 2}


class Document(models.Model):
    """A business document 单据: header with number, state and stamps; lines in a subclass."""

    number = models.CharField(_("number"), max_length=40, blank=True, default="", editable=False)
    state = models.CharField(
        _("state"), max_length=16, choices=DocState.choices, default=DocState.DRAFT, editable=False
    )
    # Bumped on every write, so a stale form or API client cannot overwrite newer work.
    version = models.PositiveIntegerField(default=1, editable=False)
    doc_date = models.DateField(_("document date"), default=timezone.localdate)
    remarks = models.TextField(_("remarks"), blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", editable=False,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True,
        editable=False, verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True
        ordering = ["-id"]
        default_permissions = DOCUMENT_ACTIONS
        constraints = [
            models.UniqueConstraint(
                fields=["number"], condition=~Q(number=""), name="%(app_label)s_%(class)s_number_uniq"
            ),
            models.CheckConstraint(
                condition=Q(state__in=DocState.values), name="%(app_label)s_%(class)s_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.display_number}"

    @property
    def doc_type(self) -> str:
        return self._meta.label_lower

    @property
    def display_number(self) -> str:
        # Numbers are taken at approval; until then the row id tells documents apart.
        return self.number or str(_("Unnumbered #%(id)s") % {"id": self.pk})


class DocumentLine(models.Model):
    """A document line; the subclass adds `document = ForeignKey(..., related_name="lines")`."""

    line_no = models.PositiveIntegerField(_("line"), default=1)
    quantity = models.DecimalField(_("quantity"), validators=[validate_positive], **QTY)
    remarks = models.CharField(_("remarks"), max_length=500, blank=True, default="")

    class Meta:
        abstract = True
        ordering = ["line_no", "id"]
        default_permissions = ()
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="%(app_label)s_%(class)s_qty_positive"),
        ]


class NumberSequence(models.Model):
    """The last number taken per document type and day; its row is locked while incremented."""

    doc_type = models.CharField(max_length=100)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["doc_type", "day"], name="core_numseq_type_day_uniq")]

    def __str__(self) -> str:
        return f"{self.doc_type} {self.day}: {self.last}"

class DocumentLink(models.Model):
    """Push-down 下推: `quantity` of a source line was carried into a target line.

    `active` turns false when the target document is cancelled, so its quantity is free again.
    A link of quantity 0 records lineage only (a subcontract order line → the materials of its
    issue list): trace sees it; remaining quantities and the no-active-downstream guard do not
    (the app that makes such links guards un-approval itself).
    """

    source_type = models.CharField(max_length=100)
    source_id = models.BigIntegerField()
    source_line_id = models.BigIntegerField()
    target_type = models.CharField(max_length=100)
    target_id = models.BigIntegerField()
    target_line_id = models.BigIntegerField()
    quantity = models.DecimalField(**QTY)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        default_permissions = ()
        indexes = [
            models.Index(fields=["source_type", "source_id"], name="core_link_source_idx"),
            models.Index(fields=["source_type", "source_line_id"], name="core_link_srcline_idx"),
            models.Index(fields=["target_type", "target_id"], name="core_link_target_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=0), name="core_link_qty_not_negative"),
            models.UniqueConstraint(
                fields=["source_type", "source_line_id", "target_type", "target_line_id"],
                name="core_link_line_pair_uniq",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_type}#{self.source_id} → {self.target_type}#{self.target_id} × {self.quantity}"

class AuditEvent(models.Model):
    """Who did what to which document, when, with the before/after values. Never changed:
    database triggers refuse UPDATE and DELETE (migration 0002)."""

    doc_type = models.CharField(max_length=100)
    doc_id = models.BigIntegerField()
    action = models.CharField(max_length=32)
    from_state = models.CharField(max_length=16, blank=True, default="")
    to_state = models.CharField(max_length=16, blank=True, default="")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True)
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True, default="")
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        default_permissions = ("view",)
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["doc_type", "doc_id"], name="core_audit_doc_idx")]

    def __str__(self) -> str:
        return f"{self.doc_type}#{self.doc_id} {self.action} {self.at:%Y-%m-%d %H:%M}"

class ChangeRecord(models.Model):
    """异动单: a change to an approved document, with who, when, why and before/after."""

    doc_type = models.CharField(max_length=100)
    doc_id = models.BigIntegerField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()
    changes = models.JSONField(default=dict)

    class Meta:
        default_permissions = ("view",)
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["doc_type", "doc_id"], name="core_change_doc_idx")]

    def __str__(self) -> str:
        return f"{self.doc_type}#{self.doc_id} change {self.at:%Y-%m-%d %H:%M}"

class ApiToken(models.Model):
    """A personal API token; only its SHA-256 is stored, the key is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    key_prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        default_permissions = ()
        ordering = ["-id"]
        verbose_name = _("API token")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"


class ImportJob(models.Model):
    """One import of a master-data file (core.imports): the file until it has run, then its
    progress, counts and the first errors, for the page that polls it and for the history."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Failed")

    list_key = models.CharField(_("list"), max_length=40)
    filename = models.CharField(_("file"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    mode = models.CharField(_("mode"), max_length=8, default="all")
    dry_run = models.BooleanField(_("check only"), default=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField(max_length=16, blank=True, default="")  # read, check, write
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    # The result (see imports.ImportResult): summary counts, and the first errors as dicts.
    summary = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True, default="")  # why a job failed
    content = models.BinaryField(default=b"")  # the file, emptied once the job has run
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True,
                                   verbose_name=_("imported by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        default_permissions = ()
        ordering = ["-id"]
        verbose_name = _("import")
        indexes = [models.Index(fields=["list_key", "-id"], name="core_importjob_list_idx")]

    def __str__(self) -> str:
        return f"{self.list_key} {self.filename} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.done / self.total)) if self.total else 0

"""A Wagtail admin import page shared by every importer: upload → preview every row and
every error (a dry run) → confirm → all-or-nothing write.

The upload is kept in storage between preview and confirm so the user does not upload it
twice; the confirm step re-validates, since the database may have changed meanwhile.
A confirm first claims the upload by renaming it (atomic on one file system: of two
confirms — a double click, two tabs — exactly one rename succeeds), so a file is
imported once; the other is told it has been imported already.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from pathlib import Path, PurePath

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from .importing import import_file
from .report import ImportReport

logger = logging.getLogger(__name__)

PREVIEW_LIMIT = 200
# Uploads wait here between preview and confirm. Not MEDIA_ROOT: rosters hold names,
# phones and emails, and MEDIA_ROOT is served to the public.
STALE_UPLOAD_SECONDS = 24 * 3600
# Suffixes of a stored upload once a confirm has claimed it, and once that confirm has
# finished (an empty marker, kept a day, so a late second confirm is told what happened).
CLAIMED, DONE = ".claimed", ".done"


def _upload_storage() -> FileSystemStorage:
    return FileSystemStorage(location=settings.IMPORT_UPLOAD_ROOT)


def _sweep_stale_uploads(storage: FileSystemStorage) -> None:
    """Remove uploads previewed but never confirmed (after a day)."""
    root = Path(storage.location)
    if not root.is_dir():
        return
    cutoff = time.time() - STALE_UPLOAD_SECONDS
    for path in root.iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("文件"),
        help_text=gettext_lazy("xlsx 或 csv（UTF-8、带 BOM 的 UTF-8 或 GBK 编码）。"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("文件过大（上限 %(mb)s MB）。")
                % {"mb": settings.IMPORT_MAX_BYTES // (1024 * 1024)}
            )
        if PurePath(upload.name).suffix.lower() not in (".xlsx", ".csv"):
            raise forms.ValidationError(_("请上传 xlsx 或 csv 文件。"))
        return upload


class ImportView(View):
    """Subclass and set: importer_class, title, columns (list of (name, description)),
    preview_columns (list of (key, label)), success_url_name (the listing to return to),
    list_label (its name in the breadcrumbs), optionally example_url_name (a download of
    an empty template), and `has_permission`."""

    importer_class = None
    title = ""
    columns: list[tuple[str, str]] = []
    preview_columns: list[tuple[str, str]] = []
    success_url_name = ""
    list_label = ""
    template_name = "tabular/import.html"
    example_url_name = ""

    def has_permission(self, user) -> bool:
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        if not self.has_permission(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def breadcrumbs(self) -> list[dict]:
        return [
            {"url": reverse("wagtailadmin_home"), "label": _("仪表盘")},
            {"url": reverse(self.success_url_name), "label": self.list_label},
            {"url": "", "label": self.title},
        ]

    def render(self, request, **context):
        context.update(
            breadcrumbs_items=self.breadcrumbs(),
            header_title=self.title,
            page_title=self.title,
            header_icon="upload",
            title=self.title,
            columns=self.columns,
            preview_columns=self.preview_columns,
            success_url_name=self.success_url_name,
            example_url=reverse(self.example_url_name) if self.example_url_name else "",
        )
        return TemplateResponse(request, self.template_name, context)

    # --- hooks for importers with more than a file (a format, a title…) ------------

    form_class = UploadForm
    # Form fields carried from the preview to the confirm step as hidden inputs.
    carried_fields: tuple[str, ...] = ()

    def run_import(
        self, *, data: bytes, filename: str, options: dict, dry_run: bool
    ) -> ImportReport:
        """Validate (dry run) or apply one file; `options` holds the carried fields."""
        return import_file(
            self.importer_class(), data=data, filename=filename, dry_run=dry_run
        )

    def stored_suffix(self, *, upload, options: dict) -> str:
        """Extension of the stored upload; the confirm step reads the file by it."""
        return PurePath(upload.name).suffix.lower()

    # --- the flow ----------------------------------------------------------------

    def get(self, request):
        return self.render(request, form=self.form_class())

    def post(self, request):
        token = request.POST.get("token", "")
        if token:
            return self._confirm(request, token)
        form = self.form_class(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(request, form=form)
        upload = form.cleaned_data["file"]
        options = {name: form.cleaned_data.get(name) for name in self.carried_fields}
        data = upload.read()
        report = self.run_import(
            data=data, filename=upload.name, options=options, dry_run=True
        )
        token = ""
        if report.ok:
            token = f"{uuid.uuid4().hex}{self.stored_suffix(upload=upload, options=options)}"
            storage = _upload_storage()
            _sweep_stale_uploads(storage)
            storage.save(token, ContentFile(data))
        return self.render(
            request,
            form=self.form_class(initial=options),
            report=report,
            preview=report.preview[:PREVIEW_LIMIT],
            preview_truncated=len(report.preview) > PREVIEW_LIMIT,
            token=token,
            carried=options,
            filename=upload.name,
        )

    def _confirm(self, request, token):
        # The token names a file we wrote; refuse anything that could leave the folder.
        if not token.replace(".", "").isalnum() or token.count(".") != 1:
            raise PermissionDenied
        storage = _upload_storage()
        path = Path(storage.path(token))
        claimed = path.with_name(path.name + CLAIMED)
        done = path.with_name(path.name + DONE)
        try:
            os.rename(path, claimed)
        except FileNotFoundError:
            if claimed.exists() or done.exists():
                messages.warning(
                    request, _("此文件已导入（或正在导入），没有再导入一次。")
                )
                return redirect(self.success_url_name)
            messages.error(request, _("上传的文件已失效，请重新上传。"))
            return redirect(request.path)
        options = {name: request.POST.get(name, "") for name in self.carried_fields}
        try:
            # Carried values come back from the browser: run_import validates them
            # again, just as it re-validates every row of the file.
            report = self.run_import(
                data=claimed.read_bytes(),
                filename=token,
                options=options,
                dry_run=False,
            )
            if report.applied:
                # Before the claim goes, so a second confirm always finds one of them.
                done.touch()
        finally:
            claimed.unlink(missing_ok=True)
        logger.info(
            "import confirmed: view=%s user=%s applied=%s errors=%d summary=%s",
            type(self).__name__,
            request.user.pk,
            report.applied,
            len(report.errors),
            report.summary(),
        )
        if not report.ok:
            return self.render(
                request,
                form=self.form_class(initial=options),
                report=report,
                preview=[],
            )
        messages.success(
            request, _("导入完成：%(summary)s") % {"summary": report.summary()}
        )
        return redirect(self.success_url_name)

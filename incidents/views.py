"""Incident pages: report, my reports / review queue with its search and CSV export, an incident,
its photos, review actions, the statistics page with its CSV download, witness and impact
statements, and evidence packs."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView
from django_htmx.http import HttpResponseClientRedirect

from bcrp.actors import CHANGE, VIEW
from bcrp.audit import audit_record
from bcrp.forms import form_errors_from
from bcrp.spreadsheets import BYTE_ORDER_MARK, cell_safe, csv_lines
from incidents import fairness, packs, selectors, services
from incidents.filtersets import IncidentFilter
from incidents.forms import (
    ImpactStatementForm,
    IncidentForm,
    LinkForm,
    RejectForm,
    StatementForm,
    StatementSignForm,
    StatementVersionForm,
    stats_range_parse,
)
from incidents.models import (
    EvidencePack,
    Incident,
    IncidentPhoto,
    WitnessStatement,
)
from incidents.selectors import STATS_TIME_ZONE
from incidents.travelling import TRAVELLING_MONTHS, travelling_people
from offenders.models import ExportStatus, OffenderProfile
from offenders.selectors import profile_by_reference
from partnerships.models import Role
from partnerships.tenancy import (
    ADMIN_AND_POLICE,
    ADMIN_ONLY,
    ALL_ROLES,
    PartnershipMixin,
    StoredPhotoView,
    TenantObjectMixin,
)


class IncidentCreateView(PartnershipMixin, FormView[IncidentForm]):
    allowed_roles = services.REPORTING_ROLES
    template_name = "incidents/incident_form.html"
    form_class = IncidentForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "membership": self.membership}

    def form_valid(self, form: IncidentForm) -> HttpResponse:
        try:
            incident = services.incident_submit(
                membership=self.membership,
                fields=form.cleaned_data,
                premises=form.cleaned_data.get("premises"),
                photos=form.cleaned_data.get("photos") or [],
                offender=form.cleaned_data.get("offender"),
                submission_key=form.cleaned_data.get("submission_key"),
                actor=self.actor,
            )
        except services.IncidentAlreadySubmitted as sent:
            messages.info(self.request, "This report was already saved: here it is.")
            return self.open_incident(sent.incident)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                form_errors_from(form, error)
            else:
                form.add_error("photos", error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            "Report saved. Thank you: your partnership's administrator will review it.",
        )
        return self.open_incident(incident)

    def open_incident(self, incident: Incident) -> HttpResponse:
        url = reverse(
            "incidents:detail", kwargs={"slug": incident.partnership.slug, "pk": incident.pk}
        )
        # Sent by htmx (to show upload progress): the browser then opens the page itself, so the
        # "saved" message is shown there rather than used up by the request that sent the form.
        if self.request.htmx:  # type: ignore[attr-defined]
            return HttpResponseClientRedirect(url)
        return redirect(url)


def _filters_in_use(request: HttpRequest) -> str:
    """The query string without empty fields or the page: for the pager and the CSV link."""
    query = QueryDict(mutable=True)
    for name, values in request.GET.lists():
        kept = [value for value in values if value != ""]
        if name != "page" and kept:
            query.setlist(name, kept)
    return query.urlencode()


class IncidentListView(PartnershipMixin, TemplateView):
    allowed_roles = ALL_ROLES
    template_name = "incidents/incident_list.html"

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        if context["filter"].errors:
            kwargs["status"] = 400
        return super().render_to_response(context, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        filterset = IncidentFilter(
            self.request.GET,
            queryset=selectors.incidents_matching(membership=self.membership),
            membership=self.membership,
        )
        page = Paginator(filterset.qs, 50).get_page(self.request.GET.get("page"))
        query = _filters_in_use(self.request)
        context.update(
            page=page,
            filter=filterset,
            query=query,
            searching=bool(query),
            own_only=self.membership.role == Role.MEMBER,
            may_report=self.membership.role in services.REPORTING_ROLES,
            may_export=self.membership.role in ADMIN_AND_POLICE,
        )
        return context


# The columns of the incidents CSV, in order.
EXPORT_HEADER = [
    "incident",
    "occurred_at",
    "category",
    "status",
    "premises",
    "business",
    "reported_by",
    "value_lost",
    "value_recovered",
    "police_reference",
    "police_attended",
    "description",
    "linked_profiles",
]
EXPORT_BATCH = 500


class IncidentExportView(PartnershipMixin, View):
    """The incidents list, filtered as on the page, as CSV: streamed, and audited with the
    filters used. Linked profiles are named only where this person may see them."""

    allowed_roles = ADMIN_AND_POLICE
    http_method_names = ["get"]

    def get(self, request: HttpRequest, slug: str) -> HttpResponse | StreamingHttpResponse:
        filterset = IncidentFilter(
            request.GET,
            queryset=selectors.incidents_for_export(membership=self.membership),
            membership=self.membership,
        )
        if not filterset.is_valid():
            return HttpResponse(
                " ".join(
                    f"{filterset.form.fields[name].label}: {error}"
                    if name in filterset.form.fields
                    else str(error)
                    for name, errors in filterset.errors.items()
                    for error in errors
                ),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        audit_record(
            action="incident.export", actor=self.actor, detail={"filters": filterset.used()}
        )
        filename = f"{self.partnership.slug}-incidents.csv"
        return StreamingHttpResponse(
            csv_lines(EXPORT_HEADER, self.rows(filterset.qs)),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    def rows(self, incidents: Any) -> Iterator[list[Any]]:
        batch: list[Incident] = []
        for incident in incidents.iterator(chunk_size=EXPORT_BATCH):
            batch.append(incident)
            if len(batch) == EXPORT_BATCH:
                yield from self.batch_rows(batch)
                batch = []
        yield from self.batch_rows(batch)

    def batch_rows(self, batch: list[Incident]) -> Iterator[list[Any]]:
        shown = selectors.profile_ids_shown(membership=self.membership, incidents=batch)
        for incident in batch:
            linked = "; ".join(
                f"{link.profile.reference} {link.profile.display_name}"
                for link in incident.offender_links.all()
                if link.profile_id in shown
            )
            yield [
                incident.pk,
                timezone.localtime(incident.occurred_at).strftime("%Y-%m-%d %H:%M"),
                incident.get_category_display(),
                incident.get_status_display(),
                cell_safe(str(incident.premises or "")),
                cell_safe(str(incident.business or "")),
                cell_safe(str(incident.reported_by or "")),
                incident.value_lost,
                incident.value_recovered,
                cell_safe(incident.police_reference),
                "yes" if incident.police_attended else "no",
                cell_safe(incident.description),
                cell_safe(linked),
            ]


class IncidentMixin(TenantObjectMixin[Incident]):
    object_selector = selectors.incident_for


def cctv_offset_described(seconds: int | None) -> str:
    """A camera clock's offset as a person reads it: "2 min 5 s ahead of real time"."""
    if seconds is None:
        return "Not checked"
    if seconds == 0:
        return "Right (checked)"
    minutes, rest = divmod(abs(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{n} {unit}" for n, unit in ((hours, "h"), (minutes, "min"), (rest, "s")) if n]
    direction = "ahead of" if seconds > 0 else "behind"
    return f"{' '.join(parts)} {direction} real time ({seconds:+d} s)"


class IncidentDetailView(IncidentMixin, TemplateView):
    allowed_roles = ALL_ROLES
    action = VIEW
    template_name = "incidents/incident_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        incident = self.get_object()
        audit_record(
            action="incident.view",
            actor=self.actor,
            target=incident,
            # The thumbnails shown, each fetched on its own and covered by this one event.
            detail={
                "photo_ids": [p.pk for p in incident.photos.all() if p.processed_at is not None]
            },
        )
        context.update(
            incident=incident,
            reject_form=RejectForm(),
            link_form=LinkForm(),
            can_review=self.membership.role == Role.ADMIN,
        )
        context.update(
            cctv_offset=cctv_offset_described(incident.cctv_clock_offset),
            statement=selectors.statement_current(incident=incident),
            impact=selectors.impact_statement_of(incident=incident),
            statement_maker=selectors.statement_maker_is(
                membership=self.membership, incident=incident
            ),
        )
        return context


class IncidentReviewView(IncidentMixin, View):
    """Accept, reject (with a reason) or link a profile by its reference (POST only)."""

    allowed_roles = ADMIN_ONLY
    action = CHANGE
    http_method_names = ["post"]
    operation = ""

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        incident = self.get_object()
        try:
            if self.operation == "accept":
                services.incident_review(incident=incident, accept=True, actor=self.actor)
                messages.success(request, "Report accepted.")
            elif self.operation == "reject":
                form = RejectForm(request.POST)
                reason = form.cleaned_data["reason"] if form.is_valid() else ""
                services.incident_review(
                    incident=incident, accept=False, reason=reason, actor=self.actor
                )
                messages.success(request, "Report rejected; the member can see why.")
            elif self.operation == "link":
                link = LinkForm(request.POST)
                reference = link.cleaned_data["reference"] if link.is_valid() else ""
                profile = profile_by_reference(
                    membership=self.membership, reference=reference, action=CHANGE
                )
                if profile is None:
                    raise ValidationError(f"No profile of yours has the reference {reference!r}.")
                services.incident_link(incident=incident, profile=profile, actor=self.actor)
                messages.success(request, f"Linked to {profile.reference}.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("incidents:detail", slug=slug, pk=pk)


class IncidentPhotoView(StoredPhotoView[IncidentPhoto]):
    """An incident photo, for those who may see the incident; never cached."""

    allowed_roles = ALL_ROLES
    object_selector = selectors.incident_photo_for
    filename = "incident-photo.jpg"
    audit_action = "incident.photo_view"
    audit_detail_key = "photo_id"

    def audit_target(self, photo: IncidentPhoto) -> Incident:
        return photo.incident


class ProfileFromPhotoView(TenantObjectMixin[IncidentPhoto], View):
    """Create an ID-sought profile from an incident photo (POST only)."""

    allowed_roles = ADMIN_ONLY
    object_selector = selectors.incident_photo_for
    action = CHANGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, slug: str, token: str) -> HttpResponse:
        photo = self.get_object()
        profile = services.profile_from_photo(photo=photo, actor=self.actor)
        messages.success(request, f"{profile.reference} created as ID sought from the photo.")
        return redirect("offenders:profile", slug=slug, pk=profile.pk)


def _chart_series(rows: list[selectors.StatsRow]) -> dict[str, list[Any]]:
    return {
        "labels": [row.label for row in rows],
        "incidents": [row.incidents for row in rows],
        "value_lost": [str(row.value_lost) for row in rows],
        "value_recovered": [str(row.value_recovered) for row in rows],
    }


def stats_chart_data(stats: selectors.IncidentStats) -> dict[str, dict[str, list[Any]]]:
    """What static/js/stats.js draws, embedded in the page with `json_script`."""
    return {name: _chart_series(rows) for name, rows in stats.dimensions() if name != "total"}


def stats_csv_write(stats: selectors.IncidentStats, out: Any) -> None:
    """One long table: a row per bar of every chart, plus the total over the range."""
    writer = csv.writer(out)
    writer.writerow(["dimension", "key", "incidents", "value_lost", "value_recovered"])
    for dimension, rows in stats.dimensions():
        for row in rows:
            key = row.key if dimension in {"hour", "month"} else row.label
            writer.writerow(
                [dimension, cell_safe(key), row.incidents, row.value_lost, row.value_recovered]
            )


# Each chart of the page: its name in the embedded data, its heading, its table's first column.
CHARTS = (
    ("month", "Losses by month", "Month"),
    ("category", "Incidents by category", "Category"),
    ("premises", "Incidents by premises", "Premises"),
    ("hour", "Incidents by hour of day", "Hour starting"),
    ("weekday", "Incidents by day of week", "Day"),
)


class StatsView(PartnershipMixin, TemplateView):
    allowed_roles = ADMIN_AND_POLICE
    template_name = "incidents/stats.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form, date_from, date_to = stats_range_parse(self.request.GET)
        stats = selectors.incident_stats(
            partnership=self.partnership, date_from=date_from, date_to=date_to
        )
        range_query = QueryDict(mutable=True)
        range_query.update({"from": date_from.isoformat(), "to": date_to.isoformat()})
        rows = dict(stats.dimensions())
        context.update(
            form=form,
            stats=stats,
            charts=[
                {"name": name, "title": title, "key_header": header, "rows": rows[name]}
                for name, title, header in CHARTS
            ],
            chart_data=stats_chart_data(stats),
            range_query=range_query.urlencode(),
        )
        return context


class StatsCsvView(PartnershipMixin, View):
    allowed_roles = ADMIN_AND_POLICE

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        form, date_from, date_to = stats_range_parse(request.GET)
        if not form.is_valid():
            return HttpResponse(
                " ".join(str(e) for errors in form.errors.values() for e in errors),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        stats = selectors.incident_stats(
            partnership=self.partnership, date_from=date_from, date_to=date_to
        )
        filename = f"{self.partnership.slug}-incident-statistics.csv"
        response = HttpResponse(
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
        # The byte-order mark makes Excel read UTF-8 (accents and curly apostrophes in names).
        response.write(BYTE_ORDER_MARK)
        stats_csv_write(stats, response)
        return response


class StatementPageMixin(IncidentMixin):
    """The incident's statements, made only by the person who reported it."""

    def maker_is(self) -> bool:
        return selectors.statement_maker_is(membership=self.membership, incident=self.get_object())

    def maker_check(self) -> None:
        if not self.maker_is():
            raise PermissionDenied(
                "Only the person who reported the incident makes its statements."
            )

    def statement_url(self) -> str:
        return reverse(
            "incidents:statement",
            kwargs={"slug": self.partnership.slug, "pk": self.get_object().pk},
        )


class StatementView(StatementPageMixin, TemplateView):
    """The witness statement (MG11): its maker drafts (on first opening), edits, signs it and
    starts a new version after signing; the partnership's administrators and police read it,
    earlier versions too (`?version=2`)."""

    allowed_roles = ALL_ROLES
    action = VIEW
    template_name = "incidents/statement.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        incident = self.get_object()
        maker = self.maker_is()
        current = (
            services.statement_open(incident=incident, actor=self.actor)
            if maker
            else selectors.statement_current(incident=incident)
        )
        shown = current
        if "version" in request.GET:
            asked = StatementVersionForm(request.GET)
            if not asked.is_valid():
                return HttpResponse(
                    "Ask for a version by its number, e.g. ?version=2.",
                    status=400,
                    content_type="text/plain; charset=utf-8",
                )
            shown = (
                selectors.statement_versions(incident=incident)
                .filter(version=asked.cleaned_data["version"])
                .first()
            )
            if shown is None:
                raise Http404("No such version.")
        if not maker and shown is not None:
            audit_record(
                action="statement.view",
                actor=self.actor,
                target=shown,
                detail={"incident_id": incident.pk, "version": shown.version},
            )
        return self.render_page(current=current, shown=shown)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.maker_check()
        incident = self.get_object()
        form = StatementForm(request.POST)
        if form.is_valid():
            try:
                saved = services.statement_save(
                    incident=incident,
                    version=form.cleaned_data["version"],
                    fields=form.cleaned_data,
                    actor=self.actor,
                )
            except ValidationError as error:
                form_errors_from(form, error)
            else:
                messages.success(
                    request,
                    f"Saved (version {saved.version}). When it is right, sign it below.",
                )
                return redirect(self.statement_url())
        current = selectors.statement_current(incident=incident)
        return self.render_page(current=current, shown=current, form=form, status=400)

    def render_page(
        self,
        *,
        current: WitnessStatement | None,
        shown: WitnessStatement | None,
        form: StatementForm | None = None,
        sign_form: StatementSignForm | None = None,
        status: int = 200,
    ) -> HttpResponse:
        incident = self.get_object()
        maker = self.maker_is()
        # A form sent back with errors is shown again, even over a signed version: saving it
        # makes the next version.
        editing = (
            maker
            and shown is not None
            and (form is not None or (shown == current and not shown.is_signed))
        )
        if editing and shown is not None:
            form = form or StatementForm(instance=shown, initial={"version": shown.version})
            sign_form = sign_form or StatementSignForm(initial={"version": shown.version})
        prefix = shown.exhibit_prefix if shown is not None else ""
        context = self.get_context_data(
            incident=incident,
            maker=maker,
            current=current,
            statement=shown,
            editing=editing,
            form=form,
            sign_form=sign_form,
            versions=selectors.statement_versions(incident=incident) if current else [],
            exhibits=selectors.exhibits_of(incident=incident, prefix=prefix),
            declaration=selectors.statement_declaration(
                pages=selectors.statement_pages_estimate(statement=shown) if shown else 1
            ),
        )
        return self.render_to_response(context, status=status)


class StatementSignView(StatementView):
    """Sign the statement by typing one's name (POST only; the maker only)."""

    allowed_roles = services.REPORTING_ROLES
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.maker_check()
        incident = self.get_object()
        form = StatementSignForm(request.POST)
        if form.is_valid():
            try:
                signed = services.statement_sign(
                    incident=incident,
                    version=form.cleaned_data["version"],
                    signed_name=form.cleaned_data["signed_name"],
                    actor=self.actor,
                )
            except ValidationError as error:
                form_errors_from(form, error)
            else:
                messages.success(request, f"Signed. Version {signed.version} is now locked.")
                return redirect(self.statement_url())
        current = selectors.statement_current(incident=incident)
        return self.render_page(current=current, shown=current, sign_form=form, status=400)


class StatementNewVersionView(StatementPageMixin, View):
    """ "Make changes" to a signed statement: the next version, unsigned (POST only)."""

    allowed_roles = services.REPORTING_ROLES
    action = VIEW
    http_method_names = ["post"]

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        self.maker_check()
        try:
            statement = services.statement_new_version(incident=self.get_object(), actor=self.actor)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.info(
                request,
                f"Version {statement.version}: make your changes, save, then sign again. "
                "The signed version stays as it was.",
            )
        return redirect(self.statement_url())


class ImpactStatementView(StatementPageMixin, TemplateView):
    """The business impact statement: written by the incident's maker, read by the
    partnership's administrators and police."""

    allowed_roles = ALL_ROLES
    action = VIEW
    template_name = "incidents/impact_statement.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        incident = self.get_object()
        impact = selectors.impact_statement_of(incident=incident)
        maker = self.maker_is()
        if maker and "form" not in kwargs:
            context["form"] = ImpactStatementForm(instance=impact)
        context.update(incident=incident, impact=impact, maker=maker)
        return context

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        self.maker_check()
        form = ImpactStatementForm(request.POST)
        if form.is_valid():
            try:
                services.impact_save(
                    incident=self.get_object(), fields=form.cleaned_data, actor=self.actor
                )
            except ValidationError as error:
                form_errors_from(form, error)
            else:
                messages.success(request, "Impact statement saved.")
                return redirect("incidents:impact", slug=slug, pk=pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


# Evidence packs: build one from an incident or a profile, watch it being built, download it.


class IncidentPackRequestView(IncidentMixin, View):
    """POST from the incident's page: queue its evidence pack and go and watch it."""

    allowed_roles = ADMIN_AND_POLICE
    action = VIEW
    http_method_names = ["post"]

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        pack = packs.pack_request(incident=self.get_object(), actor=self.actor)
        return redirect("incidents:pack", slug=slug, token=pack.token)


class ProfilePackRequestView(TenantObjectMixin[OffenderProfile], View):
    """POST from one of this partnership's own profiles: a pack across its incidents."""

    allowed_roles = ADMIN_AND_POLICE
    object_selector = selectors.pack_profile_for
    action = VIEW
    http_method_names = ["post"]

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        pack = packs.pack_request(profile=self.get_object(), actor=self.actor)
        return redirect("incidents:pack", slug=slug, token=pack.token)


class PackMixin(TenantObjectMixin[EvidencePack]):
    allowed_roles = ADMIN_AND_POLICE
    object_selector = selectors.pack_for
    action = VIEW


class PackView(PackMixin, TemplateView):
    """The pack's progress and what it is doing, polled by htmx until ready; then downloads."""

    template_name = "incidents/pack.html"

    def get_template_names(self) -> list[str]:
        if self.request.htmx:  # type: ignore[attr-defined]
            return ["incidents/pack_status.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        pack = self.get_object()
        context.update(
            pack=pack,
            working=pack.status in (ExportStatus.QUEUED, ExportStatus.RUNNING),
            keep_days=packs.PACK_KEEP_DAYS,
        )
        return context


class PackDownloadView(PackMixin, View):
    """The pack's PDF or ZIP, never cached, each download on the record."""

    http_method_names = ["get"]
    kind = "pdf"

    def get(self, request: HttpRequest, slug: str, token: str) -> HttpResponse:
        pack = self.get_object()
        if pack.status != ExportStatus.READY:
            raise Http404("This pack is not ready.")
        content_type = "application/pdf" if self.kind == "pdf" else "application/zip"
        response = HttpResponse(packs.pack_read(pack, self.kind), content_type=content_type)
        subject = pack.profile.reference if pack.profile else f"incident-{pack.incident_id}"
        response["Content-Disposition"] = (
            f'attachment; filename="evidence-pack-{subject}.{self.kind}"'
        )
        response["Cache-Control"] = "private, no-store"
        packs.pack_download_record(pack=pack, kind=self.kind, actor=self.actor)
        return response


class TravellingView(PartnershipMixin, TemplateView):
    """People linked across partnerships and active in two or more of them this year."""

    allowed_roles = ADMIN_AND_POLICE
    template_name = "incidents/travelling.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["people"] = travelling_people(membership=self.membership)
        context["months"] = TRAVELLING_MONTHS
        return context


def fairness_chart_data(report: fairness.FairnessReport) -> dict[str, dict[str, Any]]:
    """What static/js/fairness.js draws: each breakdown's shares and each quarter's counts, with
    None (a gap in the chart) for every cell the page does not show."""
    data: dict[str, dict[str, Any]] = {
        breakdown.name: {
            "labels": [row.label for row in breakdown.rows],
            "series": [
                {"label": label, "values": [row.shares[measure] for row in breakdown.rows]}
                for measure, label in fairness.MEASURES
            ],
        }
        for breakdown in report.breakdowns
    }
    quarters = report.over_time.rows
    data["quarter"] = {
        "labels": [row.label for row in quarters],
        "series": [
            {"label": label, "values": [row.cells[measure].value for row in quarters]}
            for measure, label in fairness.MEASURES
        ],
    }
    return data


def fairness_csv_write(report: fairness.FairnessReport, out: Any) -> None:
    """One long table: a row per group of every breakdown, then the totals; suppressed cells carry
    the same words as the page."""
    writer = csv.writer(out)
    header = ["breakdown", "group"]
    for measure, _label in fairness.MEASURES:
        header += [measure, f"{measure}_share_percent"]
    writer.writerow(header)
    for breakdown in report.all_breakdowns():
        for row in breakdown.rows:
            line = [breakdown.name, row.label]
            for measure, _label in fairness.MEASURES:
                share = row.shares[measure]
                line += [row.cells[measure].text, "" if share is None else str(share)]
            writer.writerow(line)
    line = ["total", f"{report.date_from.isoformat()} to {report.date_to.isoformat()}"]
    for measure, _label in fairness.MEASURES:
        line += [report.over_time.totals[measure].text, ""]
    writer.writerow(line)


def fairness_ethnicity_audit(
    view: PartnershipMixin, report: fairness.FairnessReport, shown_as: str
) -> None:
    if report.with_ethnicity:
        # Special-category data (UK GDPR Art. 9): each view of the breakdown is on the record,
        # as each use of the Dataview's filter is.
        audit_record(
            action="fairness.ethnicity_view", actor=view.actor, detail={"format": shown_as}
        )


class FairnessView(PartnershipMixin, TemplateView):
    """Administrators only: it judges their own circulation and exclusion decisions, and it
    holds the scheme's special-category figures, which police liaison have no need of."""

    allowed_roles = ADMIN_ONLY
    template_name = "incidents/fairness.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        report = fairness.fairness_report(
            partnership=self.partnership, today=timezone.localdate(timezone=STATS_TIME_ZONE)
        )
        fairness_ethnicity_audit(self, report, "page")
        context.update(
            report=report,
            measures=fairness.MEASURES,
            chart_data=fairness_chart_data(report),
            fewer=fairness.FEWER,
        )
        return context


class FairnessCsvView(PartnershipMixin, View):
    allowed_roles = ADMIN_ONLY

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        report = fairness.fairness_report(
            partnership=self.partnership, today=timezone.localdate(timezone=STATS_TIME_ZONE)
        )
        fairness_ethnicity_audit(self, report, "CSV")
        filename = f"{self.partnership.slug}-fairness-report.csv"
        response = HttpResponse(
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
        response.write(BYTE_ORDER_MARK)
        fairness_csv_write(report, response)
        return response

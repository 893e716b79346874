"""Partners page (sharing agreements) and the Dataview."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.template import engines
from django.utils.safestring import mark_safe
from django.views.generic import FormView, TemplateView, View

from bcrp.actors import CHANGE, VIEW
from bcrp.audit import audit_record
from bcrp.keyset import BadCursor, KeysetPage, keyset_cursor_at, keyset_page
from bcrp.rows import RowDate, RowLink
from offenders.merge import profile_merge
from offenders.models import OffenderProfile, ProfileStatus, display_name_of
from partnerships.models import Role
from partnerships.tenancy import (
    ADMIN_AND_POLICE,
    ADMIN_ONLY,
    PartnershipMixin,
    TenantObjectMixin,
)
from sharing import answers, selectors, services
from sharing.documents import document_current, document_pdf, documents_refresh
from sharing.filtersets import DataviewFilter
from sharing.forms import (
    AgreementReferenceForm,
    AnswerForm,
    AnswerSearchForm,
    CandidateDecisionForm,
    DocumentSettingsForm,
)
from sharing.links import candidate_dismiss, link_make, link_remove
from sharing.models import (
    AnswerStatus,
    DocumentKind,
    IdentityAnswer,
    ProfileLink,
    SchemeDocument,
)

DATAVIEW_PAGE_SIZE = 50
# Past this many matches the Dataview says "more than" rather than counting every one.
COUNT_CAP = 1000
ANSWER_CHOICES_SHOWN = 20


class PartnersView(PartnershipMixin, TemplateView):
    allowed_roles = ADMIN_ONLY
    template_name = "sharing/partners.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["rows"] = selectors.partner_rows(partnership=self.partnership)
        return context


class PartnerView(TenantObjectMixin[selectors.PartnerRow], TemplateView):
    """One other partnership: its state, and what accepting would give and gain."""

    allowed_roles = ADMIN_ONLY
    object_selector = selectors.partner_for
    action = VIEW
    template_name = "sharing/partner.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        row = self.get_object()
        gain = selectors.profiles_shareable_count(partnership=row.partnership)
        give = selectors.profiles_shareable_count(partnership=self.partnership)
        scale = max(gain, give, 1)
        context.update(
            row=row,
            gain=gain,
            give=give,
            # Bar lengths out of 100 for the give/gain chart; a non-zero count stays visible.
            gain_bar=max(round(100 * gain / scale), 1 if gain else 0),
            give_bar=max(round(100 * give / scale), 1 if give else 0),
        )
        return context


class PartnerActionView(PartnerView):
    """Request, accept, decline or end sharing with another partnership (POST only)."""

    http_method_names = ["post"]
    action = CHANGE
    operation = ""

    def post(self, request: HttpRequest, slug: str, other: str) -> HttpResponse:
        partner = self.get_object().partnership
        form = AgreementReferenceForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                messages.error(request, " ".join(str(error) for error in errors))
            return self.render_to_response(self.get_context_data(), status=400)
        reference = form.cleaned_data["agreement_reference"]
        p, actor = self.partnership, self.actor
        try:
            if self.operation == "request":
                services.consent_request(
                    partnership=p,
                    partner=partner,
                    agreement_reference=reference,
                    actor=actor,
                )
                messages.success(request, f"Request sent to {partner}'s administrators.")
            elif self.operation == "accept":
                services.consent_accept(
                    partnership=p,
                    partner=partner,
                    agreement_reference=reference,
                    actor=actor,
                )
                messages.success(request, f"You now share with {partner}.")
            elif self.operation == "decline":
                services.consent_decline(partnership=p, partner=partner, actor=actor)
                messages.success(request, f"Request from {partner} declined.")
            elif self.operation == "revoke":
                services.consent_revoke(partnership=p, partner=partner, actor=actor)
                messages.success(request, f"Sharing with {partner} has ended.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("sharing:partner", slug=slug, other=other)


class DataviewView(PartnershipMixin, TemplateView):
    """Own and peers' profiles in one list; filters in the query string; htmx updates.

    Pages are keyset pages (a cursor in the address, see bcrp.keyset), so the fiftieth costs
    what the first costs; the count stops at COUNT_CAP, past which it reads "more than". The
    results (count, rows, pager) are a Jinja2 fragment: the whole page holds it, an htmx
    request gets it alone.
    """

    allowed_roles = ADMIN_AND_POLICE
    template_name = "sharing/dataview.html"
    results_template = "sharing/dataview_results.html"  # in the "jinja2" engine
    page_size = DATAVIEW_PAGE_SIZE

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        filterset = DataviewFilter(
            request.GET,
            queryset=selectors.dataview_rows(membership=self.membership),
            partnership=self.partnership,
        )
        if filterset.errors:
            return self.answer(filterset, status=400, filter_errors=_filter_errors(filterset))
        order, keys = filterset.sort_keys
        query = _query_kept(request.GET)
        page_number = _page_number(request.GET.get("page", ""))
        if page_number > 1 and not request.GET.get("cursor"):
            # An address from before cursors (a bookmark): the page it named, found once.
            cursor = keyset_cursor_at(
                filterset.qs,
                order=order,
                keys=keys,
                offset=(page_number - 1) * self.page_size,
            )
            if cursor is not None:
                query["cursor"] = cursor
            return redirect(f"{request.path}?{query.urlencode()}" if query else request.path)
        try:
            page = keyset_page(
                filterset.qs.values_list(*selectors.DATAVIEW_ROW_COLUMNS, named=True),
                order=order,
                keys=keys,
                cursor=request.GET.get("cursor", ""),
                size=self.page_size,
            )
        except BadCursor:
            query.pop("cursor", None)
            return self.answer(filterset, status=400, query=query.urlencode(), bad_cursor=True)
        page.rows = DataviewRow.page_of(page.rows, slug=self.partnership.slug)
        shown = [row.id for row in page.rows]
        if shown:
            # The browser fetches each row's thumbnail on its own; this one event covers them.
            audit_record(action="dataview.view", actor=self.actor, detail={"profile_ids": shown})
        if filterset.ethnicity_used:
            # Special-category data (UK GDPR Art. 9): every use is on the record.
            audit_record(
                action="dataview.filter_perceived_ethnicity",
                actor=self.actor,
                detail={"code": filterset.ethnicity_used},
            )
        # Counting every match costs what reading every match costs: past the cap it says so.
        counted = filterset.qs.order_by().values("pk")[: COUNT_CAP + 1].count()
        query.pop("cursor", None)
        return self.answer(
            filterset,
            query=query.urlencode(),
            page=page,
            count=min(counted, COUNT_CAP),
            count_more=counted > COUNT_CAP,
        )

    def answer(
        self,
        filterset: DataviewFilter,
        *,
        status: int = 200,
        query: str = "",
        filter_errors: list[tuple[str, list[str]]] | None = None,
        bad_cursor: bool = False,
        page: KeysetPage | None = None,
        count: int = 0,
        count_more: bool = False,
    ) -> HttpResponse:
        """The results fragment, alone for htmx or in the whole page with the filter form."""
        here = self.request.path
        kept = f"{query}&" if query else ""
        page = page or KeysetPage()
        results = (
            engines["jinja2"]
            .get_template(self.results_template)
            .render(
                {
                    "filter_errors": filter_errors,
                    "non_field_errors": filterset.form.non_field_errors() if filter_errors else [],
                    "bad_cursor": bad_cursor,
                    "rows": page.rows,
                    "count": count,
                    "count_more": count_more,
                    "first_page": f"{here}?{query}" if query else here,
                    "next_page": _cursor_link(kept, page.next_cursor),
                    "previous_page": _cursor_link(kept, page.previous_cursor),
                }
            )
        )
        if self.request.htmx:  # type: ignore[attr-defined]
            return HttpResponse(results, status=status)
        context = self.get_context_data(
            filter=filterset,
            page=page,
            results=mark_safe(results),  # noqa: S308 - Jinja2 escaped it
        )
        return self.render_to_response(context, status=status)


@dataclass(slots=True)
class DataviewRow:
    """One row as the results fragment prints it, worked out once per page rather than by a
    tag or filter in each row: links reversed once, dates and labels written here."""

    id: int
    name: str
    reference: str
    aliases: list[str]
    partnership_name: str
    status_label: str
    notice_kind: str
    notice_until: str
    gallery_names: list[str]
    added_on: str
    link: str
    thumb_link: str

    @classmethod
    def page_of(cls, values: list[Any], *, slug: str) -> list[DataviewRow]:
        profile_link = RowLink("offenders:profile", slug)
        thumb_link = RowLink("offenders:image-thumb", slug)
        row_date = RowDate()
        statuses = {value: str(label) for value, label in ProfileStatus.choices}
        return [
            cls(
                id=v.id,
                name=display_name_of(v.first_name, v.last_name),
                reference=v.reference,
                aliases=v.aliases,
                partnership_name=v.partnership__name,
                status_label=statuses[v.status],
                notice_kind=v.notice_kind or "",
                notice_until=row_date(v.notice_ends_on) if v.notice_kind else "",
                gallery_names=v.gallery_names,
                added_on=row_date(v.created_at),
                link=profile_link(v.id),
                thumb_link=thumb_link(v.thumb_token) if v.thumb_token else "",
            )
            for v in values
        ]


def _cursor_link(kept: str, cursor: str | None) -> str:
    return f"?{kept}cursor={cursor}" if cursor else ""


def _filter_errors(filterset: DataviewFilter) -> list[tuple[str, list[str]]]:
    """Each mistyped filter's label and what is wrong with it."""
    return [(str(field.label), list(field.errors)) for field in filterset.form if field.errors]


def _query_kept(params: QueryDict) -> QueryDict:
    """The filters in use, for the pager's links: not the empty ones, not an old page number."""
    query = QueryDict(mutable=True)
    for name, values in params.lists():
        kept = [value for value in values if value != ""]
        if name != "page" and kept:
            query.setlist(name, kept)
    return query


def _page_number(raw: str) -> int:
    """An old address's page number; anything that is not one means the first page."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 7 else 1


class AnswerGiveView(TenantObjectMixin[OffenderProfile], TemplateView):
    """ "We know this person": a peer's ID-sought profile answered with one of our own."""

    allowed_roles = ADMIN_AND_POLICE
    object_selector = selectors.sought_for
    action = VIEW
    template_name = "sharing/answer_give.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        search = AnswerSearchForm(self.request.GET)
        offered = None
        if search.is_valid():
            offered = selectors.answer_profiles_offered(
                membership=self.membership, search=search.cleaned_data["q"]
            )[:ANSWER_CHOICES_SHOWN]
        context.update(
            sought=self.get_object(),
            search=search,
            offered=offered,
            form=kwargs.get("form") or AnswerForm(),
        )
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        context = self.get_context_data()
        return self.render_to_response(context, status=400 if context["search"].errors else 200)

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        sought = self.get_object()
        form = AnswerForm(request.POST)
        if form.is_valid():
            try:
                answer = answers.answer_give(
                    membership=self.membership,
                    sought_id=sought.pk,
                    known_id=form.cleaned_data["known"],
                    note=form.cleaned_data["note"],
                    actor=self.actor,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    f"{sought.partnership.name} has been told; they will confirm or decline.",
                )
                return redirect("sharing:answer", slug=slug, pk=answer.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class AnswerView(TenantObjectMixin[IdentityAnswer], TemplateView):
    """One answer: the sought profile and the answering partnership's, side by side."""

    allowed_roles = ADMIN_AND_POLICE
    object_selector = selectors.answer_for
    action = VIEW
    template_name = "sharing/answer.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        answer = self.get_object()
        context.update(
            answer=answer,
            may_decide=self.membership.role == Role.ADMIN
            and answer.sought.partnership_id == self.partnership.pk
            and answer.status == AnswerStatus.WAITING,
        )
        return context


class AnswerDecideView(TenantObjectMixin[IdentityAnswer], View):
    """The seeking partnership's administrator confirms (links the two profiles) or declines."""

    allowed_roles = ADMIN_ONLY
    object_selector = selectors.answer_for
    action = CHANGE
    http_method_names = ["post"]
    confirm = False

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        answer = self.get_object()
        try:
            answers.answer_decide(
                membership=self.membership,
                answer_id=answer.pk,
                confirm=self.confirm,
                actor=self.actor,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if self.confirm:
                messages.success(
                    request, f"Linked with {answer.known.reference} of {answer.answered_in.name}."
                )
            else:
                messages.success(request, "Answer declined.")
        return redirect("sharing:answer", slug=slug, pk=pk)


class LinkUndoView(TenantObjectMixin[ProfileLink], View):
    """Undo a same-person link (POST only), back to the profile it was undone from."""

    allowed_roles = ADMIN_ONLY
    object_selector = selectors.link_for
    action = CHANGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        link = self.get_object()
        pair = (link.first_id, link.second_id)
        back = request.POST.get("back", "")
        shown = int(back) if back.isdigit() and int(back) in pair else link.first_id
        try:
            link_remove(partnership=self.partnership, link=link, actor=self.actor)
            messages.success(request, "The link is undone: they are no longer shown as one.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("offenders:profile", slug=slug, pk=shown)


class LinkMergeView(TenantObjectMixin[selectors.MergePair], TemplateView):
    """Merge two linked profiles of this partnership: both side by side with what moves, and
    the choice of which to keep (POST merges)."""

    allowed_roles = ADMIN_ONLY
    object_selector = selectors.merge_pair_for
    action = CHANGE
    template_name = "sharing/link_merge.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        pair = self.get_object()
        context.update(pair=pair, keep=kwargs.get("keep", pair.sides[0].profile.pk))
        return context

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        pair = self.get_object()
        ids = [side.profile.pk for side in pair.sides]
        keep = request.POST.get("keep", "")
        if not keep.isdigit() or int(keep) not in ids:
            messages.error(request, "Choose which of the two profiles to keep.")
            return self.render_to_response(self.get_context_data(), status=400)
        kept_id = int(keep)
        merged_id = ids[1] if kept_id == ids[0] else ids[0]
        merged = pair.sides[ids.index(merged_id)].profile.reference
        try:
            kept = profile_merge(
                partnership=self.partnership,
                kept_id=kept_id,
                merged_id=merged_id,
                actor=self.actor,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return self.render_to_response(self.get_context_data(keep=kept_id), status=400)
        messages.success(request, f"{merged} is merged into {kept.reference}.")
        return redirect("offenders:profile", slug=slug, pk=kept.pk)


class CandidatesView(PartnershipMixin, TemplateView):
    """Administrators' review queue: possible same-person pairs, best first, with the evidence
    side by side; "Same person" links the two, "Not the same" is remembered. htmx replaces the
    list in place after each answer."""

    allowed_roles = ADMIN_ONLY
    template_name = "sharing/candidates.html"
    page_size = 30

    def get_template_names(self) -> list[str]:
        if self.request.htmx:  # type: ignore[attr-defined]
            return ["sharing/_candidates_list.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        pairs = selectors.candidate_queue(membership=self.membership)[: self.page_size]
        # Our own profile on the left, whichever id is lower.
        context["pairs"] = [
            (pair, pair.first, pair.second)
            if pair.first.partnership_id == self.partnership.pk
            else (pair, pair.second, pair.first)
            for pair in pairs
        ]
        return context

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        form = CandidateDecisionForm(request.POST)
        status = 200
        if not form.is_valid():
            for errors in form.errors.values():
                messages.error(request, " ".join(str(error) for error in errors))
            status = 400
        else:
            data = form.cleaned_data
            decide = link_make if data["decision"] == form.SAME else candidate_dismiss
            try:
                decide(
                    partnership=self.partnership,
                    profile_id=data["profile"],
                    other_id=data["other"],
                    actor=self.actor,
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                status = 400
            else:
                messages.success(
                    request,
                    "Linked as the same person."
                    if data["decision"] == form.SAME
                    else "Noted: not the same person.",
                )
        if status == 200 and not request.htmx:  # type: ignore[attr-defined]
            return redirect("sharing:candidates", slug=slug)
        return self.render_to_response(self.get_context_data(), status=status)


class DocumentsView(PartnershipMixin, TemplateView):
    """The scheme's data protection documents, brought up to date with its settings on opening
    (a refresh task that never ran must not leave an old version showing)."""

    allowed_roles = ADMIN_AND_POLICE
    template_name = "sharing/documents.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        documents_refresh(self.partnership)
        context["documents"] = selectors.documents_current(membership=self.membership)
        return context


class DocumentView(TenantObjectMixin[SchemeDocument], TemplateView):
    """One version of a document, with the list of all its versions."""

    allowed_roles = ADMIN_AND_POLICE
    object_selector = selectors.document_for
    action = VIEW
    template_name = "sharing/document.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        document = self.get_object()
        context.update(
            document=document,
            content=document.content,
            versions=selectors.document_versions(document=document),
        )
        return context


def _pdf_response(document: SchemeDocument, name: str) -> HttpResponse:
    response = HttpResponse(document_pdf(document), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}-v{document.version}.pdf"'
    return response


class DocumentPdfView(TenantObjectMixin[SchemeDocument], View):
    allowed_roles = ADMIN_AND_POLICE
    object_selector = selectors.document_for
    action = VIEW
    http_method_names = ["get"]

    def get(self, request: HttpRequest, slug: str, document: int) -> HttpResponse:
        found = self.get_object()
        return _pdf_response(found, f"{slug}-{found.kind}")


class DocumentSettingsView(PartnershipMixin, FormView[DocumentSettingsForm]):
    allowed_roles = ADMIN_ONLY
    template_name = "sharing/document_settings.html"
    form_class = DocumentSettingsForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {
            **super().get_form_kwargs(),
            "instance": selectors.document_settings_of(partnership=self.partnership),
        }

    def form_valid(self, form: DocumentSettingsForm) -> HttpResponse:
        changes = services.document_settings_change(
            partnership=self.partnership, values=form.cleaned_data, actor=self.actor
        )
        if changes:
            messages.success(self.request, "Saved: the documents now say this.")
        else:
            messages.info(self.request, "Nothing was changed.")
        return redirect("sharing:documents", slug=self.partnership.slug)


PUBLIC_NOTICES = {False: DocumentKind.PRIVACY_NOTICE, True: DocumentKind.PRIVACY_NOTICE_SHORT}


class PublicPrivacyNoticeView(TemplateView):
    """A scheme's privacy notice, full or short, for anyone without signing in: written from
    the scheme's settings, never from anyone's records."""

    template_name = "sharing/privacy_notice_public.html"
    short = False
    pdf = False
    http_method_names = ["get"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        scheme = selectors.partnership_by_slug(slug=kwargs["slug"])
        if scheme is None:
            raise Http404("No such scheme.")
        document = document_current(scheme, PUBLIC_NOTICES[self.short])
        if self.pdf:
            return _pdf_response(document, f"{scheme.slug}-{document.kind}")
        return self.render_to_response(
            {"scheme": scheme, "document": document, "content": document.content}
        )

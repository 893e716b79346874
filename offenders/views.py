"""Pages for offender profiles, galleries, photos, notices and subject access exports; all reads go
through offenders.selectors."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView
from django_ratelimit.core import is_ratelimited

from bcrp.actors import CHANGE, EXPORT, VIEW, Actor, client_ip
from bcrp.audit import audit_record
from bcrp.forms import InvalidFormIs400, form_errors_from
from bcrp.qr import qr_svg_data_url
from offenders import selectors, services
from offenders.briefing import briefing_pdf
from offenders.exports import EXPORT_KEEP_DAYS, export_read, export_request
from offenders.forms import (
    AppealForm,
    ChallengeDecideForm,
    ChallengeForm,
    ExportRequestForm,
    GalleryForm,
    NoticeForm,
    PartnershipOnboardForm,
    PhotoUploadForm,
    PlacementForm,
    ProfileForm,
    PublicAccessForm,
    PublicAppealForm,
    SchemeSettingsForm,
    SightingForm,
    SubjectRequestDecideForm,
    SubjectRequestForm,
)
from offenders.models import (
    Exclusion,
    ExportStatus,
    Gallery,
    GalleryPlacement,
    OffenderImage,
    OffenderProfile,
    ProfileChallenge,
    ProfileStatus,
    SubjectAccessExport,
    SubjectRequest,
    SubjectRequestKind,
)
from offenders.onboarding import partnership_onboard
from offenders.retention import purge_date
from partnerships.models import Role
from partnerships.selectors import premises_of_partnership
from partnerships.tenancy import (
    ADMIN_AND_POLICE,
    ADMIN_ONLY,
    ALL_ROLES,
    PartnershipMixin,
    StoredPhotoView,
    TenantEditView,
    TenantListView,
    TenantObjectMixin,
)

PROFILES_PER_PAGE = 50
GALLERY_PER_PAGE = 60
SIGHTINGS_SHOWN = 20
SIGHTING_ROLES: frozenset[str] = frozenset({Role.ADMIN, Role.MEMBER})


class ProfileMixin(TenantObjectMixin[OffenderProfile]):
    """A page about one profile, found through offenders.selectors.profile_for: a profile the
    person may not see (or, to change it, does not own) is indistinguishable from a missing one."""

    object_selector = selectors.profile_for
    action = VIEW

    def can_edit(self, profile: OffenderProfile) -> bool:
        """Whether to offer the buttons that change it; the pages behind them ask
        profile_for again with CHANGE."""
        return self.membership.may(CHANGE) and profile.partnership_id == self.partnership.pk

    def profile_url(self) -> str:
        return reverse(
            "offenders:profile",
            kwargs={"slug": self.partnership.slug, "pk": self.get_object().pk},
        )


class ProfileListView(PartnershipMixin, TemplateView):
    allowed_roles = ADMIN_AND_POLICE
    template_name = "offenders/profile_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        search = self.request.GET.get("q", "")[:100]
        status = self.request.GET.get("status", "")
        if status not in ProfileStatus.values:
            status = ""
        profiles = selectors.profiles_matching(
            membership=self.membership, search=search, status=status
        )
        page = Paginator(profiles, PROFILES_PER_PAGE).get_page(self.request.GET.get("page"))
        shown = [profile.pk for profile in page.object_list]
        if shown:
            # The browser fetches each row's thumbnail on its own; this one event covers them.
            audit_record(
                action="profile_list.view", actor=self.actor, detail={"profile_ids": shown}
            )
        context.update(page=page, q=search, status=status, statuses=ProfileStatus.choices)
        return context


class ProfileFormView(PartnershipMixin, FormView[ProfileForm]):
    allowed_roles = ADMIN_ONLY
    template_name = "offenders/profile_form.html"
    form_class = ProfileForm
    instance: OffenderProfile | None = None

    def get_form_kwargs(self) -> dict[str, Any]:
        return {
            **super().get_form_kwargs(),
            "partnership": self.partnership,
            "instance": self.instance,
        }

    def duplicates(self, form: ProfileForm) -> list[OffenderProfile]:
        if form.cleaned_data.get("not_a_duplicate"):
            return []
        return selectors.profiles_possibly_duplicate(
            membership=self.membership,
            first_name=form.cleaned_data.get("first_name", ""),
            last_name=form.cleaned_data.get("last_name", ""),
            date_of_birth=form.cleaned_data.get("date_of_birth"),
            exclude_pk=self.instance.pk if self.instance else None,
        )

    def form_valid(self, form: ProfileForm) -> HttpResponse:
        duplicates = self.duplicates(form)
        if duplicates:
            form.show_duplicate_confirmation()
            return self.render_to_response(self.get_context_data(form=form, duplicates=duplicates))
        fields = {
            name: value for name, value in form.cleaned_data.items() if name != "not_a_duplicate"
        }
        try:
            profile = self.save(fields)
        except ValidationError as error:
            form_errors_from(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Saved {profile.reference}.")
        return redirect("offenders:profile", slug=self.partnership.slug, pk=profile.pk)

    def save(self, fields: dict[str, Any]) -> OffenderProfile:
        if self.instance is None:
            return services.profile_create(
                partnership=self.partnership, fields=fields, actor=self.actor
            )
        return services.profile_update(profile=self.instance, fields=fields, actor=self.actor)


class ProfileCreateView(ProfileFormView):
    extra_context = {"title": "New offender profile", "submit": "Create profile"}


class ProfileEditView(ProfileMixin, ProfileFormView):
    action = CHANGE
    extra_context = {"title": "Edit profile", "submit": "Save"}

    def get_form_kwargs(self) -> dict[str, Any]:
        self.instance = self.get_object()
        return super().get_form_kwargs()


class ProfileDetailView(ProfileMixin, TemplateView):
    """Administrators and police get the whole profile; a member who taps a circulated photo
    gets a card with what a person at a till needs, and 404 for anything not circulated."""

    allowed_roles = ALL_ROLES
    template_name = "offenders/profile_detail.html"

    def get_template_names(self) -> list[str]:
        if self.membership.role == Role.MEMBER:
            return ["offenders/profile_member.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        profile = self.get_object()
        audit_record(action="profile.view", actor=self.actor, target=profile)
        if self.membership.role == Role.MEMBER:
            context.update(profile=profile, images=profile.images.all())
            return context
        context.update(
            profile=profile,
            images=profile.images.all(),
            placements=profile.placements.all(),
            placement_form=kwargs.get("placement_form")
            or PlacementForm(partnership=self.partnership),
            upload_form=PhotoUploadForm(),
            juvenile=profile.is_juvenile(),
            purge_on=purge_date(profile),
            export_keep_days=EXPORT_KEEP_DAYS,
            can_edit=self.can_edit(profile),
            notices=profile.all_notices,
            notice_form=kwargs.get("notice_form") or NoticeForm(partnership=self.partnership),
            history=selectors.events_of_profile(membership=self.membership, profile=profile)[:50],
            # Administrators of the owner only: who of ours looked at it.
            seen_by=selectors.profile_seen_by(membership=self.membership, profile=profile)[:20]
            if self.membership.role == Role.ADMIN and profile.partnership_id == self.partnership.pk
            else None,
            sightings=selectors.sightings_of_profile(membership=self.membership, profile=profile)[
                :SIGHTINGS_SHOWN
            ],
            own=profile.partnership_id == self.partnership.pk,
            challenge=selectors.challenge_latest_of(profile=profile)
            if profile.partnership_id == self.partnership.pk
            else None,
        )
        return context


class ProfileStatusView(ProfileMixin, View):
    """Archive or restore (POST only)."""

    allowed_roles = ADMIN_ONLY
    action = CHANGE
    http_method_names = ["post"]
    archive = True

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        profile = self.get_object()
        if self.archive:
            services.profile_archive(profile=profile, actor=self.actor)
            messages.success(request, f"{profile.reference} archived.")
        else:
            services.profile_restore(profile=profile, actor=self.actor)
            messages.success(request, f"{profile.reference} restored.")
        return redirect(self.profile_url())


class ProfileImagesView(ProfileMixin, TemplateView):
    """GET: the photo strip (htmx polls it until thumbnails are ready). POST: upload photos,
    for the owning partnership's administrators."""

    allowed_roles = ALL_ROLES
    post_action = CHANGE
    template_name = "offenders/_images.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        profile = self.get_object()
        images = list(profile.images.all())
        shown = [image.pk for image in images if image.processed_at is not None]
        if shown:
            # The strip's thumbnails (polled in while they are made) are fetched one by one;
            # this one event covers them.
            audit_record(
                action="profile.view", actor=self.actor, target=profile, detail={"image_ids": shown}
            )
        context.update(
            profile=profile,
            images=images,
            pending=any(image.processed_at is None for image in images),
            can_edit=self.can_edit(profile),
        )
        return context

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        profile = self.get_object()
        form = PhotoUploadForm(request.POST, request.FILES)
        problems: list[str] = []
        warnings: list[str] = []
        added = 0
        if not form.is_valid():
            problems.extend(str(e) for e in form.errors.get("photos", []))
        else:
            for upload in form.cleaned_data["photos"]:
                try:
                    image = services.image_add(profile=profile, upload=upload, actor=self.actor)
                except ValidationError as error:
                    problems.extend(error.messages)
                    continue
                added += 1
                for alike in selectors.images_alike_on_profile(image=image):
                    warnings.append(
                        f"{upload.name} looks like photo {alike.position + 1} already on this "
                        "profile: possible duplicate. Delete one if they are the same picture."
                    )
                for match in selectors.images_matching(
                    membership=self.membership,
                    sha256=image.sha256,
                    phash=image.phash,
                    exclude_profile_pk=profile.pk,
                ):
                    warnings.append(
                        f"{upload.name} looks like a photo on {match.profile.reference} "
                        f"({match.profile.display_name}): possible duplicate."
                    )
        self.get_object(reload=True)  # with the new photos
        status = 400 if problems and not added else 200
        if not request.htmx:  # type: ignore[attr-defined]
            if status == 400:
                return render(
                    request,
                    "offenders/images_page.html",
                    self.get_context_data(problems=problems),
                    status=400,
                )
            for text in problems:
                messages.error(request, text)
            for text in warnings:
                messages.warning(request, text)
            if added:
                messages.success(request, f"{added} photo{'s' if added != 1 else ''} added.")
            return redirect(self.profile_url())
        context = self.get_context_data(problems=problems, warnings=warnings, added=added)
        return self.render_to_response(context, status=status)


class ImageActionView(TenantObjectMixin[OffenderImage], View):
    """Set primary, move or delete one photo (POST only)."""

    allowed_roles = ADMIN_ONLY
    object_selector = selectors.image_for
    action = CHANGE
    http_method_names = ["post"]
    operation = ""

    def post(self, request: HttpRequest, slug: str, token: str) -> HttpResponse:
        image = self.get_object()
        if self.operation == "primary":
            services.image_set_primary(image=image, actor=self.actor)
        elif self.operation in ("up", "down"):
            offset = -1 if self.operation == "up" else 1
            services.image_move(image=image, offset=offset, actor=self.actor)
        elif self.operation == "delete":
            services.image_delete(image=image, actor=self.actor)
            messages.success(request, "Photo deleted.")
        return redirect("offenders:profile", slug=slug, pk=image.profile_id)


class ImageServeView(StoredPhotoView[OffenderImage]):
    """The only way to a photo's bytes: same rule as the pages, never cached, no guessable id."""

    allowed_roles = ALL_ROLES
    object_selector = selectors.image_for
    filename = "photo.jpg"
    audit_action = "image.view"
    audit_detail_key = "image_id"

    def audit_target(self, photo: OffenderImage) -> OffenderProfile:
        return photo.profile


class ProfilePageFormView(ProfileDetailView):
    """A form of the profile page, sent to its own address (POST only). Sent back with errors,
    the page is shown again with the form, its errors and the typed values, answering 400."""

    allowed_roles = ADMIN_ONLY
    action = CHANGE
    http_method_names = ["post"]
    form_name: str = ""

    def refuse(self, form: BaseForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(**{self.form_name: form}), status=400)


class PlacementAddView(ProfilePageFormView):
    form_name = "placement_form"

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        profile = self.get_object()
        form = PlacementForm(request.POST, partnership=self.partnership)
        if not form.is_valid():
            return self.refuse(form)
        try:
            services.placement_add(
                profile=profile,
                gallery=form.cleaned_data["gallery"],
                expires_on=form.cleaned_data["expires_on"],
                actor=self.actor,
            )
        except ValidationError as error:
            form_errors_from(form, error)
            return self.refuse(form)
        messages.success(request, f"Added to {form.cleaned_data['gallery']}.")
        return redirect(self.profile_url())


class PlacementRemoveView(TenantObjectMixin[GalleryPlacement], View):
    allowed_roles = ADMIN_ONLY
    object_selector = selectors.placement_for
    action = CHANGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        placement = self.get_object()
        services.placement_remove(placement=placement, actor=self.actor)
        messages.success(request, f"Removed from {placement.gallery}.")
        return redirect("offenders:profile", slug=slug, pk=placement.profile_id)


class CirculatedGalleryView(PartnershipMixin, TemplateView):
    """What members see at the till: photos, names, warnings. Nothing else."""

    allowed_roles = ALL_ROLES
    template_name = "offenders/gallery.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        galleries = list(selectors.galleries_circulated(partnership=self.partnership))
        chosen: Gallery | None = None
        wanted = self.request.GET.get("g", "")
        if wanted.isdigit():
            chosen = next((g for g in galleries if g.pk == int(wanted)), None)
        profiles = selectors.profiles_circulated(membership=self.membership, gallery=chosen)
        page = Paginator(profiles, GALLERY_PER_PAGE).get_page(self.request.GET.get("page"))
        audit_record(
            action="gallery.view",
            actor=self.actor,
            target=chosen,
            # The thumbnails shown, each fetched on its own and covered by this one event.
            detail={"profile_ids": [profile.pk for profile in page.object_list]},
        )
        context.update(galleries=galleries, chosen=chosen, page=page)
        if self.membership.role in SIGHTING_ROLES:
            context.update(
                may_report_sighting=True,
                sighting_premises=list(premises_of_partnership(partnership=self.partnership)),
                sighting_premises_id=self.membership.premises_id,
            )
        return context


class SightingRecordView(TenantObjectMixin[OffenderProfile], View):
    """The "Seen now" of a gallery card (POST only): one tap records it; htmx gets the card's
    confirmation, or the card's form with what to correct (400)."""

    allowed_roles = SIGHTING_ROLES
    object_selector = selectors.sighting_profile_for
    action = VIEW
    http_method_names = ["post"]

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        profile = self.get_object()
        form = SightingForm(request.POST, partnership=self.partnership)
        sighting = None
        if form.is_valid():
            try:
                sighting = services.sighting_record(
                    membership=self.membership,
                    profile=profile,
                    premises=form.cleaned_data["premises"],
                    note=form.cleaned_data["note"],
                    seen_at=form.cleaned_data["seen_at"],
                    actor=self.actor,
                )
            except ValidationError as error:
                form_errors_from(form, error)
        status = 200 if sighting is not None else 400
        context = {"partnership": self.partnership, "profile": profile, "form": form}
        if request.htmx:  # type: ignore[attr-defined]
            context["sighting"] = sighting
            return render(request, "offenders/_sighting.html", context, status=status)
        if sighting is None:
            return render(request, "offenders/sighting_refused.html", context, status=400)
        messages.success(
            request,
            f"Recorded {timezone.localtime(sighting.seen_at):%H:%M} — the scheme's "
            "administrators have been told.",
        )
        return redirect("offenders:gallery", slug=self.partnership.slug)


class GalleryListView(TenantListView):
    title = "Galleries"
    add_url_name = "offenders:gallery-add"
    edit_url_name = "offenders:gallery-edit"
    columns = (
        ("Name", "name"),
        ("Default expiry (months)", "default_expiry_months"),
        ("Members may see", "members_may_see"),
    )

    def get_queryset(self) -> QuerySet[Gallery]:
        return selectors.galleries_of_partnership(partnership=self.partnership)


class GalleryEditView(TenantEditView):
    object_selector = selectors.gallery_for
    form_class = GalleryForm
    noun = "gallery"
    list_url_name = "offenders:galleries"

    def save(self, instance: Any) -> Any:
        return services.gallery_save(
            partnership=self.partnership, gallery=instance, actor=self.actor
        )


class GalleryBriefingView(TenantObjectMixin[Gallery], View):
    """The members' gallery as a PDF for administrators to print and hand to members: built
    here, not on the worker: 200 people take about a second."""

    allowed_roles = ADMIN_ONLY
    object_selector = selectors.gallery_for
    action = EXPORT
    http_method_names = ["get"]

    def get(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        gallery = self.get_object()
        if not gallery.members_may_see:
            return render(
                request,
                "offenders/briefing_refused.html",
                {"gallery": gallery, "partnership": self.partnership, "is_admin": True},
                status=409,
            )
        today = timezone.localdate()
        placements = list(
            selectors.placements_briefed(partnership=self.partnership, gallery=gallery, today=today)
        )
        pdf = briefing_pdf(
            partnership=self.partnership, gallery=gallery, placements=placements, today=today
        )
        audit_record(
            action="gallery.briefing",
            actor=self.actor,
            target=gallery,
            detail={"profile_ids": [placement.profile_id for placement in placements]},
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="gallery-briefing-{gallery.pk}-{today:%Y-%m-%d}.pdf"'
        )
        response["Cache-Control"] = "private, no-store"
        return response


class NoticeIssueView(ProfilePageFormView):
    """Issue a warning or exclusion; a repeat warning escalates by the scheme."""

    form_name = "notice_form"

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        profile = self.get_object()
        form = NoticeForm(request.POST, partnership=self.partnership)
        if not form.is_valid():
            return self.refuse(form)
        data = form.cleaned_data
        try:
            notice = services.exclusion_issue(
                profile=profile,
                kind=data["kind"],
                reason=data["reason"],
                starts_on=data["starts_on"],
                premises=list(data["premises"]),
                served_by=data["served_by"],
                served_on=data["served_on"],
                actor=self.actor,
            )
        except ValidationError as error:
            form_errors_from(form, error)
            return self.refuse(form)
        if notice.escalated_from_id:
            messages.warning(
                request,
                "A warning was already on record, so this became an exclusion "
                f"until {notice.ends_on:%d %B %Y}.",
            )
        else:
            messages.success(request, f"{notice.get_kind_display()} issued.")
        return redirect("offenders:notice", slug=slug, pk=notice.pk)


class NoticeView(TenantObjectMixin[Exclusion], TemplateView):
    """The printable notice, and its appeal (recorded by administrators)."""

    allowed_roles = ADMIN_AND_POLICE
    object_selector = selectors.notice_for
    action = VIEW
    post_action = CHANGE
    template_name = "offenders/notice.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        notice = self.get_object()
        public_url = self.request.build_absolute_uri(
            reverse("public-notice", args=[notice.public_token])
        )
        context.update(
            notice=notice,
            profile=notice.profile,
            appeal_form=kwargs.get("appeal_form") or AppealForm(instance=notice),
            premises_list=list(notice.premises.all()),
            public_url=public_url,
            public_qr=qr_svg_data_url(public_url),
            subject_requests=(
                list(selectors.subject_requests_of_notice(notice=notice))
                if self.membership.role == Role.ADMIN
                else []
            ),
        )
        return context

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        form = AppealForm(request.POST, instance=self.get_object())
        if form.is_valid():
            try:
                services.exclusion_appeal(
                    notice=form.instance,
                    lodged_on=form.cleaned_data["appeal_lodged_on"],
                    outcome=form.cleaned_data["appeal_outcome"],
                    decided_on=form.cleaned_data["appeal_decided_on"],
                    actor=self.actor,
                )
            except ValidationError as error:
                form_errors_from(form, error)
        if form.errors:
            # The form wrote the typed values onto the notice; the page shows it as stored.
            self.get_object(reload=True)
            return self.render_to_response(self.get_context_data(appeal_form=form), status=400)
        messages.success(request, "Appeal recorded.")
        return redirect("offenders:notice", slug=slug, pk=pk)


# Subject access exports: ask for one from a profile, watch it being built, download it.


class ExportRequestView(ProfileMixin, View):
    """POST from the owning partnership's profile page: queue an export and go and watch it."""

    allowed_roles = ADMIN_ONLY
    action = EXPORT
    http_method_names = ["post"]

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        profile = self.get_object()
        form = ExportRequestForm(request.POST)
        if not form.is_valid():
            messages.error(request, "The request reference can be at most 80 characters.")
            return redirect(self.profile_url())
        export = export_request(
            profile=profile,
            request_reference=form.cleaned_data["request_reference"],
            actor=self.actor,
        )
        return redirect("offenders:export", slug=self.partnership.slug, token=export.token)


class ExportMixin(TenantObjectMixin[SubjectAccessExport]):
    allowed_roles = ADMIN_ONLY
    object_selector = selectors.export_for
    action = EXPORT


class ExportView(ExportMixin, TemplateView):
    """The export's progress, polled by htmx until it is ready, then the download link."""

    template_name = "offenders/export.html"

    def get_template_names(self) -> list[str]:
        if self.request.htmx:  # type: ignore[attr-defined]
            return ["offenders/_export_status.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        export = self.get_object()
        context.update(
            export=export,
            profile=export.profile,
            working=export.status in (ExportStatus.QUEUED, ExportStatus.RUNNING),
            keep_days=EXPORT_KEEP_DAYS,
        )
        return context


class ExportDownloadView(ExportMixin, View):
    http_method_names = ["get"]

    def get(self, request: HttpRequest, slug: str, token: str) -> HttpResponse:
        export = self.get_object()
        if export.status != ExportStatus.READY:
            raise Http404("This export is not ready.")
        response = HttpResponse(export_read(export), content_type="application/zip")
        response["Content-Disposition"] = (
            f'attachment; filename="subject-access-{export.profile.reference}.zip"'
        )
        response["Cache-Control"] = "private, no-store"
        audit_record(
            action="profile.export_download",
            actor=self.actor,
            target=export.profile,
            detail={"export_id": export.pk},
        )
        return response


class SchemeSettingsView(PartnershipMixin, FormView[SchemeSettingsForm]):
    """The scheme's settings: what notices print, the lengths of warnings and exclusions,
    retention, perceived ethnicity, galleries' default expiries, members' sign-in length.
    Here rather than in partnerships because the galleries are this app's."""

    allowed_roles = ADMIN_ONLY
    template_name = "offenders/scheme_settings.html"
    form_class = SchemeSettingsForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {
            **super().get_form_kwargs(),
            # A copy: the form's checks write what was typed into it, valid or not.
            "instance": copy.copy(self.partnership),
            "galleries": list(selectors.galleries_of_partnership(partnership=self.partnership)),
        }

    def form_valid(self, form: SchemeSettingsForm) -> HttpResponse:
        try:
            changes = services.scheme_settings_change(
                partnership=self.partnership,
                values=form.partnership_values(),
                gallery_expiries=form.gallery_expiries(),
                actor=self.actor,
            )
        except ValidationError as error:
            form_errors_from(form, error)
            return self.form_invalid(form)
        if changes:
            messages.success(self.request, "Settings saved.")
        else:
            messages.info(self.request, "Nothing was changed.")
        return redirect("offenders:scheme-settings", slug=self.partnership.slug)


class PartnershipOnboardView(InvalidFormIs400, FormView[PartnershipOnboardForm]):
    """The platform operator creates a partnership and invites its first administrator. Staff
    only; anyone else signed in gets 404, as for a partnership they do not belong to."""

    template_name = "offenders/partnership_onboard.html"
    form_class = PartnershipOnboardForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise Http404("No such page.")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: PartnershipOnboardForm) -> HttpResponse:
        try:
            partnership, invitation, _token = partnership_onboard(
                name=form.cleaned_data["name"],
                slug=form.cleaned_data["slug"],
                police_force_area=form.cleaned_data["police_force_area"],
                admin_email=form.cleaned_data["admin_email"],
                actor=Actor.from_request(self.request),
            )
        except ValidationError as error:
            form_errors_from(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"{partnership.name} created, with its standard galleries. An invitation is on its "
            f"way to {invitation.email}.",
        )
        return redirect("operator-partnership-new")


# The person on a notice: its public page, reached from the address printed on it.

PUBLIC_VIEWS_PER_HOUR = 30
PUBLIC_SUBMISSIONS_PER_HOUR = 5


def public_client_key(group: str, request: HttpRequest) -> str:
    return client_ip(request) or "unknown"


class PublicNoticeView(TemplateView):
    """A notice's public page: which partnership, what kind of notice, the premises and dates,
    its status and appeal outcome, the privacy notice, and the person's two forms. No sign-in;
    limited per client address. An unknown, malformed or expired token all get one 404 page."""

    template_name = "public/notice.html"
    http_method_names = ["get"]
    notice: Exclusion

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        limited = is_ratelimited(
            request,
            group="public-notice-view",
            key=public_client_key,
            rate=f"{PUBLIC_VIEWS_PER_HOUR}/h",
            increment=True,
        )
        if request.method == "POST":
            limited = (
                is_ratelimited(
                    request,
                    group="public-notice-submit",
                    key=public_client_key,
                    rate=f"{PUBLIC_SUBMISSIONS_PER_HOUR}/h",
                    increment=True,
                )
                or limited
            )
        if limited:
            # A fixed window of an hour: it has ended by this time at the latest.
            again = timezone.localtime() + timedelta(hours=1)
            response = render(request, "public/too_many.html", {"again": again}, status=429)
            response["Retry-After"] = "3600"
            return response
        notice = selectors.notice_by_public_token(token=kwargs["token"])
        if notice is None:
            return render(request, "public/notice_gone.html", status=404)
        self.notice = notice
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        notice = self.notice
        scheme = notice.profile.partnership
        try:
            privacy_url = reverse("public-privacy-notice", args=[scheme.slug])
        except NoReverseMatch:
            privacy_url = ""
        context.update(
            notice=notice,
            scheme=scheme,
            premises_list=[(p.name, p.postcode) for p in notice.premises.all()],
            privacy_url=privacy_url,
            appeal_open=notice.appeal_lodged_on is None,
            appeal_form=kwargs.get("appeal_form") or PublicAppealForm(),
            access_form=kwargs.get("access_form") or PublicAccessForm(),
        )
        return context


class PublicRequestView(PublicNoticeView):
    """The appeal or subject access request sent from a notice's public page."""

    http_method_names = ["post"]
    kind: str = SubjectRequestKind.APPEAL

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        appeal = self.kind == SubjectRequestKind.APPEAL
        form: SubjectRequestForm = (
            PublicAppealForm(request.POST) if appeal else PublicAccessForm(request.POST)
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                sent = services.subject_request_submit(
                    notice=self.notice,
                    kind=self.kind,
                    name=data["name"],
                    email=data["email"],
                    phone=data["phone"],
                    postal_address=data["postal_address"],
                    details=data["details"],
                    identity_note=data.get("identity_note", ""),
                    # The person is no user of ours, whoever's browser they borrow.
                    actor=Actor(user=None, ip=client_ip(request)),
                )
            except ValidationError as error:
                form_errors_from(form, error)
            else:
                what = "appeal" if appeal else "subject access request"
                messages.success(
                    request,
                    f"Your {what} was received on {timezone.localdate(sent.received_at):%-d %B %Y}."
                    f" {self.notice.profile.partnership.name} must answer it by "
                    f"{sent.due_on:%-d %B %Y}.",
                )
                return redirect("public-notice", token=token)
        forms_shown = {"appeal_form" if appeal else "access_form": form}
        return self.render_to_response(self.get_context_data(**forms_shown), status=400)


class SubjectRequestView(TenantObjectMixin[SubjectRequest], TemplateView):
    """A request from the person on a notice, and its decision: an appeal upheld or dismissed,
    a subject access request answered."""

    allowed_roles = ADMIN_ONLY
    object_selector = selectors.subject_request_for
    action = VIEW
    post_action = CHANGE
    template_name = "offenders/subject_request.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        subject_request = self.get_object()
        context.update(
            subject_request=subject_request,
            notice=subject_request.notice,
            profile=subject_request.notice.profile,
            decide_form=kwargs.get("decide_form")
            or SubjectRequestDecideForm(kind=subject_request.kind),
        )
        return context

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        subject_request = self.get_object()
        form = SubjectRequestDecideForm(request.POST, kind=subject_request.kind)
        if form.is_valid():
            try:
                services.subject_request_decide(
                    subject_request=subject_request,
                    outcome=form.cleaned_data["outcome"],
                    actor=self.actor,
                )
            except ValidationError as error:
                form_errors_from(form, error)
        if form.errors:
            return self.render_to_response(self.get_context_data(decide_form=form), status=400)
        messages.success(request, "Decision recorded.")
        return redirect("offenders:subject-request", slug=slug, pk=pk)


class ChallengeRaiseView(
    TenantObjectMixin[OffenderProfile], InvalidFormIs400, FormView[ChallengeForm]
):
    """Anyone in the partnership challenges one of its own profiles as inaccurate; the profile
    leaves circulation at once, until an administrator decides."""

    allowed_roles = ALL_ROLES
    object_selector = selectors.profile_to_challenge_for
    action = VIEW
    template_name = "offenders/challenge_form.html"
    form_class = ChallengeForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(profile=self.get_object(), **kwargs)

    def form_valid(self, form: ChallengeForm) -> HttpResponse:
        profile = self.get_object()
        try:
            services.challenge_raise(
                profile=profile, reason=form.cleaned_data["reason"], actor=self.actor
            )
        except ValidationError as error:
            form_errors_from(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Thank you: {profile.reference} is out of circulation until an administrator decides.",
        )
        if self.membership.role == Role.MEMBER:
            return redirect("offenders:gallery", slug=self.partnership.slug)
        return redirect("offenders:profile", slug=self.partnership.slug, pk=profile.pk)


def _refused(view: PartnershipMixin, profile_id: int, message: str, status: int) -> HttpResponse:
    return render(
        view.request,
        "offenders/refused.html",
        {"partnership": view.partnership, "profile_id": profile_id, "message": message},
        status=status,
    )


class ChallengeDecideView(TenantObjectMixin[ProfileChallenge], View):
    """An administrator upholds or rejects a challenge (POST only)."""

    allowed_roles = ADMIN_ONLY
    object_selector = selectors.challenge_for
    action = CHANGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        challenge = self.get_object()
        form = ChallengeDecideForm(request.POST)
        if not form.is_valid():
            return _refused(
                self,
                challenge.profile_id,
                "Choose whether the challenge is upheld or rejected.",
                400,
            )
        try:
            decided = services.challenge_decide(
                challenge=challenge, outcome=form.cleaned_data["outcome"], actor=self.actor
            )
        except ValidationError as error:
            return _refused(self, challenge.profile_id, " ".join(error.messages), 400)
        messages.success(request, f"Challenge {decided.get_outcome_display().lower()}.")
        return redirect("offenders:profile", slug=slug, pk=challenge.profile_id)


class PlacementApproveView(TenantObjectMixin[GalleryPlacement], View):
    """A second administrator approves a placement in a gallery members see (POST only)."""

    allowed_roles = ADMIN_ONLY
    object_selector = selectors.placement_for
    action = CHANGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        placement = self.get_object()
        try:
            services.placement_approve(placement=placement, actor=self.actor)
        except PermissionDenied as error:
            return _refused(self, placement.profile_id, str(error), 403)
        except ValidationError as error:
            return _refused(self, placement.profile_id, " ".join(error.messages), 400)
        messages.success(request, f"Approved: members now see it in {placement.gallery}.")
        return redirect("offenders:profile", slug=slug, pk=placement.profile_id)

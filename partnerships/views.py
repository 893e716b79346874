"""Partnership pages: home, people, businesses and premises, invitations; and the person's own
API tokens."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, timedelta
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView

from bcrp.actors import CHANGE, Actor
from bcrp.audit import audit_record
from bcrp.audit_phrases import ETHNICITY_FILTER
from bcrp.audit_trail import BadCursor, audit_events_of_partnership, audit_lines_all, audit_page
from bcrp.forms import form_errors_from
from bcrp.models import User
from bcrp.spreadsheets import cell_safe, csv_lines
from partnerships import selectors, services
from partnerships.audit_forms import AuditFilterForm
from partnerships.forms import (
    AccountForm,
    ApiTokenForm,
    BusinessForm,
    InvitationForm,
    MembershipForm,
    PremisesForm,
)
from partnerships.member_home import member_home_panels
from partnerships.models import Business, Invitation, Membership, Premises, Role
from partnerships.tenancy import (
    ADMIN_ONLY,
    PartnershipMixin,
    TenantEditView,
    TenantListView,
    TenantObjectMixin,
)
from partnerships.todo import todo_sections


class PartnershipHomeView(PartnershipMixin, TemplateView):
    """The partnership's front page: for administrators and police, what needs doing (each
    section only when it has something); for members, the report button, then bulletins, then
    the gallery."""

    template_name = "partnerships/home.html"
    first_visit_lookback = timedelta(days=14)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        membership = self.membership
        since = timezone.now() - self.first_visit_lookback
        if membership.role == Role.POLICE:
            previous = services.membership_home_visit(membership=membership)
            context["first_visit"] = previous is None
            since = previous or since
        context["since"] = since
        context["todo"] = todo_sections(membership=membership, since=since)
        if membership.role == Role.MEMBER:
            context["panels"] = member_home_panels(membership=membership)
            # The bulletins panel lists critical bulletins with their buttons; the banner above
            # every other page would only push the report button down.
            context["bulletins_awaiting"] = ()
        if membership.role == Role.ADMIN:
            partnership = self.partnership
            context["counts"] = {
                "people": selectors.memberships_of_partnership(partnership=partnership).count(),
                "businesses": selectors.businesses_of_partnership(partnership=partnership).count(),
                "premises": selectors.premises_of_partnership(partnership=partnership).count(),
                "invitations": selectors.invitations_open(partnership=partnership).count(),
            }
        return context


class PeopleView(PartnershipMixin, TemplateView):
    allowed_roles = ADMIN_ONLY
    template_name = "partnerships/people.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["memberships"] = selectors.memberships_of_partnership(partnership=self.partnership)
        context["invitations"] = selectors.invitations_open(partnership=self.partnership)
        return context


class InvitationCreateView(PartnershipMixin, FormView[InvitationForm]):
    allowed_roles = ADMIN_ONLY
    template_name = "tenant/form.html"
    form_class = InvitationForm
    extra_context = {"title": "Invite a person", "submit": "Send invitation"}

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "partnership": self.partnership}

    def form_valid(self, form: InvitationForm) -> HttpResponse:
        try:
            invitation, _token = services.invitation_create(
                partnership=self.partnership,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                business=form.cleaned_data["business"],
                premises=form.cleaned_data["premises"],
                actor=self.actor,
            )
        except ValidationError as error:
            form_errors_from(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Invitation sent to {invitation.email}.")
        return redirect("partnerships:people", slug=self.partnership.slug)


class InvitationRevokeView(TenantObjectMixin[Invitation], View):
    allowed_roles = ADMIN_ONLY
    object_selector = selectors.invitation_for
    action = CHANGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        invitation = self.get_object()
        services.invitation_revoke(invitation=invitation, actor=self.actor)
        messages.success(request, f"Invitation to {invitation.email} withdrawn.")
        return redirect("partnerships:people", slug=slug)


class MembershipChangeView(TenantObjectMixin[Membership], FormView[MembershipForm]):
    allowed_roles = ADMIN_ONLY
    object_selector = selectors.membership_for
    action = CHANGE
    template_name = "tenant/form.html"
    form_class = MembershipForm

    def get_form_kwargs(self) -> dict[str, Any]:
        membership = self.get_object()
        return {
            **super().get_form_kwargs(),
            "partnership": self.partnership,
            "initial": {
                "role": membership.role,
                "business": membership.business,
                "premises": membership.premises,
            },
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        membership = self.get_object()
        context = super().get_context_data(**kwargs)
        context.update(
            title=f"Role of {membership.user}",
            submit="Save",
            end_url=reverse(
                "partnerships:membership-end",
                kwargs={"slug": self.partnership.slug, "pk": membership.pk},
            ),
        )
        return context

    def form_valid(self, form: MembershipForm) -> HttpResponse:
        try:
            services.membership_change(
                membership=self.get_object(),
                role=form.cleaned_data["role"],
                business=form.cleaned_data["business"],
                premises=form.cleaned_data["premises"],
                actor=self.actor,
            )
        except ValidationError as error:
            form_errors_from(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Membership updated.")
        return redirect("partnerships:people", slug=self.partnership.slug)


class MembershipEndView(TenantObjectMixin[Membership], TemplateView):
    allowed_roles = ADMIN_ONLY
    object_selector = selectors.membership_for
    action = CHANGE
    template_name = "tenant/confirm.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        membership = self.get_object()
        context = super().get_context_data(**kwargs)
        context.update(
            title=f"Remove {membership.user} from {self.partnership}?",
            explanation="They lose access to this partnership at once. The record is kept.",
            submit="Remove",
            cancel_url=reverse("partnerships:people", args=[self.partnership.slug]),
        )
        return context

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        membership = self.get_object()
        try:
            services.membership_end(membership=membership, actor=self.actor)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("partnerships:membership-change", slug=slug, pk=pk)
        messages.success(request, f"{membership.user} no longer belongs to {self.partnership}.")
        return redirect("partnerships:people", slug=slug)


class BusinessListView(TenantListView):
    title = "Businesses"
    add_url_name = "partnerships:business-add"
    edit_url_name = "partnerships:business-edit"
    columns = (("Name", "name"), ("Contact e-mail", "contact_email"), ("Phone", "contact_phone"))

    def get_queryset(self) -> QuerySet[Business]:
        return selectors.businesses_of_partnership(partnership=self.partnership)


class BusinessEditView(TenantEditView):
    object_selector = selectors.business_for
    form_class = BusinessForm
    noun = "business"
    list_url_name = "partnerships:businesses"

    def save(self, instance: Model) -> Model:
        assert isinstance(instance, Business)
        return services.business_save(
            partnership=self.partnership, business=instance, actor=self.actor
        )


class PremisesListView(TenantListView):
    title = "Premises"
    add_url_name = "partnerships:premises-add"
    edit_url_name = "partnerships:premises-edit"
    columns = (("Name", "name"), ("Business", "business"), ("Postcode", "postcode"))

    def get_queryset(self) -> QuerySet[Premises]:
        return selectors.premises_of_partnership(partnership=self.partnership)


class PremisesEditView(TenantEditView):
    object_selector = selectors.premises_for
    form_class = PremisesForm
    noun = "premises"
    list_url_name = "partnerships:premises"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "partnership": self.partnership}

    def save(self, instance: Model) -> Model:
        assert isinstance(instance, Premises)
        return services.premises_save(
            partnership=self.partnership, premises=instance, actor=self.actor
        )


class InvitationAcceptView(View):
    """The one-time link from an invitation e-mail. Outside /p/: the holder is not a member yet."""

    template_name = "partnerships/invitation_accept.html"

    def _invitation(self, token: str) -> Invitation:
        invitation = selectors.invitation_by_token(token=token)
        if invitation is None:
            raise Http404("This invitation link has expired or has already been used.")
        return invitation

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        invitation = self._invitation(token)
        return render(request, self.template_name, self._context(request, invitation, None))

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        invitation = self._invitation(token)
        existing = selectors.user_of_invitation(invitation=invitation)
        actor = Actor.from_request(request)
        if existing is None:
            form = AccountForm(request.POST)
            if not form.is_valid():
                return render(request, self.template_name, self._context(request, invitation, form))
            membership = services.invitation_accept(
                token=token,
                actor=actor,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
            )
            login(request, membership.user, backend="bcrp.sessions.ModelBackend")
        elif actor.user is not None and actor.user.pk == existing.pk:
            services.invitation_accept(token=token, actor=actor)
        else:
            return redirect(f"{reverse('login')}?next={request.path}")
        messages.success(request, f"Welcome to {invitation.partnership.name}.")
        return redirect("partnerships:home", slug=invitation.partnership.slug)

    def _context(
        self, request: HttpRequest, invitation: Invitation, form: AccountForm | None
    ) -> dict[str, Any]:
        has_account = selectors.user_of_invitation(invitation=invitation) is not None
        return {
            "invitation": invitation,
            "has_account": has_account,
            "signed_in_as_invitee": request.user.is_authenticated
            and getattr(request.user, "email", None) == invitation.email,
            "form": form if form is not None else (None if has_account else AccountForm()),
        }


# Never stored by a browser or proxy: the answer to a creation carries the token's secret.
@method_decorator(never_cache, name="dispatch")
class ApiTokensView(LoginRequiredMixin, TemplateView):
    """The signed-in person's API tokens and the form for a new one. Outside /p/: a token acts
    as one of the person's memberships, chosen on the form.

    The secret of a new token is in the answer to the POST and nowhere else: not in the
    session, a message or a redirect, so it cannot be shown twice.
    """

    template_name = "partnerships/api_tokens.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = cast(User, self.request.user)
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ApiTokenForm(user=user))
        context["tokens"] = selectors.api_tokens_of_user(user=user)
        context["now"] = timezone.now()
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        user = cast(User, request.user)
        form = ApiTokenForm(request.POST, user=user)
        if form.is_valid():
            try:
                token, secret = services.api_token_create(
                    membership=form.cleaned_data["membership"],
                    name=form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"],
                    expires_at=timezone.now()
                    + timedelta(days=form.cleaned_data["expires_in_days"]),
                    actor=Actor.from_request(request),
                )
            except ValidationError as error:
                form_errors_from(form, error)
            else:
                context = self.get_context_data(
                    form=ApiTokenForm(user=user), created=token, secret=secret
                )
                return self.render_to_response(context, status=201)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ApiTokenRevokeView(LoginRequiredMixin, View):
    """Ends one of the person's own tokens; anyone else's is 404, like a missing one."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        token = selectors.api_token_of_user(user=cast(User, request.user), pk=pk)
        if token is None:
            raise Http404("No such token.")
        services.api_token_revoke(token=token, actor=Actor.from_request(request))
        messages.success(request, f'Token "{token.name}" revoked: it no longer works.')
        return redirect("account:api-tokens")


class AuditView(PartnershipMixin, TemplateView):
    """The partnership's own audit trail, newest first, in plain language, filtered and paged
    by cursor ("older", "newer") so that going far back costs what the first page costs."""

    allowed_roles = ADMIN_ONLY
    template_name = "partnerships/audit.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = AuditFilterForm(request.GET, partnership=self.partnership)
        context = self.get_context_data(
            form=form, ethnicity_filter=ETHNICITY_FILTER, query=_filters_query(request)
        )
        if not form.is_valid():
            return self.render_to_response(context, status=400)
        events = audit_events_of_partnership(
            partnership_id=self.partnership.pk, filters=form.filters()
        )
        try:
            context["page"] = audit_page(events, cursor=request.GET.get("cursor", ""))
        except BadCursor:
            context["bad_cursor"] = True
            return self.render_to_response(context, status=400)
        return self.render_to_response(context)


class AuditExportView(PartnershipMixin, View):
    """The filtered trail as CSV, streamed in chunks; the export is itself on the record."""

    allowed_roles = ADMIN_ONLY
    http_method_names = ["get"]

    def get(self, request: HttpRequest, slug: str) -> HttpResponse | StreamingHttpResponse:
        form = AuditFilterForm(request.GET, partnership=self.partnership)
        if not form.is_valid():
            return HttpResponse(
                " ".join(str(e) for errors in form.errors.values() for e in errors),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        events = audit_events_of_partnership(
            partnership_id=self.partnership.pk, filters=form.filters()
        )
        audit_record(
            action="audit.export",
            actor=self.actor,
            detail={"filters": _filters_query(request)},
        )
        filename = f"{self.partnership.slug}-audit-trail.csv"
        return StreamingHttpResponse(
            _audit_csv_rows(events),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )


def _audit_csv_rows(events: QuerySet[Any]) -> Iterator[str]:
    header = ["time (UTC)", "what happened", "person", "action", "record type", "record", "address"]
    return csv_lines(
        header,
        (
            [
                line.event.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                cell_safe(line.sentence),
                cell_safe(str(line.event.actor) if line.event.actor is not None else ""),
                line.event.action,
                line.event.object_type,
                line.event.object_id,
                line.event.ip or "",
            ]
            for line in audit_lines_all(events)
        ),
    )


def _filters_query(request: HttpRequest) -> str:
    """The filters in use, without the cursor or empty ones, for links and the export's record."""
    kept = request.GET.copy()
    kept.pop("cursor", None)
    for name in [name for name, value in kept.items() if value == ""]:
        kept.pop(name)
    return kept.urlencode()

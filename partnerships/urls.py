"""Pages under /p/<slug>/: every view here goes through partnerships.tenancy.PartnershipMixin."""

from django.urls import path

from partnerships import views

app_name = "partnerships"

urlpatterns = [
    path("", views.PartnershipHomeView.as_view(), name="home"),
    path("people/", views.PeopleView.as_view(), name="people"),
    path("people/invite/", views.InvitationCreateView.as_view(), name="invite"),
    path(
        "people/invitations/<int:pk>/withdraw/",
        views.InvitationRevokeView.as_view(),
        name="invitation-revoke",
    ),
    path("people/<int:pk>/", views.MembershipChangeView.as_view(), name="membership-change"),
    path("people/<int:pk>/remove/", views.MembershipEndView.as_view(), name="membership-end"),
    path("businesses/", views.BusinessListView.as_view(), name="businesses"),
    path("businesses/add/", views.BusinessEditView.as_view(), name="business-add"),
    path("businesses/<int:pk>/", views.BusinessEditView.as_view(), name="business-edit"),
    path("premises/", views.PremisesListView.as_view(), name="premises"),
    path("premises/add/", views.PremisesEditView.as_view(), name="premises-add"),
    path("premises/<int:pk>/", views.PremisesEditView.as_view(), name="premises-edit"),
]

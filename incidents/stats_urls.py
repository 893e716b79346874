"""Incident statistics and the fairness report under /p/<slug>/, each a page and a CSV download.
A URL module of its own (the views are in incidents.views) so their names keep the `stats`
namespace."""

from django.urls import path

from incidents import views

app_name = "stats"

urlpatterns = [
    path("stats/", views.StatsView.as_view(), name="page"),
    path("stats.csv", views.StatsCsvView.as_view(), name="csv"),
    path("stats/fairness/", views.FairnessView.as_view(), name="fairness"),
    path("stats/fairness.csv", views.FairnessCsvView.as_view(), name="fairness-csv"),
]

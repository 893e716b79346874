"""Incident statistics under /p/<slug>/: the page and its CSV download."""

from django.urls import path

from incidents import stats

app_name = "stats"

urlpatterns = [
    path("stats/", stats.StatsView.as_view(), name="page"),
    path("stats.csv", stats.StatsCsvView.as_view(), name="csv"),
]

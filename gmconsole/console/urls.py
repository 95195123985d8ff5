"""Console routes, mounted at "/" by gmconsole/urls.py."""

from django.urls import include, path

from gmconsole.console import views

app_name = "console"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("panels/<slug:panel>/", views.dashboard_panel, name="panel"),
    path("actions/tick/", views.tick_now, name="tick_now"),
    path("actions/schedule/", views.schedule_toggle, name="schedule_toggle"),
    path("settlements/", views.settlement_list, name="settlement_list"),
    path("settlements/<int:settlement_id>/", views.settlement_detail, name="settlement_detail"),
    path("settlements/<int:settlement_id>/npcs/", views.settlement_npcs, name="settlement_npcs"),
    path("settlements/<int:settlement_id>/market/", views.settlement_market, name="settlement_market"),
    path("llm/", include("gmconsole.console.llm_views")),
    path("quests/", include("gmconsole.console.quest_views")),
    path("chronicle/", include("gmconsole.console.chronicle_views")),
    path("map/", include("gmconsole.console.map_views")),
    path("events/", include("gmconsole.console.event_views")),
]

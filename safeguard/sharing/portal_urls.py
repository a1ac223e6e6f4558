from django.urls import path

from . import portal

app_name = "portal"

urlpatterns = [
    path("partner/", portal.home, name="home"),
    path("partner/shares/<int:pk>/", portal.share, name="share"),
    path("partner/shares/<int:pk>/acknowledge/", portal.acknowledge, name="acknowledge"),
    path("partner/shares/<int:pk>/respond/", portal.respond, name="respond"),
]

from django.urls import include, path

from safeguard.api import api
from safeguard.web import views

handler400 = "safeguard.web.errors.bad_request"
handler403 = "safeguard.web.errors.permission_denied"
handler404 = "safeguard.web.errors.page_not_found"
handler500 = "safeguard.web.errors.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("safeguard.accounts.urls")),
    path("", include("safeguard.people.urls")),
    path("", include("safeguard.concerns.urls")),
    path("", include("safeguard.timescales.urls")),
    path("", include("safeguard.investigations.urls")),
    path("", include("safeguard.sharing.urls")),
    path("", include("safeguard.sharing.portal_urls")),
    path("api/v1/", api.urls),
]

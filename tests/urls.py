from django.urls import include, path

from safeguard.urls import handler400, handler403, handler404, handler500
from safeguard.urls import urlpatterns as safeguard_urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]

urlpatterns = [*safeguard_urlpatterns, path("casework/", include("tests.casework.urls"))]

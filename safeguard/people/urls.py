from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("people/", views.person_search, name="search"),
    path("people/<int:pk>/", views.person_detail, name="detail"),
    path("people/<int:pk>/add/<slug:kind>/", views.person_add, name="add"),
    path("people/<int:pk>/merge/", views.merge_choose, name="merge"),
    path("people/<int:pk>/merge/<int:other>/", views.merge_confirm, name="merge_confirm"),
]

from django.urls import path

from . import views

app_name = "concerns"

urlpatterns = [
    path("concerns/", views.my_concerns, name="mine"),
    path("concerns/new/", views.new_concern, name="new"),
    path("concerns/team/", views.team, name="team"),
    path("concerns/hub/", views.hub, name="hub"),
    path("concerns/reviews/<int:pk>/", views.cumulative_review, name="cumulative_review"),
    path("concerns/<int:pk>/", views.detail, name="detail"),
    path("concerns/<int:pk>/when/", views.when, name="when"),
    path("concerns/<int:pk>/where/", views.where, name="where"),
    path("concerns/<int:pk>/type/", views.types, name="types"),
    path("concerns/<int:pk>/what-happened/", views.summary, name="summary"),
    path("concerns/<int:pk>/risk/", views.risk, name="risk"),
    path("concerns/<int:pk>/people/", views.people, name="people"),
    path("concerns/<int:pk>/people/find/", views.find_person, name="find_person"),
    path("concerns/<int:pk>/people/new/", views.new_person, name="new_person"),
    path("concerns/<int:pk>/people/<int:person>/", views.involve, name="involve"),
    path("concerns/<int:pk>/people/<int:person>/remove/", views.remove_person, name="remove_person"),
    path("concerns/<int:pk>/voice/<int:person>/", views.voice, name="voice"),
    path("concerns/<int:pk>/check/", views.check, name="check"),
    path("concerns/<int:pk>/review/", views.review, name="review"),
]

from django.urls import path

from . import plan, views

app_name = "investigations"

urlpatterns = [
    path("investigations/", views.mine, name="mine"),
    path("investigations/team/", views.team, name="team"),
    path("investigations/open/", views.open_investigation, name="open"),
    path("investigations/<int:pk>/", views.detail, name="detail"),
    path("investigations/<int:pk>/accept/", views.accept, name="accept"),
    path("investigations/<int:pk>/allocate/", views.allocate, name="allocate"),
    path("investigations/<int:pk>/review/", views.review, name="review"),
    path("investigations/<int:pk>/close/", views.close, name="close"),
    path("investigations/<int:pk>/plan/new/", plan.add_action, name="add_action"),
    path("investigations/<int:pk>/people/find/", plan.find_person, name="find_person"),
    path("investigations/<int:pk>/people/<int:person>/", plan.add_person, name="add_person"),
    path("investigations/<int:pk>/voice/<int:person>/", plan.voice, name="voice"),
    path("investigations/<int:pk>/notifications/new/", plan.require_notification, name="require_notification"),
    path("investigations/<int:pk>/notifications/<int:notification>/", plan.notification, name="notification"),
    path("investigations/actions/<int:pk>/", plan.action, name="action"),
    path("investigations/actions/<int:pk>/edit/", plan.edit_action, name="edit_action"),
    path("investigations/actions/<int:pk>/finish/", plan.finish_action, name="finish_action"),
    path("investigations/actions/<int:pk>/record/", plan.record_entry, name="record_entry"),
    path("investigations/actions/<int:pk>/entries/<int:entry>/correct/", plan.correct_entry, name="correct_entry"),
]

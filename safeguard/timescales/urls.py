from django.urls import path

from . import views

app_name = "timescales"

urlpatterns = [
    path("work/", views.mine, name="mine"),
    path("work/team/", views.team, name="team"),
    path("manage/rules/", views.rules, name="rules"),
    path("manage/rules/<str:key>/", views.parameter, name="parameter"),
    path("manage/term-dates/", views.terms, name="terms"),
    path("manage/term-dates/<int:pk>/remove/", views.remove_term, name="remove_term"),
]

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/set-up-authenticator/", views.mfa_setup, name="mfa_setup"),
    path("logout/", views.logout_view, name="logout"),
    path("profile/", views.profile, name="profile"),
    path("profile/api-tokens/", views.api_tokens, name="api_tokens"),
    path("profile/api-tokens/<int:pk>/revoke/", views.revoke_token, name="revoke_token"),
    path("notifications/", views.notifications, name="notifications"),
    path("break-the-glass/", views.break_glass, name="break_glass"),
    path("manage/users/", views.admin_users, name="admin_users"),
    path("manage/users/new/", views.admin_user_new, name="admin_user_new"),
    path("manage/users/<int:pk>/", views.admin_user, name="admin_user"),
    path("manage/users/<int:pk>/disable/", views.admin_user_disable, name="admin_user_disable"),
    path("manage/users/<int:pk>/enable/", views.admin_user_enable, name="admin_user_enable"),
    path("manage/users/<int:pk>/reset-mfa/", views.admin_user_reset_mfa, name="admin_user_reset_mfa"),
    path("manage/units/", views.admin_units, name="admin_units"),
    path("manage/units/new/", views.admin_unit, name="admin_unit_new"),
    path("manage/units/<int:pk>/", views.admin_unit, name="admin_unit"),
    path("manage/organisations/", views.admin_organisations, name="admin_organisations"),
    path("manage/organisations/new/", views.admin_organisation, name="admin_organisation_new"),
    path("manage/organisations/<int:pk>/", views.admin_organisation, name="admin_organisation"),
]

from django.urls import path

from . import partners, strategy, views

app_name = "sharing"

urlpatterns = [
    path("sharing/", views.board, name="board"),
    path("sharing/ledger/", views.ledger, name="ledger"),
    path("sharing/concerns/<int:pk>/", views.concern_shares, name="concern"),
    path("sharing/concerns/<int:pk>/new/", views.draft, name="draft"),
    path("sharing/concerns/<int:pk>/not-shared/", views.not_shared, name="not_shared"),
    path("sharing/shares/<int:pk>/", views.share, name="share"),
    path("sharing/shares/<int:pk>/edit/", views.edit, name="edit"),
    path("sharing/shares/<int:pk>/preview/", views.preview, name="preview"),
    path("sharing/shares/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("sharing/shares/<int:pk>/review/", views.review, name="review"),
    path("sharing/shares/<int:pk>/response/", views.respond, name="respond"),
    path("sharing/outbox/<int:pk>/retry/", views.retry, name="retry"),
    path("sharing/concerns/<int:pk>/strategy/new/", strategy.plan, name="strategy_new"),
    path("sharing/strategy/<int:pk>/", strategy.detail, name="strategy"),
    path("sharing/strategy/<int:pk>/record/", strategy.record, name="strategy_record"),
    path("sharing/strategy/<int:pk>/conference/", strategy.conference, name="strategy_conference"),
    path("sharing/strategy-actions/<int:pk>/", strategy.action, name="strategy_action"),
    path("sharing/partners/", partners.partners, name="partners"),
    path("sharing/partners/<int:pk>/", partners.partner, name="partner"),
    path("sharing/partners/<int:pk>/contacts/new/", partners.add_contact, name="add_contact"),
    path("sharing/partners/<int:pk>/contacts/<int:contact>/", partners.contact, name="contact"),
]

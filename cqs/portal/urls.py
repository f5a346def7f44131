from django.urls import path

from cqs.portal import views, views_apply, views_dossiers

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("thu-tuc/", views.procedure_list, name="procedures"),
    path("thu-tuc/<str:code>/", views.procedure_detail, name="procedure"),
    path("thu-tuc/<str:code>/mau/<int:document_id>/", views.document_template, name="document_template"),
    # Applying online (four steps, then the confirmation).
    path("nop-ho-so/<str:code>/", views_apply.apply_start, name="apply"),
    path("nop-ho-so/<str:code>/to-khai/", views_apply.apply_form, name="apply_form"),
    path("nop-ho-so/<str:code>/giay-to/", views_apply.apply_documents, name="apply_documents"),
    path("nop-ho-so/<str:code>/kiem-tra/", views_apply.apply_check, name="apply_check"),
    path("nop-ho-so/<str:code>/huy/", views_apply.apply_cancel, name="apply_cancel"),
    path("da-nop-ho-so/<str:code>/", views_apply.apply_done, name="apply_done"),
    path("xa-phuong-cua-toi/", views_apply.commune, name="commune"),
    # The citizen's dossiers.
    path("ho-so-cua-toi/", views_dossiers.dossier_list, name="dossiers"),
    path("ho-so-cua-toi/<str:code>/", views_dossiers.dossier_detail, name="dossier"),
    path("ho-so-cua-toi/<str:code>/bo-sung/", views_dossiers.dossier_supplement, name="dossier_supplement"),
    path("ho-so-cua-toi/<str:code>/rut/", views_dossiers.dossier_withdraw, name="dossier_withdraw"),
    path("ho-so-cua-toi/<str:code>/nhan-ket-qua/", views_dossiers.dossier_delivery, name="dossier_delivery"),
    path("ho-so-cua-toi/<str:code>/danh-gia/", views_dossiers.dossier_rate, name="dossier_rate"),
    path("ho-so-cua-toi/<str:code>/tep/<int:file_id>/", views_dossiers.dossier_file, name="dossier_file"),
    # The public status lookup (no personal data).
    path("tra-cuu-ho-so/", views_dossiers.dossier_lookup, name="dossier_lookup"),
    # The citizen's store of papers.
    path("kho-giay-to/", views_dossiers.paper_list, name="papers"),
    path("kho-giay-to/them/", views_dossiers.paper_add, name="paper_add"),
    path("kho-giay-to/<int:paper_id>/tai-ve/", views_dossiers.paper_download, name="paper_download"),
]

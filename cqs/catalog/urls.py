from django.urls import path

from cqs.catalog import views_exchange, views_manage

app_name = "catalog"

_VERSION = "quan-tri/thu-tuc/phien-ban/<int:pk>/"

urlpatterns = [
    path("quan-tri/thu-tuc/", views_manage.manage, name="manage"),
    path("quan-tri/thu-tuc/them/", views_manage.procedure_create, name="procedure_create"),
    path("quan-tri/thu-tuc/nhap/", views_exchange.catalog_import, name="import"),
    path("quan-tri/thu-tuc/xuat.json", views_exchange.export_json, name="export_json"),
    path("quan-tri/thu-tuc/xuat.xlsx", views_exchange.export_xlsx, name="export_xlsx"),
    path(_VERSION, views_manage.version_detail, name="version_detail"),
    path(_VERSION + "sua/", views_manage.version_edit, name="version_edit"),
    path(_VERSION + "giay-to/", views_manage.version_documents, name="version_documents"),
    path(
        _VERSION + "giay-to/<int:document_id>/mau/",
        views_manage.document_template_upload,
        name="document_template_upload",
    ),
    path(
        _VERSION + "giay-to/<int:document_id>/mau/xoa/",
        views_manage.document_template_remove,
        name="document_template_remove",
    ),
    path(
        _VERSION + "giay-to/<int:document_id>/mau/tai-ve/",
        views_manage.document_template_download,
        name="document_template_download",
    ),
    path(_VERSION + "phi-le-phi/", views_manage.version_fees, name="version_fees"),
    path(_VERSION + "to-khai/", views_manage.version_form_fields, name="version_form_fields"),
    path(_VERSION + "quy-trinh/", views_manage.version_steps, name="version_steps"),
    path(_VERSION + "kiem-tra/", views_manage.version_check, name="version_check"),
    path(_VERSION + "cong-bo/", views_manage.version_publish, name="version_publish"),
    path(_VERSION + "du-thao-moi/", views_manage.version_new_draft, name="version_new_draft"),
    path(_VERSION + "huy/", views_manage.version_discard, name="version_discard"),
    path(_VERSION + "ngung-cong-bo/", views_manage.procedure_unpublish, name="procedure_unpublish"),
]

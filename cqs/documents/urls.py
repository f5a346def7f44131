"""The official documents pages (/van-ban/…) and the edXML endpoint of the exchange (/lien-thong/…)."""

from cqs.documents import urls_exchange, urls_incoming, urls_outgoing, urls_registers

app_name = "documents"

urlpatterns = [
    *urls_incoming.urlpatterns,
    *urls_outgoing.urlpatterns,
    *urls_registers.urlpatterns,
    *urls_exchange.urlpatterns,
]

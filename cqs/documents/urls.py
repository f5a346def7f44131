"""The official documents pages (/van-ban/…) and the edXML endpoint of the exchange (/lien-thong/…)."""

from cqs.documents.exchange import urls as exchange
from cqs.documents.incoming import urls as incoming
from cqs.documents.outgoing import urls as outgoing
from cqs.documents.registers import urls as registers
from cqs.documents.search import urls as search
from cqs.documents.workfiles import urls as workfiles

app_name = "documents"

urlpatterns = [
    *incoming.urlpatterns,
    *outgoing.urlpatterns,
    *registers.urlpatterns,
    *search.urlpatterns,
    *workfiles.urlpatterns,
    *exchange.urlpatterns,
]

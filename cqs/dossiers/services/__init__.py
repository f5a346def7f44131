"""Writes on dossiers: one service per action of the one-stop mechanism (Decree 118/2025), by stage.

``base`` holds the guard and the event every action writes; ``filing``, ``reception``,
``handling`` and ``closing`` the services of each stage; ``steps`` the internal process and
the clock; ``attachments`` the papers. Callers use the names re-exported here.
"""

from cqs.dossiers.services.attachments import Attachment
from cqs.dossiers.services.base import ATTACHMENT_TYPES, RESULT_DRAFT_MAX
from cqs.dossiers.services.closing import (
    dossier_apologise,
    dossier_choose_delivery,
    dossier_confirm_withdrawal,
    dossier_finish,
    dossier_rate,
    dossier_return_result,
    dossier_stop,
    dossier_withdraw,
)
from cqs.dossiers.services.filing import (
    AlreadyFiled,
    Filing,
    declaration_document,
    dossier_receive_at_counter,
    dossier_search_text,
    dossier_submit_online,
    implementing_agencies,
    receiving_agencies,
    stored_paper_add,
)
from cqs.dossiers.services.handling import (
    dossier_approve,
    dossier_forward,
    dossier_record_payment,
    dossier_request_payment,
    dossier_result_draft,
    dossier_send_back,
    dossier_transfer,
    dossier_transfer_return,
)
from cqs.dossiers.services.reception import (
    dossier_accept,
    dossier_answer_supplement,
    dossier_receipt_electronic,
    dossier_refuse,
    dossier_request_supplement,
)

__all__ = [
    "ATTACHMENT_TYPES",
    "RESULT_DRAFT_MAX",
    "AlreadyFiled",
    "Attachment",
    "Filing",
    "declaration_document",
    "dossier_accept",
    "dossier_answer_supplement",
    "dossier_apologise",
    "dossier_approve",
    "dossier_choose_delivery",
    "dossier_confirm_withdrawal",
    "dossier_finish",
    "dossier_forward",
    "dossier_rate",
    "dossier_receipt_electronic",
    "dossier_receive_at_counter",
    "dossier_record_payment",
    "dossier_refuse",
    "dossier_request_payment",
    "dossier_request_supplement",
    "dossier_result_draft",
    "dossier_return_result",
    "dossier_search_text",
    "dossier_send_back",
    "dossier_stop",
    "dossier_submit_online",
    "dossier_transfer",
    "dossier_transfer_return",
    "dossier_withdraw",
    "implementing_agencies",
    "receiving_agencies",
    "stored_paper_add",
]

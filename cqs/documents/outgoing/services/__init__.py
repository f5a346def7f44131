"""Writes on outgoing documents (văn bản đi, Decree 30/2020/NĐ-CP): drafting, review, signature, issue.

A specialist of the drafting department drafts (metadata, recipients, PDF versions, annexes),
submits it to an ordered chain of reviewers, then to the leader chosen as signer, who signs it
with their personal certificate; a clerk (văn thư) issues it: the system gives the number of
the agency's outgoing register (the classified register for a classified document), the symbol,
the organisation's signature over the leader's, a verification code, and dispatches it to the
recipients. Every action locks the row of a document the actor may see, asks the rule book
(``outgoing.transitions.guard``: who first, so a stranger learns nothing, then the state and the
once-only rules; a refusal names them) and is audited.
"""

from cqs.documents.outgoing.services.drafting import (
    MAX_COPIES,
    RecipientSpec,
    outgoing_attachment_add,
    outgoing_attachment_remove,
    outgoing_cancel,
    outgoing_comment,
    outgoing_create,
    outgoing_draft_upload,
    outgoing_update,
)
from cqs.documents.outgoing.services.issuing import outgoing_issue, outgoing_sign
from cqs.documents.outgoing.services.review import outgoing_return, outgoing_review, outgoing_submit_for_review

__all__ = [
    "MAX_COPIES",
    "RecipientSpec",
    "outgoing_attachment_add",
    "outgoing_attachment_remove",
    "outgoing_cancel",
    "outgoing_comment",
    "outgoing_create",
    "outgoing_draft_upload",
    "outgoing_issue",
    "outgoing_return",
    "outgoing_review",
    "outgoing_sign",
    "outgoing_submit_for_review",
    "outgoing_update",
]

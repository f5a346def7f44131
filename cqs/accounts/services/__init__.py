"""Writes on accounts, one module per stage; every state change is audited in the same transaction.

``actor=None`` means the system itself (a management command, the demo seeder, an anonymous
visitor's registration or password-reset request).
"""

from cqs.accounts.services.identity import (
    CounterReclaim,
    VneidSignIn,
    citizen_vneid_resolve,
    identity_reclaim_at_counter,
    identity_verify_at_counter,
)
from cqs.accounts.services.officials import official_create, role_grant, role_revoke, user_deactivate
from cqs.accounts.services.passwords import (
    official_password_reset_issue,
    password_change,
    password_reset_complete,
    password_reset_request,
)
from cqs.accounts.services.registration import (
    business_register,
    citizen_register,
    registration_confirm,
    registration_start,
)
from cqs.accounts.services.tokens import api_token_issue, api_token_revoke
from cqs.accounts.services.totp import (
    TOTP_DEVICE_NAME,
    TotpCheck,
    TotpVerdict,
    totp_activation_issue,
    totp_enrol_confirm,
    totp_enrol_start,
    totp_verify,
)

__all__ = [
    "TOTP_DEVICE_NAME",
    "CounterReclaim",
    "TotpCheck",
    "TotpVerdict",
    "VneidSignIn",
    "api_token_issue",
    "api_token_revoke",
    "business_register",
    "citizen_register",
    "citizen_vneid_resolve",
    "identity_reclaim_at_counter",
    "identity_verify_at_counter",
    "official_create",
    "official_password_reset_issue",
    "password_change",
    "password_reset_complete",
    "password_reset_request",
    "registration_confirm",
    "registration_start",
    "role_grant",
    "role_revoke",
    "totp_activation_issue",
    "totp_enrol_confirm",
    "totp_enrol_start",
    "totp_verify",
    "user_deactivate",
]

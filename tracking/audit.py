"""The actions the audit log records: who looked at or changed which client, and what Koers refused.

One member per action; the stored value is the member's value. Every use case in
`tracking.usecases` declares the actions it records, and a test proves that each one does.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    # Coaches signing in and managing their account.
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"  # counted in aggregate (tracking.usecases.refusals)
    SIGN_IN_LOCKED = "sign_in_locked"  # too many failures: this step of signing in locks for a while
    SIGN_IN_REFUSED = "sign_in_refused"  # a provider's identity Koers does not admit
    SIGN_OUT = "sign_out"
    ACCOUNT_PREFERENCES = "account_preferences"
    PASSWORD_CHANGE = "password_change"
    PASSWORD_CHANGE_FAILED = "password_change_failed"  # the current password was wrong, or locked
    TOTP_ENABLE = "totp_enable"
    TOTP_DISABLE = "totp_disable"
    TOTP_DISABLE_FAILED = "totp_disable_failed"  # the code was wrong, used before, or locked
    TOTP_SECRETS_SEALED = "totp_secrets_sealed"  # secrets stored before sealing, sealed by `koers init`
    # Admins managing coaches and clients.
    COACH_ADD = "coach_add"
    COACH_ACTIVE = "coach_active"
    COACH_ADMIN = "coach_admin"
    COACH_UNLOCK = "coach_unlock"
    COACH_PASSWORD_RESET = "coach_password_reset"
    CLIENT_ASSIGN = "client_assign"
    OUTBOX_RETRY = "outbox_retry"
    DOWNLOAD_EML = "download_eml"
    VIEW_OUTBOX = "view_outbox"  # the sent-mail page: recipients, subjects and clients of every email
    VIEW_AUDIT_LOG = "view_audit_log"  # the audit log page, whole or for one client
    # Coaches working with their clients.
    VIEW_CASELOAD = "view_caseload"
    VIEW_CLIENT = "view_client"
    VIEW_CLIENT_REFUSED = "view_client_refused"  # a client address (deep link) the coach may not open
    CLIENT_ADD = "client_add"
    CLIENT_ADD_REFUSED = "client_add_refused"  # the id is taken by a client the coach does not see
    EDIT_CLIENT = "edit_client"
    SET_FOCUS = "set_focus"
    ADD_OBSERVATION = "add_observation"
    FLAG_ACKNOWLEDGE = "flag_acknowledge"
    FLAG_RESOLVE = "flag_resolve"
    FLAG_REOPEN = "flag_reopen"
    CONCERN_ACKNOWLEDGE = "concern_acknowledge"
    LINK_ISSUED = "link_issued"
    LINK_EMAILED = "link_emailed"
    EXPORT = "export"
    # Clients, through their personal links.
    CHECKIN_LINK_OPENED = "checkin_link_opened"
    CHECKIN_LINK_REFUSED = "checkin_link_refused"  # counted in aggregate (tracking.usecases.refusals)
    CHECKIN_SUBMITTED = "checkin_submitted"
    CHECKIN_EDITED = "checkin_edited"
    CHECKIN_RESUBMITTED = "checkin_resubmitted"
    PAUSE_LINK_REFUSED = "pause_link_refused"  # counted in aggregate (tracking.usecases.refusals)
    REMINDERS_PAUSED = "reminders_paused"
    # The scheduler.
    CHECKIN_MISSED = "checkin_missed"
    # The command line on the server.
    IMPORT = "import"
    RECOMPUTE = "recompute"
    DEMO = "demo"
    VIEW_TIMELINE = "view_timeline"
    LIST_FLAGS = "list_flags"
    EXPORT_CLIENT = "export_client"
    ERASE_CLIENT = "erase_client"
    BACKUP = "backup"

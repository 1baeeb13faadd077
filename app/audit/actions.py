"""Every action the audit trail records: the `action` filter accepts these and nothing else."""

from enum import StrEnum


class AuditAction(StrEnum):
    # Signing in and tokens.
    SIGN_IN = "sign_in"
    REFRESH = "refresh"
    CLIENT_SIGN_IN = "client_sign_in"
    SIGN_OUT = "sign_out"
    TOKEN_REFUSED = "token_refused"
    REQUEST_DENIED = "request_denied"
    PASSWORD_CHANGED = "password_changed"
    SIGNING_KEY_ROTATED = "signing_key_rotated"
    # Accounts and machine clients.
    ACCOUNT_CREATED = "account_created"
    ACCOUNT_CHANGED = "account_changed"
    ACCOUNT_DISABLED = "account_disabled"
    ACCOUNT_ENABLED = "account_enabled"
    ACCOUNT_PASSWORD_RESET = "account_password_reset"
    ACCOUNT_DELETED = "account_deleted"
    CLIENT_CREATED = "client_created"
    CLIENT_CHANGED = "client_changed"
    CLIENT_DISABLED = "client_disabled"
    CLIENT_ENABLED = "client_enabled"
    CLIENT_SECRET_ROTATED = "client_secret_rotated"
    CLIENT_DELETED = "client_deleted"
    # Teams and their people.
    TEAM_CREATED = "team_created"
    TEAM_STATUS_CHANGED = "team_status_changed"
    TEAM_SELECTED = "team_selected"
    TEAM_COACH_CHANGED = "team_coach_changed"
    TEAM_ORGANISATIONS_CHANGED = "team_organisations_changed"
    TEAM_EXTERNAL_REFS_CHANGED = "team_external_refs_changed"
    TEAM_DELETED = "team_deleted"
    # Applications and the selection (the reasons for an override stay on the application).
    APPLICATION_SUBMITTED = "application_submitted"
    APPLICATION_CHANGED = "application_changed"
    APPLICATION_WITHDRAWN = "application_withdrawn"
    APPLICATION_DELETED = "application_deleted"
    APPLICATION_REVIEWED = "application_reviewed"
    APPLICATION_SELECTED = "application_selected"
    APPLICATION_DECLINED = "application_declined"
    APPLICATION_LEAD_OVERRIDDEN = "application_lead_overridden"
    MEMBERSHIP_ADDED = "membership_added"
    MEMBERSHIP_CHANGED = "membership_changed"
    MEMBERSHIP_ENDED = "membership_ended"
    MEMBER_DELETED = "member_deleted"
    MEMBER_ERASED = "member_erased"
    # Special-category data.
    EQUALITY_PROFILE_READ = "equality_profile_read"
    EQUALITY_PROFILE_CHANGED = "equality_profile_changed"
    EQUALITY_SUMMARY_EXPORTED = "equality_summary_exported"
    EQUALITY_GAPS_READ = "equality_gaps_read"
    # Survey definitions.
    SURVEY_CREATED = "survey_created"
    SURVEY_CHANGED = "survey_changed"
    SURVEY_DELETED = "survey_deleted"
    # Imports (kind, file hash and counts; never a value of the file).
    IMPORT_SUCCEEDED = "import_succeeded"
    IMPORT_FAILED = "import_failed"
    IMPORT_DRY_RUN = "import_dry_run"

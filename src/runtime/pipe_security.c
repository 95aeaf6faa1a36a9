/*
 * See pipe_security.h. Every call that can fail goes through wst_os, so the
 * unit tests can take away the token or the name. The descriptor is built
 * with ntdll's functions, not advapi32's (ntdll_security.h says why).
 */
#include "pipe_security.h"

#include <stddef.h>
#include <string.h>

#include "ntdll_security.h"
#include "os_win.h"

/* GetCurrentProcessToken(): a pseudo-handle that needs no open and no close
 * (Windows 8 and later, and Wine). */
#define PROCESS_TOKEN_PSEUDO ((HANDLE)(LONG_PTR)-4)

BOOL wst_pipe_security_build(struct wst_pipe_security *sec)
{
    /* Full access includes FILE_CREATE_PIPE_INSTANCE, which the server needs
     * for its second and later instances. */
    return wst_object_security_build(sec, FILE_ALL_ACCESS, FALSE);
}

/* ntdll answers an NTSTATUS where advapi32 answered FALSE and set the
 * thread's last error. The callers read GetLastError() (worker_error,
 * trigger_error), so a failure is converted as advapi32 itself converts it,
 * with RtlNtStatusToDosError (STATUS_ACCESS_DENIED: ERROR_ACCESS_DENIED;
 * STATUS_BUFFER_TOO_SMALL: ERROR_INSUFFICIENT_BUFFER). */
static BOOL nt_ok(NTSTATUS status)
{
    if (status >= 0)
        return TRUE;
    SetLastError(RtlNtStatusToDosError(status));
    return FALSE;
}

static BOOL query_token(HANDLE token, TOKEN_INFORMATION_CLASS cls, void *info, ULONG size)
{
    ULONG needed;
    return nt_ok(wst_os.NtQueryInformationToken(token, cls, info, size, &needed));
}

/* Reads the token's user and integrity level into `sec`. */
static BOOL read_token(struct wst_pipe_security *sec, BOOL pseudo_token)
{
    HANDLE token = NULL;
    BOOL ok = FALSE;
    /* Before Windows 8 the pseudo-handle is invalid: the first query fails
     * and the token is opened as usual. */
    if (pseudo_token &&
        query_token(PROCESS_TOKEN_PSEUDO, TokenUser, &sec->token_user, sizeof sec->token_user))
        return query_token(PROCESS_TOKEN_PSEUDO, TokenIntegrityLevel, &sec->token_label,
                           sizeof sec->token_label);
    if (!nt_ok(wst_os.NtOpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)))
        goto out;
    if (!query_token(token, TokenUser, &sec->token_user, sizeof sec->token_user))
        goto out;
    /* Fails closed: without its level the pipe is not created at all. */
    if (!query_token(token, TokenIntegrityLevel, &sec->token_label, sizeof sec->token_label))
        goto out;
    ok = TRUE;
out:
    if (token != NULL)
        CloseHandle(token);
    return ok;
}

/* Appends the label ACE: the token's integrity SID, no-write-up and
 * no-read-up. What AddMandatoryAce wrote, built by hand because ntdll's
 * RtlAddMandatoryAce takes its arguments in another order under Wine than
 * under Windows (ntdll_security.h). */
static BOOL add_label(struct wst_pipe_security *sec)
{
    union {
        SYSTEM_MANDATORY_LABEL_ACE ace;
        uint8_t bytes[sizeof(SYSTEM_MANDATORY_LABEL_ACE) + SECURITY_MAX_SID_SIZE];
    } label;
    PSID sid = sec->token_label.label.Label.Sid;
    ULONG sid_size = RtlLengthSid(sid);
    ULONG ace_size = (ULONG)offsetof(SYSTEM_MANDATORY_LABEL_ACE, SidStart) + sid_size;
    if (sid_size > SECURITY_MAX_SID_SIZE) {
        SetLastError(ERROR_INVALID_SID);
        return FALSE;
    }
    label.ace.Header.AceType = SYSTEM_MANDATORY_LABEL_ACE_TYPE;
    label.ace.Header.AceFlags = 0;
    label.ace.Header.AceSize = (WORD)ace_size;
    label.ace.Mask = SYSTEM_MANDATORY_LABEL_NO_WRITE_UP | SYSTEM_MANDATORY_LABEL_NO_READ_UP;
    memcpy(&label.ace.SidStart, sid, sid_size);
    return nt_ok(RtlAddAce(&sec->sacl.acl, ACL_REVISION, MAXDWORD, &label.ace, ace_size));
}

BOOL wst_object_security_build(struct wst_pipe_security *sec, DWORD access, BOOL pseudo_token)
{
    static SID local_system = {
        SID_REVISION, 1, {SECURITY_NT_AUTHORITY}, {SECURITY_LOCAL_SYSTEM_RID}};
    if (!read_token(sec, pseudo_token))
        return FALSE;
    if (!nt_ok(RtlCreateAcl(&sec->dacl.acl, sizeof sec->dacl, ACL_REVISION)) ||
        !nt_ok(RtlAddAccessAllowedAce(&sec->dacl.acl, ACL_REVISION, access,
                                      sec->token_user.user.User.Sid)) ||
        !nt_ok(RtlAddAccessAllowedAce(&sec->dacl.acl, ACL_REVISION, access, &local_system)))
        return FALSE;
    if (!nt_ok(RtlCreateAcl(&sec->sacl.acl, sizeof sec->sacl, ACL_REVISION)) || !add_label(sec))
        return FALSE;
    if (!nt_ok(RtlCreateSecurityDescriptor(&sec->descriptor, SECURITY_DESCRIPTOR_REVISION)) ||
        !nt_ok(RtlSetDaclSecurityDescriptor(&sec->descriptor, TRUE, &sec->dacl.acl, FALSE)) ||
        !nt_ok(RtlSetSaclSecurityDescriptor(&sec->descriptor, TRUE, &sec->sacl.acl, FALSE)))
        return FALSE;
    sec->attributes.nLength = sizeof sec->attributes;
    sec->attributes.lpSecurityDescriptor = &sec->descriptor;
    sec->attributes.bInheritHandle = FALSE;
    return TRUE;
}

/* Wine 8 ignores FILE_FLAG_FIRST_PIPE_INSTANCE: the create succeeds and joins
 * a squatter's pipe when the squatter allowed more instances. So a first
 * instance also checks that it is the only one; if not, it is refused as if
 * Windows had refused it. */
HANDLE wst_pipe_instance_create(const WCHAR *name, struct wst_pipe_security *sec,
                                const struct wst_pipe_shape *shape, BOOL first)
{
    DWORD open_mode = PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED;
    DWORD pipe_mode = PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS;
    DWORD instances = 0;
    if (first)
        open_mode |= FILE_FLAG_FIRST_PIPE_INSTANCE;
    HANDLE pipe = wst_os.CreateNamedPipeW(name, open_mode, pipe_mode, shape->max_instances,
                                          shape->out_buffer, shape->in_buffer, 0, &sec->attributes);
    if (pipe == INVALID_HANDLE_VALUE || !first)
        return pipe;
    if (!wst_os.GetNamedPipeHandleStateW(pipe, NULL, &instances, NULL, NULL, NULL, 0) ||
        instances != 1) {
        CloseHandle(pipe);
        SetLastError(ERROR_ACCESS_DENIED);
        return INVALID_HANDLE_VALUE;
    }
    return pipe;
}

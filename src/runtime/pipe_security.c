/*
 * See pipe_security.h. Every call that can fail goes through wst_os, so the
 * unit tests can take away the token or the name.
 */
#include "pipe_security.h"

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

BOOL wst_object_security_build(struct wst_pipe_security *sec, DWORD access, BOOL pseudo_token)
{
    static SID local_system = {
        SID_REVISION, 1, {SECURITY_NT_AUTHORITY}, {SECURITY_LOCAL_SYSTEM_RID}};
    HANDLE token = NULL;
    DWORD needed;
    BOOL ok = FALSE;
    /* Before Windows 8 the pseudo-handle is invalid: the first query fails
     * and the token is opened as usual. */
    if (pseudo_token &&
        wst_os.GetTokenInformation(PROCESS_TOKEN_PSEUDO, TokenUser, &sec->token_user,
                                   sizeof sec->token_user, &needed)) {
        if (!wst_os.GetTokenInformation(PROCESS_TOKEN_PSEUDO, TokenIntegrityLevel,
                                        &sec->token_label, sizeof sec->token_label, &needed))
            goto out;
        goto build;
    }
    if (!wst_os.OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token))
        goto out;
    if (!wst_os.GetTokenInformation(token, TokenUser, &sec->token_user, sizeof sec->token_user,
                                    &needed))
        goto out;
    /* Fails closed: without its level the pipe is not created at all. */
    if (!wst_os.GetTokenInformation(token, TokenIntegrityLevel, &sec->token_label,
                                    sizeof sec->token_label, &needed))
        goto out;
build:
    if (!InitializeAcl(&sec->dacl.acl, sizeof sec->dacl, ACL_REVISION) ||
        !AddAccessAllowedAce(&sec->dacl.acl, ACL_REVISION, access, sec->token_user.user.User.Sid) ||
        !AddAccessAllowedAce(&sec->dacl.acl, ACL_REVISION, access, &local_system))
        goto out;
    if (!InitializeAcl(&sec->sacl.acl, sizeof sec->sacl, ACL_REVISION) ||
        !AddMandatoryAce(&sec->sacl.acl, ACL_REVISION, 0,
                         SYSTEM_MANDATORY_LABEL_NO_WRITE_UP | SYSTEM_MANDATORY_LABEL_NO_READ_UP,
                         sec->token_label.label.Label.Sid))
        goto out;
    if (!InitializeSecurityDescriptor(&sec->descriptor, SECURITY_DESCRIPTOR_REVISION) ||
        !SetSecurityDescriptorDacl(&sec->descriptor, TRUE, &sec->dacl.acl, FALSE) ||
        !SetSecurityDescriptorSacl(&sec->descriptor, TRUE, &sec->sacl.acl, FALSE))
        goto out;
    sec->attributes.nLength = sizeof sec->attributes;
    sec->attributes.lpSecurityDescriptor = &sec->descriptor;
    sec->attributes.bInheritHandle = FALSE;
    ok = TRUE;
out:
    if (token != NULL)
        CloseHandle(token);
    return ok;
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

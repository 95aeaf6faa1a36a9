/*
 * Who may talk to a module's pipe, and who owns its name (docs/protocol.md,
 * "Security"): the security descriptor every instance is created with, and
 * the creation of an instance, whose first one claims the name.
 *
 * Threads: the worker thread, while it opens and serves; and process attach
 * (loader lock held), which builds the trigger event's descriptor.
 * Never: falls back to a weaker descriptor. Without the token's user or its
 * integrity level no pipe is created at all (the counters stay readable
 * through memory).
 */
#ifndef WST_PIPE_SECURITY_H
#define WST_PIPE_SECURITY_H

#include <windows.h>

#include <stdint.h>

/* The DACL: the process token's user, and LocalSystem, with full access each.
 * Full access includes FILE_CREATE_PIPE_INSTANCE, which the server itself
 * needs for its second and later instances; anyone else is denied even
 * opening the pipe. The token user is the process's own, never an
 * impersonated thread's.
 *
 * The SACL: one mandatory label at the process token's own integrity level,
 * no-write-up and no-read-up. The DACL cannot tell an elevated process from a
 * non-elevated one of the same user (same SID); the label can: a process
 * below the target's level can neither open the pipe nor add instances to
 * it. The process's own level, and no higher, because that is the most a
 * process may set without SeRelabelPrivilege.
 *
 * Built once per server, in place (the descriptor points into the struct). */
struct wst_pipe_security {
    SECURITY_ATTRIBUTES attributes;
    SECURITY_DESCRIPTOR descriptor;
    union {
        TOKEN_USER user;
        uint8_t bytes[sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE];
    } token_user;
    union {
        TOKEN_MANDATORY_LABEL label;
        uint8_t bytes[sizeof(TOKEN_MANDATORY_LABEL) + SECURITY_MAX_SID_SIZE];
    } token_label;
    union {
        ACL acl;
        uint8_t bytes[sizeof(ACL) + 2 * (sizeof(ACCESS_ALLOWED_ACE) + SECURITY_MAX_SID_SIZE)];
    } dacl;
    union {
        ACL acl;
        uint8_t bytes[sizeof(ACL) + sizeof(SYSTEM_MANDATORY_LABEL_ACE) + SECURITY_MAX_SID_SIZE];
    } sacl;
};

/* The pipe's shape, which the transport decides. */
struct wst_pipe_shape {
    DWORD max_instances, out_buffer, in_buffer;
};

/* Fills `sec` from the process token. FALSE (GetLastError says why) when
 * the token, its user or its integrity level cannot be read. */
BOOL wst_pipe_security_build(struct wst_pipe_security *sec);

/* The same descriptor for another kind of object, granting `access` (the
 * on-demand worker's trigger event: EVENT_ALL_ACCESS). With pseudo_token the
 * token is read through GetCurrentProcessToken()'s pseudo-handle when the
 * system has it (two calls fewer: the trigger is built on every load), else
 * opened. Threads: any; at process attach under the loader lock too (token
 * queries take no loader lock). */
BOOL wst_object_security_build(struct wst_pipe_security *sec, DWORD access, BOOL pseudo_token);

/* Creates an overlapped, byte-mode instance of the pipe `name` that rejects
 * remote clients, with `sec`'s descriptor. The first instance claims the
 * name: it fails with ERROR_ACCESS_DENIED if anyone created the name before
 * us, and its descriptor becomes the pipe's; later instances join it.
 * INVALID_HANDLE_VALUE on failure. */
HANDLE wst_pipe_instance_create(const WCHAR *name, struct wst_pipe_security *sec,
                                const struct wst_pipe_shape *shape, BOOL first);

#endif

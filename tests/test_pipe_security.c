/*
 * The pipe's and the trigger's security descriptor (src/runtime/pipe_security.c),
 * which the runtime builds from ntdll so that an instrumented module imports
 * no advapi32 (docs/modes.md, "What an instrumented module imports").
 *
 * - The descriptor is the one advapi32 builds: this test builds the same
 *   DACL (token user and LocalSystem) and SACL (the token's integrity label,
 *   no-write-up and no-read-up) with InitializeAcl, AddAccessAllowedAce and
 *   AddMandatoryAce, and compares them byte for byte, for the pipe's access
 *   and the trigger's, through an opened token and the pseudo-handle.
 * - ntdll answers an NTSTATUS where advapi32 set the last error: every
 *   failure injected through the OS table must leave FALSE and the Win32
 *   error that advapi32 would have left (the region's worker_error and
 *   trigger_error come from it).
 * - A pseudo-handle that the system refuses (Windows 7) falls back to
 *   opening the token.
 *
 * The test itself may import advapi32: it is the reference, not the module
 * under test. Threads: the test thread only; the OS table is swapped with no
 * worker running.
 */
#define WIN32_NO_STATUS /* winnt.h's few STATUS_ codes; ntstatus.h has them all */
#include <windows.h>
#undef WIN32_NO_STATUS

#include <ntstatus.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "os_win.h"
#include "pipe_security.h"

/* ------------------------------------------------- the reference (advapi32) */

struct reference {
    union {
        TOKEN_USER user;
        uint8_t bytes[sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE];
    } user;
    union {
        TOKEN_MANDATORY_LABEL label;
        uint8_t bytes[sizeof(TOKEN_MANDATORY_LABEL) + SECURITY_MAX_SID_SIZE];
    } label;
    uint8_t dacl[sizeof(((struct wst_pipe_security *)0)->dacl)];
    uint8_t sacl[sizeof(((struct wst_pipe_security *)0)->sacl)];
};

static void build_reference(struct reference *ref, DWORD access)
{
    static SID local_system = {
        SID_REVISION, 1, {SECURITY_NT_AUTHORITY}, {SECURITY_LOCAL_SYSTEM_RID}};
    HANDLE token;
    DWORD n;
    assert_true(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token));
    assert_true(GetTokenInformation(token, TokenUser, &ref->user, sizeof ref->user, &n));
    assert_true(
        GetTokenInformation(token, TokenIntegrityLevel, &ref->label, sizeof ref->label, &n));
    CloseHandle(token);
    ACL *dacl = (ACL *)ref->dacl, *sacl = (ACL *)ref->sacl;
    assert_true(InitializeAcl(dacl, sizeof ref->dacl, ACL_REVISION));
    assert_true(AddAccessAllowedAce(dacl, ACL_REVISION, access, ref->user.user.User.Sid));
    assert_true(AddAccessAllowedAce(dacl, ACL_REVISION, access, &local_system));
    assert_true(InitializeAcl(sacl, sizeof ref->sacl, ACL_REVISION));
    assert_true(
        AddMandatoryAce(sacl, ACL_REVISION, 0,
                        SYSTEM_MANDATORY_LABEL_NO_WRITE_UP | SYSTEM_MANDATORY_LABEL_NO_READ_UP,
                        ref->label.label.Label.Sid));
}

/* The bytes an ACL's header and ACEs take; the rest of AclSize is free
 * space that neither builder initialises. */
static size_t acl_used(const ACL *acl)
{
    size_t used = sizeof *acl;
    for (WORD i = 0; i < acl->AceCount; i++) {
        const ACE_HEADER *ace = (const ACE_HEADER *)((const uint8_t *)acl + used);
        assert_true(ace->AceSize >= sizeof *ace && used + ace->AceSize <= acl->AclSize);
        used += ace->AceSize;
    }
    return used;
}

/* A descriptor's ACL against the reference's: the same header, and the same
 * ACEs byte for byte. */
static void acl_equals(const ACL *got, const uint8_t *want, const char *which)
{
    const ACL *w = (const ACL *)want;
    size_t used = acl_used(w);
    if (got->AclRevision != w->AclRevision || got->AclSize != w->AclSize ||
        got->AceCount != w->AceCount || acl_used(got) != used ||
        memcmp((const ACL *)got + 1, w + 1, used - sizeof *w) != 0)
        fail_msg("the %s differs from advapi32's: %u ACE(s) in %u of %u bytes, expected %u in "
                 "%u of %u",
                 which, got->AceCount, (unsigned)acl_used(got), got->AclSize, w->AceCount,
                 (unsigned)used, w->AclSize);
}

static void descriptor_is_advapi32s(const struct wst_pipe_security *sec, DWORD access)
{
    struct reference ref;
    BOOL present = FALSE, defaulted = TRUE;
    ACL *acl = NULL;
    build_reference(&ref, access);
    PSECURITY_DESCRIPTOR sd = (PSECURITY_DESCRIPTOR)&sec->descriptor;
    assert_true(IsValidSecurityDescriptor(sd));
    assert_ptr_equal(sec->attributes.lpSecurityDescriptor, sd);
    assert_int_equal(sec->attributes.nLength, sizeof sec->attributes);
    assert_false(sec->attributes.bInheritHandle);
    assert_true(GetSecurityDescriptorDacl(sd, &present, &acl, &defaulted));
    assert_true(present);
    assert_false(defaulted);
    acl_equals(acl, ref.dacl, "DACL");
    present = FALSE, defaulted = TRUE, acl = NULL;
    assert_true(GetSecurityDescriptorSacl(sd, &present, &acl, &defaulted));
    assert_true(present);
    assert_false(defaulted);
    acl_equals(acl, ref.sacl, "SACL (the label)");
}

static void pipe_descriptor_matches(void **state)
{
    (void)state;
    struct wst_pipe_security sec;
    wst_os_restore();
    assert_true(wst_pipe_security_build(&sec));
    descriptor_is_advapi32s(&sec, FILE_ALL_ACCESS);
}

static void trigger_descriptor_matches(void **state)
{
    (void)state;
    struct wst_pipe_security sec;
    wst_os_restore();
    assert_true(wst_object_security_build(&sec, EVENT_ALL_ACCESS, TRUE));
    descriptor_is_advapi32s(&sec, EVENT_ALL_ACCESS);
}

/* ------------------------------------------------------- injected failures */

enum entry { OPEN_TOKEN, QUERY_TOKEN };

static struct wst_os real;
static enum entry failing_entry;
static unsigned fail_call; /* 1-based call of that entry that fails; 0: none */
static NTSTATUS fail_status;
static unsigned open_calls, query_calls;

static NTSTATUS NTAPI fake_open(HANDLE process, ACCESS_MASK access, PHANDLE token)
{
    if (++open_calls == fail_call && failing_entry == OPEN_TOKEN)
        return fail_status;
    return real.NtOpenProcessToken(process, access, token);
}

static NTSTATUS NTAPI fake_query(HANDLE token, TOKEN_INFORMATION_CLASS cls, PVOID info, ULONG size,
                                 PULONG needed)
{
    if (++query_calls == fail_call && failing_entry == QUERY_TOKEN)
        return fail_status;
    return real.NtQueryInformationToken(token, cls, info, size, needed);
}

static void inject(enum entry which, unsigned call, NTSTATUS status)
{
    wst_os_restore();
    real = wst_os;
    failing_entry = which;
    fail_call = call;
    fail_status = status;
    open_calls = query_calls = 0;
    wst_os.NtOpenProcessToken = fake_open;
    wst_os.NtQueryInformationToken = fake_query;
}

struct status_case {
    const char *what;
    enum entry which;
    unsigned call;
    NTSTATUS status;
    DWORD win32; /* what GetLastError() must say */
};

/* Built through an opened token: the open is call 1, the user query 1 and
 * the integrity query 2. */
static const struct status_case status_cases[] = {
    {"open: access denied", OPEN_TOKEN, 1, STATUS_ACCESS_DENIED, ERROR_ACCESS_DENIED},
    {"open: no memory", OPEN_TOKEN, 1, STATUS_NO_MEMORY, ERROR_NOT_ENOUGH_MEMORY},
    {"user: buffer too small", QUERY_TOKEN, 1, STATUS_BUFFER_TOO_SMALL, ERROR_INSUFFICIENT_BUFFER},
    {"user: invalid handle", QUERY_TOKEN, 1, STATUS_INVALID_HANDLE, ERROR_INVALID_HANDLE},
    {"integrity level: invalid parameter", QUERY_TOKEN, 2, STATUS_INVALID_PARAMETER,
     ERROR_INVALID_PARAMETER},
    {"integrity level: access denied", QUERY_TOKEN, 2, STATUS_ACCESS_DENIED, ERROR_ACCESS_DENIED},
};

static void status_becomes_win32_error(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof status_cases / sizeof status_cases[0]; i++) {
        const struct status_case *tc = &status_cases[i];
        struct wst_pipe_security sec;
        print_message("token fault: %s\n", tc->what);
        inject(tc->which, tc->call, tc->status);
        SetLastError(0);
        assert_false(wst_pipe_security_build(&sec));
        if (GetLastError() != tc->win32)
            fail_msg("%s: last error %lu, expected %lu", tc->what, GetLastError(),
                     (unsigned long)tc->win32);
        wst_os_restore();
    }
}

/* Windows 7 has no GetCurrentProcessToken() pseudo-handle: its first query
 * fails, and the token is opened instead, with the same result. */
static void refused_pseudo_handle_opens_the_token(void **state)
{
    (void)state;
    struct wst_pipe_security sec;
    inject(QUERY_TOKEN, 1, STATUS_INVALID_HANDLE);
    assert_true(wst_object_security_build(&sec, EVENT_ALL_ACCESS, TRUE));
    assert_int_equal(open_calls, 1);
    assert_int_equal(query_calls, 3); /* the refused one, then user and level */
    descriptor_is_advapi32s(&sec, EVENT_ALL_ACCESS);
    wst_os_restore();
}

/* The pseudo-handle's user query answered, its level query failing: the
 * build fails closed (no descriptor without a label), as it did with
 * advapi32, and says why. */
static void pseudo_handle_level_failure_fails_closed(void **state)
{
    (void)state;
    struct wst_pipe_security sec;
    inject(QUERY_TOKEN, 2, STATUS_ACCESS_DENIED);
    SetLastError(0);
    assert_false(wst_object_security_build(&sec, EVENT_ALL_ACCESS, TRUE));
    assert_int_equal(GetLastError(), ERROR_ACCESS_DENIED);
    wst_os_restore();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pipe_descriptor_matches),
        cmocka_unit_test(trigger_descriptor_matches),
        cmocka_unit_test(status_becomes_win32_error),
        cmocka_unit_test(refused_pseudo_handle_opens_the_token),
        cmocka_unit_test(pseudo_handle_level_failure_fails_closed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

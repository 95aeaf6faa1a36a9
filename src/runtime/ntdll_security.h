/*
 * The ntdll functions that build the pipe's and the trigger's security
 * descriptor (pipe_security.c), bound at link time through mingw-w64's
 * libntdll.a. mingw-w64 declares them only in its DDK headers, which do not
 * mix with <windows.h>, so they are declared here with the WDK's types.
 *
 * Why ntdll and not advapi32 (docs/modes.md, "What an instrumented module
 * imports"): ntdll is mapped into every process before its first
 * instruction, so importing from it loads nothing, while advapi32 is absent
 * from many hosts, and a module that imports it would map and unmap it on
 * every load and unload of its own.
 *
 * Threads: any. None of these takes the loader lock: the token calls are
 * system calls, the others only write the caller's memory.
 * Never: RtlAddMandatoryAce. Wine 8 takes its arguments as (acl, revision,
 * flags, mask, type, sid), Windows as (acl, revision, flags, sid, type,
 * mask); one caller cannot be right on both. The label ACE is built by hand
 * and appended with RtlAddAce instead, whose signature both agree on.
 */
#ifndef WST_NTDLL_SECURITY_H
#define WST_NTDLL_SECURITY_H

#include <windows.h>

#include <winternl.h> /* NTSTATUS, RtlNtStatusToDosError */

/* Token queries: the OS table (os_win.h) holds these two, so that tests can
 * make them fail. */
DECLSPEC_IMPORT NTSTATUS NTAPI NtOpenProcessToken(HANDLE process, ACCESS_MASK access,
                                                  PHANDLE token);
DECLSPEC_IMPORT NTSTATUS NTAPI NtQueryInformationToken(HANDLE token, TOKEN_INFORMATION_CLASS cls,
                                                       PVOID info, ULONG size, PULONG needed);

/* ACLs and descriptors, in the caller's memory. */
DECLSPEC_IMPORT NTSTATUS NTAPI RtlCreateAcl(PACL acl, ULONG size, ULONG revision);
DECLSPEC_IMPORT NTSTATUS NTAPI RtlAddAccessAllowedAce(PACL acl, ULONG revision, ACCESS_MASK mask,
                                                      PSID sid);
/* Appends `size` bytes of ready-made ACEs at `index` (MAXDWORD: the end). */
DECLSPEC_IMPORT NTSTATUS NTAPI RtlAddAce(PACL acl, ULONG revision, ULONG index, PVOID aces,
                                         ULONG size);
DECLSPEC_IMPORT ULONG NTAPI RtlLengthSid(PSID sid);
DECLSPEC_IMPORT NTSTATUS NTAPI RtlCreateSecurityDescriptor(PSECURITY_DESCRIPTOR sd, ULONG revision);
DECLSPEC_IMPORT NTSTATUS NTAPI RtlSetDaclSecurityDescriptor(PSECURITY_DESCRIPTOR sd,
                                                            BOOLEAN present, PACL dacl,
                                                            BOOLEAN defaulted);
DECLSPEC_IMPORT NTSTATUS NTAPI RtlSetSaclSecurityDescriptor(PSECURITY_DESCRIPTOR sd,
                                                            BOOLEAN present, PACL sacl,
                                                            BOOLEAN defaulted);

#endif

/*
 * The helper thread (helper_worker.c): serves one session, that is one load
 * of one instrumented module, then leaves through FreeLibraryAndExitThread.
 */
#ifndef WST_HELPER_WORKER_H
#define WST_HELPER_WORKER_H

#include <windows.h>

/* The thread's start routine; its argument is a struct wst_helper_session *
 * holding one reference for the thread. */
DWORD WINAPI wst_helper_thread(void *session);

/* Finds what the thread needs of ntdll (LdrLockLoaderLock); called by
 * wsthelper_start, outside the loader lock, before the first thread. */
void wst_helper_worker_resolve(void);

#endif

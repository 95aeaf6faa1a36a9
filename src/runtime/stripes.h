/*
 * Stripe ownership (x86_64): which stripe of every counter of this module a
 * thread adds to. See stripes.c.
 */
#ifndef WST_STRIPES_H
#define WST_STRIPES_H

/* Process attach, under the loader lock: takes the module's TLS slot. */
void wst_stripes_attach(void);

/* The stripe the calling thread adds to, 1 .. WST_STRIPES - 1, claiming one
 * at the thread's first hit; 0 for the shared stripe 0 (none free, no TLS
 * slot, or the thread is past its DLL_THREAD_DETACH). Any thread, maybe
 * under the loader lock; never blocks. May change the last-error value. */
unsigned wst_stripes_of_this_thread(void);

/* DLL_THREAD_DETACH, on the exiting thread: gives its stripe back, and marks
 * the thread so that its later hits (a DllMain's at thread detach) add to the
 * shared stripe 0 instead of claiming a stripe again. */
void wst_stripes_release_thread(void);

/* Unload, under the loader lock, once no probe of the module can run: frees
 * the TLS slot (which clears it in every thread, so a later load of the
 * module at the same slot starts with no owners). */
void wst_stripes_detach(void);

#endif

/*
 * Saving what a module measured when it ends (WINSTRUMENT_SAVE=DIR): one
 * file per module load, in the container of winstrument/saved.h. Called
 * only by the lifecycle, under the loader lock.
 */
#ifndef WST_RUNTIME_SAVE_H
#define WST_RUNTIME_SAVE_H

/* At process attach, after the region's pid and instance are set: reads
 * WINSTRUMENT_SAVE, and if it names a directory, composes the file's name
 * and the module's identity now, so that the end has only a file to write. */
void wst_save_attach(void *module);

/* At DLL_PROCESS_DETACH, once the mode has stopped its worker: writes the
 * file if saving is armed. Never waits, never blocks on output; a failure is
 * recorded in the region header (save_state, save_error) and the detach goes
 * on. Returns the outcome, enum wst_save_state. */
unsigned wst_save_at_end(int process_exiting);

#endif

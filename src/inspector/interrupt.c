/*
 * See interrupt.h. The event is manual-reset: once set it stays set, so
 * every later wait returns at once.
 */
#include "interrupt.h"

static volatile LONG requested;
static HANDLE event; /* written once by wst_interrupt_install, main thread */

static BOOL WINAPI on_console_event(DWORD type)
{
    if (type != CTRL_C_EVENT && type != CTRL_BREAK_EVENT && type != CTRL_CLOSE_EVENT)
        return FALSE;
    InterlockedExchange(&requested, 1);
    if (event != NULL)
        SetEvent(event);
    return TRUE;
}

void wst_interrupt_install(void)
{
    if (event != NULL)
        return;
    event = CreateEventW(NULL, TRUE, FALSE, NULL);
    SetConsoleCtrlHandler(on_console_event, TRUE);
}

int wst_interrupted(void)
{
    return InterlockedCompareExchange(&requested, 0, 0) != 0;
}

int wst_interrupt_wait(DWORD ms)
{
    if (event == NULL) {
        Sleep(ms);
        return wst_interrupted();
    }
    return WaitForSingleObject(event, ms) == WAIT_OBJECT_0 || wst_interrupted();
}

/*
 * See output_state.h. The pipe is recognised by its handle's file type, not
 * by errno: which errno the C runtime sets for a closed pipe is not
 * documented, and the write that failed may have been an earlier one,
 * inside an fputs that filled the buffer, with errno changed since.
 */
#include "output_state.h"

#include <windows.h>

#include <io.h>

int wst_output_reader_gone(FILE *out)
{
    if (!ferror(out))
        return 0;
    HANDLE h = (HANDLE)_get_osfhandle(_fileno(out));
    return h != INVALID_HANDLE_VALUE && GetFileType(h) == FILE_TYPE_PIPE;
}

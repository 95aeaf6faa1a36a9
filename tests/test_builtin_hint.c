/*
 * Unit tests of src/inspector/builtin_hint.c's decisions: which paths lie
 * in a system directory (case and slashes as Windows compares them, never a
 * subdirectory or a prefix of a name), and which header bytes carry Wine's
 * builtin mark ("Wine builtin DLL" at 0x40, as in Wine 8's own zlib1.dll),
 * checked on such bytes and on the test's own image, which has none. The whole hint
 * on a live process is the zlib-builtin-hint scenario. Single-threaded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <windows.h>

#include <cmocka.h>

#include "builtin_hint.h"

static void path_in_dir(void **state)
{
    (void)state;
    const char *const dirs[] = {"C:\\windows\\system32", "C:/Windows/SysWOW64\\"};
    assert_true(wst_path_in_dir("C:\\windows\\system32\\zlib1.dll", dirs, 2));
    assert_true(wst_path_in_dir("c:\\WINDOWS\\SYSTEM32\\zlib1.dll", dirs, 2));
    assert_true(wst_path_in_dir("C:\\windows\\syswow64\\zlib1.dll", dirs, 2));
    assert_true(wst_path_in_dir("C:/windows/system32/x.dll", dirs, 2));
    assert_false(wst_path_in_dir("C:\\windows\\system32\\drivers\\x.sys", dirs, 2));
    assert_false(wst_path_in_dir("C:\\windows\\system3\\x.dll", dirs, 2));
    assert_false(wst_path_in_dir("Z:\\tmp\\app\\zlib1.dll", dirs, 2));
    assert_false(wst_path_in_dir("zlib1.dll", dirs, 2));
    assert_false(wst_path_in_dir("C:\\windows\\system32\\x.dll", dirs, 0));
}

static void wine_mark(void **state)
{
    (void)state;
    unsigned char head[0x60] = {'M', 'Z'};
    memcpy(head + 0x40, "Wine builtin DLL", 16);
    assert_true(wst_is_wine_builtin(head, sizeof head));
    assert_false(wst_is_wine_builtin(head, 0x4f));
    head[0x4f] = 'l';
    assert_false(wst_is_wine_builtin(head, sizeof head));
    /* This test's own image: mingw's DOS stub, no mark. */
    const unsigned char *self = (const unsigned char *)GetModuleHandleW(NULL);
    assert_false(wst_is_wine_builtin(self, 0x60));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(path_in_dir),
        cmocka_unit_test(wine_mark),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

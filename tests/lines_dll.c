/*
 * A DLL whose only job is to carry DWARF line tables for test_dwarf_lines.c:
 * functions at known lines, one static, one whose signature spans two lines,
 * built with -g -O0 (tests/module.mk) in DWARF 5 (gcc's default) and DWARF 4.
 * objdump's view of the same image is the expected answer
 * (scripts/dwarf-expect.py), so the test compares with binutils, not with
 * numbers written here. Never loaded: the test reads the file.
 */
__declspec(dllexport) int lines_add(int a, int b)
{
    return a + b;
}

static int lines_triple(int x)
{
    return x * 3;
}

__declspec(dllexport) int
lines_spread(int a,
             int b)
{
    int s = 0;
    for (int i = 0; i < a; i++)
        s += lines_triple(b);
    return s;
}

__declspec(dllexport) int lines_one_liner(void) { return 7; }

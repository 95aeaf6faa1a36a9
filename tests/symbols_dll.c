/*
 * A small DLL that test_pe_symbols reads as a file (never loads): one
 * exported function, one static function that only the COFF symbol table
 * names, and an export of a function under another name. Built for x86_64
 * and i686, and stripped into a second file (tests/module.mk).
 */
__attribute__((noinline)) static int symbols_static(int x)
{
    volatile int y = x;
    return y * 3 + 1;
}

__declspec(dllexport) __attribute__((noinline)) int symbols_exported(int x)
{
    return symbols_static(x) + symbols_static(x + 1);
}

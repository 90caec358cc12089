/* A stand-in for Windows' bcryptprimitives.dll, for running the Windows test binaries under
 * Wine 8.0, which lacks it. Rust's standard library (1.78 and later) asks this DLL for random
 * bytes (ProcessPrng) when a program starts; Wine does have advapi32's RtlGenRandom
 * (exported as SystemFunction036), which gives the same. Built by scripts/windows-tests;
 * never shipped: real Windows has the DLL. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size)
{
    while (size > 0) {
        ULONG chunk = size > 0x7fffffff ? 0x7fffffff : (ULONG)size;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        size -= chunk;
    }
    return TRUE;
}

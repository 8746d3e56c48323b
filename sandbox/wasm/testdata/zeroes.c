/* Checks that the memory an instance gets is zero where the module's image
 * does not set it, initially and after memory.grow, then dirties all of it
 * for the next instance to check. Exits 1 if it found a non-zero byte. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

extern unsigned char __heap_base;

static uintptr_t dirty_at(uintptr_t from, uintptr_t to) {
	for (uintptr_t i = from; i < to; i++)
		if (*(volatile unsigned char *)i != 0)
			return i;
	return 0;
}

int main(void) {
	uintptr_t base = (uintptr_t)&__heap_base;
	uintptr_t end = __builtin_wasm_memory_size(0) * 65536;
	uintptr_t bad = dirty_at(base, end);
	uintptr_t grown = __builtin_wasm_memory_grow(0, 64) * 65536; /* 4 MiB more */
	uintptr_t bad2 = dirty_at(grown, grown + 64 * 65536);
	memset((void *)base, 0xab, grown + 64 * 65536 - base);
	/* stdio's buffers are in the heap, after the check. */
	if (bad || bad2) {
		printf("dirty byte at %lu\n", (unsigned long)(bad ? bad : bad2));
		return 1;
	}
	printf("clean %lu bytes\n", (unsigned long)(grown + 64 * 65536 - base));
	return 0;
}

// For the loops that count page faults per page touched: their memory accesses must be the
// program's own. ASan and TSan instrument every access with a read of shadow memory, and each
// first read of a shadow page is a page fault of its own, which would be counted with the
// page's. Functions marked with this are compiled without either sanitizer's checks.
#pragma once

#define ILLUSION_UNINSTRUMENTED __attribute__((no_sanitize_address, no_sanitize_thread))

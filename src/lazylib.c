/* lazylib.c — dlopen and dlsym, once per library. */
#include "lazylib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

#include "diag.h"

/* A function pointer is stored through the bytes of the object pointer
 * dlsym returns, as POSIX has it. */
_Static_assert(sizeof(void (*)(void)) == sizeof(void *),
	       "function and object pointers differ in size");

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

int
lazylib_load(struct lazylib *lib, struct diag *d)
{
	void *h, *fn;
	size_t i;
	int rc = 0;

	if (atomic_load_explicit(&lib->loaded, memory_order_acquire))
		return 0;
	pthread_mutex_lock(&lock);
	if (atomic_load_explicit(&lib->loaded, memory_order_relaxed))
		goto out;
	h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		rc = diag_error(d, NULL, 0, "cannot load %s, which %s needs: %s",
				lib->soname, lib->purpose, dlerror());
		goto out;
	}
	for (i = 0; lib->names[i]; i++) {
		fn = dlsym(h, lib->names[i]);
		if (!fn) {
			rc = diag_error(d, NULL, 0, "%s, which %s needs, has no %s",
					lib->soname, lib->purpose, lib->names[i]);
			dlclose(h);
			goto out;
		}
		memcpy((char *)lib->table + i * sizeof(void (*)(void)), &fn, sizeof(fn));
	}
	atomic_store_explicit(&lib->loaded, 1, memory_order_release);
out:
	pthread_mutex_unlock(&lock);
	return rc;
}

/* lazylib.h — libraries opened when a command first needs them.
 *
 * libmicrohttpd (weft serve) and libsass (a theme's SCSS) bring GnuTLS and
 * the C++ runtime with them: loaded and relocated as the process starts,
 * they would cost every run of weft about 6 ms, a tenth of a build that
 * finds nothing changed, for work most runs never do. Their modules open
 * them by SONAME (found when weft is configured, see meson.build) the
 * first time they are used; the libraries' own headers still type every
 * call, through pointers declared with __typeof__ of the real function.
 */
#ifndef WEFT_LAZYLIB_H
#define WEFT_LAZYLIB_H

#include <stdatomic.h>

struct diag;

/* One library: its SONAME, what weft needs it for (for the error), and its
 * functions, by name, each with the address of the pointer that is to
 * hold it. */
struct lazylib {
	const char *soname;
	const char *purpose;		/* "SCSS", "weft serve" */
	const char *const *names;	/* NULL-terminated */
	void *const *slots;		/* the address of each function pointer */
	atomic_int loaded;		/* lazylib_load's; starts 0 */
};

/* Opens lib and fills every slot, once per process (any thread may call;
 * a failure is tried again next time). 0, or -1 after an error through d
 * naming the library, what needs it and the loader's reason. */
int lazylib_load(struct lazylib *lib, struct diag *d);

/* For a module's list of the functions it uses, an X-macro of their real
 * names: a struct member typed as a pointer to the function, and its name
 * for dlsym. The module calls lib.name(...) once lazylib_load succeeded. */
#define LAZYLIB_POINTER(f)	__typeof__(f) *f;
#define LAZYLIB_NAME(f)		#f,

#endif

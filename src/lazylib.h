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

/* One library: its SONAME, what weft needs it for (for the error), its
 * functions by name, and the table of pointers to fill, one a name in
 * order (LAZYLIB_DEFINE makes both). */
struct lazylib {
	const char *soname;
	const char *purpose;		/* "SCSS", "weft serve" */
	const char *const *names;	/* NULL-terminated */
	void *table;
	atomic_int loaded;		/* lazylib_load's; starts 0 */
};

/* Opens lib and fills every slot, once per process (any thread may call;
 * a failure is tried again next time). 0, or -1 after an error through d
 * naming the library, what needs it and the loader's reason. */
int lazylib_load(struct lazylib *lib, struct diag *d);

/* For a module's list of the functions it uses, an X-macro of their real
 * names: a struct member typed as a pointer to the function, and its name
 * for dlsym. */
#define LAZYLIB_POINTER(f)	__typeof__(f) *f;
#define LAZYLIB_NAME(f)		#f,

/*
 * Defines var, a struct with a pointer for each function LIST names, and
 * lib, the struct lazylib that fills it: the module calls var.name(...)
 * once lazylib_load(&lib, d) succeeded. The pointers, all of one size,
 * lie one after the other, as many as the names.
 */
#define LAZYLIB_DEFINE(var, lib, LIST, soname, purpose)				\
	static struct { LIST(LAZYLIB_POINTER) } var;				\
	static const char *const var##_names[] = { LIST(LAZYLIB_NAME) NULL };	\
	_Static_assert(sizeof(var) == (sizeof(var##_names) / sizeof(*var##_names) - 1) * \
		       sizeof(void (*)(void)), "one pointer a name");		\
	static struct lazylib lib = { soname, purpose, var##_names, &var, 0 }

#endif

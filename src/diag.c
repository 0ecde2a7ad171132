/* diag.c — diagnostics with locations, optionally held and sorted. */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

struct diag_msg {
	char *file;		/* NULL: no file */
	size_t seq;
	char *text;		/* the whole line, with its newline */
};

void
diag_init(struct diag *d, FILE *out, int verbosity)
{
	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->lock, NULL);
	d->out = out;
	d->verbosity = verbosity;
	strmap_init(&d->once);
}

void
diag_release(struct diag *d)
{
	diag_flush(d);
	free(d->msgs);
	strmap_release(&d->once, NULL);
	pthread_mutex_destroy(&d->lock);
}

static const char *
level_word(enum diag_level level)
{
	switch (level) {
	case DIAG_WARNING: return "warning: ";
	case DIAG_NOTE: return "note: ";
	default: return "";
	}
}

static bool
shown(const struct diag *d, enum diag_level level)
{
	switch (level) {
	case DIAG_ERROR: return true;
	case DIAG_WARNING:
	case DIAG_NOTE: return d->verbosity >= 0;
	case DIAG_INFO: return d->verbosity >= 1;
	default: return d->verbosity >= 2;
	}
}

/* Called with the lock held. */
static void
emit(struct diag *d, const char *file, char *text)
{
	struct diag_msg *m;

	if (!d->held) {
		fputs(text, d->out);
		fflush(d->out);
		free(text);
		return;
	}
	d->msgs = xgrow(d->msgs, &d->capmsgs, d->nmsgs + 1, sizeof(*d->msgs));
	m = &d->msgs[d->nmsgs];
	m->file = file ? xstrdup(file) : NULL;
	m->seq = d->nmsgs++;
	m->text = text;
}

void
diag_report(struct diag *d, enum diag_level level, const char *file,
	    unsigned line, const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT;

	if (file && line)
		buf_printf(&b, "%s:%u: ", file, line);
	else if (file)
		buf_printf(&b, "%s: ", file);
	else
		buf_puts(&b, "weft: ");
	buf_puts(&b, level_word(level));
	buf_vprintf(&b, fmt, ap);
	buf_putc(&b, '\n');

	pthread_mutex_lock(&d->lock);
	if (level == DIAG_ERROR)
		d->errors++;
	else if (level == DIAG_WARNING)
		d->warnings++;
	if (shown(d, level))
		emit(d, file, buf_detach(&b, NULL));
	pthread_mutex_unlock(&d->lock);
	buf_release(&b);
}

int
diag_error(struct diag *d, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_report(d, DIAG_ERROR, file, line, fmt, ap);
	va_end(ap);
	return -1;
}

void
diag_warning(struct diag *d, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_report(d, DIAG_WARNING, file, line, fmt, ap);
	va_end(ap);
}

void
diag_note(struct diag *d, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_report(d, DIAG_NOTE, file, line, fmt, ap);
	va_end(ap);
}

void
diag_info(struct diag *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_report(d, DIAG_INFO, NULL, 0, fmt, ap);
	va_end(ap);
}

void
diag_debug(struct diag *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_report(d, DIAG_DEBUG, NULL, 0, fmt, ap);
	va_end(ap);
}

bool
diag_once(struct diag *d, const char *key, enum diag_level level,
	  const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;
	void **slot;
	bool first;

	pthread_mutex_lock(&d->lock);
	slot = strmap_slot(&d->once, key, strlen(key));
	first = *slot == NULL;
	*slot = d;
	pthread_mutex_unlock(&d->lock);
	if (!first)
		return false;
	va_start(ap, fmt);
	diag_report(d, level, file, line, fmt, ap);
	va_end(ap);
	return true;
}

void
diag_hold(struct diag *d)
{
	pthread_mutex_lock(&d->lock);
	d->held = true;
	pthread_mutex_unlock(&d->lock);
}

static int
msg_cmp(const void *a, const void *b)
{
	const struct diag_msg *x = a, *y = b;
	int c;

	if (!x->file != !y->file)
		return x->file ? 1 : -1;	/* file-less messages first */
	if (x->file && (c = strcmp(x->file, y->file)) != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void
diag_flush(struct diag *d)
{
	size_t i;

	pthread_mutex_lock(&d->lock);
	if (d->nmsgs)
		qsort(d->msgs, d->nmsgs, sizeof(*d->msgs), msg_cmp);
	for (i = 0; i < d->nmsgs; i++) {
		fputs(d->msgs[i].text, d->out);
		free(d->msgs[i].text);
		free(d->msgs[i].file);
	}
	fflush(d->out);
	d->nmsgs = 0;
	d->held = false;
	pthread_mutex_unlock(&d->lock);
}

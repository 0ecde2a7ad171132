/* vcs.c — libgit2: the first commit of a site, and page dates from history. */
#include "vcs.h"

#include <errno.h>
#include <git2.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "lazylib.h"
#include "strmap.h"
#include "xalloc.h"

/* libgit2, opened on first use (lazylib.h): with the TLS, SSH and
 * Kerberos libraries it brings, linking it cost every run of weft about
 * 3 ms as the process starts (`perf stat -r 40 weft --version`: 7.2 ms
 * linked, 3.8 ms opened), where most sites are not in git. */
#define GIT_FUNCTIONS(X) \
	X(git_buf_dispose) \
	X(git_commit_author) \
	X(git_commit_create) \
	X(git_commit_free) \
	X(git_commit_lookup) \
	X(git_commit_parent_id) \
	X(git_commit_parentcount) \
	X(git_commit_time) \
	X(git_commit_tree) \
	X(git_commit_tree_id) \
	X(git_error_last) \
	X(git_error_set_str) \
	X(git_index_add_all) \
	X(git_index_free) \
	X(git_index_update_all) \
	X(git_index_write) \
	X(git_index_write_tree) \
	X(git_libgit2_init) \
	X(git_libgit2_opts) \
	X(git_libgit2_shutdown) \
	X(git_message_prettify) \
	X(git_oid_cpy) \
	X(git_oid_equal) \
	X(git_oid_fromstrn) \
	X(git_oid_tostr) \
	X(git_reference_name_to_id) \
	X(git_repository_commondir) \
	X(git_repository_free) \
	X(git_repository_index) \
	X(git_repository_init) \
	X(git_repository_open_ext) \
	X(git_repository_workdir) \
	X(git_signature_default) \
	X(git_signature_free) \
	X(git_signature_now) \
	X(git_tree_entry_byindex) \
	X(git_tree_entry_bypath) \
	X(git_tree_entry_cmp) \
	X(git_tree_entry_filemode) \
	X(git_tree_entry_free) \
	X(git_tree_entry_id) \
	X(git_tree_entry_name) \
	X(git_tree_entry_type) \
	X(git_tree_entrycount) \
	X(git_tree_free) \
	X(git_tree_lookup)
LAZYLIB_DEFINE(git, libgit2, GIT_FUNCTIONS, WEFT_GIT2_SONAME, "the site's git repository");

/*
 * libgit2's global state is reference-counted by git_libgit2_init and
 * git_libgit2_shutdown (thread-safe), so each public function takes one
 * reference for its duration: no state outlives a call, and the global
 * configuration paths ($HOME) are read afresh by the first of them.
 */
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Objects read are not hashed again to check their ids, as git does not
 * either (zlib still checks each stream): it halves the time of a walk.
 * The option is process-wide, and only this file uses libgit2. */
static void
configure(void)
{
	git.git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
}

/* Takes a reference to libgit2, opening it the first time; -1 after
 * reporting that it cannot be opened. */
static int
lib_begin(struct diag *d)
{
	if (lazylib_load(&libgit2, d) < 0)
		return -1;
	git.git_libgit2_init();
	pthread_once(&once, configure);
	return 0;
}

/* Deeper trees than this are refused rather than recursed into. */
#define TREE_DEPTH_MAX 256

struct vcs_times {
	struct strmap map;	/* path relative to dir -> struct times */
};

struct times {
	time_t ctime;
	time_t mtime;
};

/* Reports libgit2's last error about dir, after what failed; -1. */
static int
report(struct diag *d, const char *dir, const char *what)
{
	const git_error *e = git.git_error_last();

	return diag_error(d, dir, 0, "%s: %s", what,
			  e && e->message ? e->message : "libgit2 error");
}

/* The repository at dir itself (not a parent's), created when missing. */
static int
open_or_init(git_repository **repo, const char *dir)
{
	int err;

	err = git.git_repository_open_ext(repo, dir, GIT_REPOSITORY_OPEN_NO_SEARCH,
				      NULL);
	if (err == GIT_ENOTFOUND)
		err = git.git_repository_init(repo, dir, 0);
	return err;
}

/* As "git add -A": new and changed files that .gitignore does not
 * exclude, and removals; writes the index and its tree. */
static int
stage_all(git_tree **tree, git_repository *repo)
{
	git_index *index = NULL;
	git_oid oid;
	int err;

	if ((err = git.git_repository_index(&index, repo)) < 0)
		return err;
	if ((err = git.git_index_add_all(index, NULL, GIT_INDEX_ADD_DEFAULT,
				     NULL, NULL)) == 0 &&
	    (err = git.git_index_update_all(index, NULL, NULL, NULL)) == 0 &&
	    (err = git.git_index_write(index)) == 0 &&
	    (err = git.git_index_write_tree(&oid, index)) == 0)
		err = git.git_tree_lookup(tree, repo, &oid);
	git.git_index_free(index);
	return err;
}

/* The commit HEAD points at; 1 when HEAD is unborn. */
static int
head_id(git_oid *id, git_repository *repo)
{
	int err = git.git_reference_name_to_id(id, repo, "HEAD");

	if (err == GIT_ENOTFOUND || err == GIT_EUNBORNBRANCH)
		return 1;
	return err;
}

/* The commit HEAD points at; *head stays NULL when HEAD is unborn. */
static int
head_commit(git_commit **head, git_repository *repo)
{
	git_oid oid;
	int err;

	*head = NULL;
	if ((err = head_id(&oid, repo)) != 0)
		return err > 0 ? 0 : err;
	return git.git_commit_lookup(head, repo, &oid);
}

/* git's configured user, else weft's own name: a fresh container has no
 * identity, and an init must not fail for want of one. */
static int
identity(git_signature **sig, git_repository *repo)
{
	if (git.git_signature_default(sig, repo) == 0)
		return 0;
	return git.git_signature_now(sig, "weft", "weft@localhost");
}

/* Commits tree on top of HEAD (or as the first commit), with message
 * cleaned up as git commit does. */
static int
commit(git_repository *repo, const git_signature *sig, const char *message,
       const git_tree *tree, const git_commit *parent)
{
	git_buf msg = GIT_BUF_INIT;
	git_oid oid;
	int err;

	if ((err = git.git_message_prettify(&msg, message, 0, '#')) == 0)
		err = git.git_commit_create(&oid, repo, "HEAD", sig, sig, NULL,
					msg.ptr, tree, parent ? 1 : 0, &parent);
	git.git_buf_dispose(&msg);
	return err;
}

int
vcs_init_commit(const char *dir, const char *message, struct diag *d)
{
	git_repository *repo = NULL;
	git_tree *tree = NULL;
	git_commit *head = NULL;
	git_signature *sig = NULL;
	int rc = -1;

	if (lib_begin(d) < 0)
		return -1;
	if (open_or_init(&repo, dir) < 0)
		report(d, dir, "cannot open or create a git repository");
	else if (stage_all(&tree, repo) < 0)
		report(d, dir, "cannot stage the files");
	else if (head_commit(&head, repo) < 0)
		report(d, dir, "cannot read HEAD");
	else if (identity(&sig, repo) < 0)
		report(d, dir, "cannot make the author");
	else if (commit(repo, sig, message, tree, head) < 0)
		report(d, dir, "cannot commit");
	else
		rc = 0;
	git.git_signature_free(sig);
	git.git_commit_free(head);
	git.git_tree_free(tree);
	git.git_repository_free(repo);
	git.git_libgit2_shutdown();
	return rc;
}

/*
 * History. The commits reachable from HEAD are read into a graph, then
 * visited children before parents and, among the commits ready, newest
 * first (git log --date-order), so the first commit seen to touch a path
 * is its newest even when clocks were skewed. The walk is our own because
 * libgit2 1.5's revwalk fails at the boundary of a shallow clone, which CI
 * checkouts usually are: the commits .git/shallow lists are roots here, as
 * git log shows them.
 */
struct node {
	git_oid id;
	git_oid tree;		/* of dir in this commit, when has_tree */
	bool has_tree;
	git_time_t time;	/* committer time: the order of the walk */
	time_t author;		/* the time recorded */
	size_t links;		/* its parents: graph.links[links..+nparents] */
	size_t nparents;
	size_t children;	/* not yet visited */
	size_t seq;		/* when it became ready, to break ties */
};

struct graph {
	git_repository *repo;
	const char *prefix;	/* dir in the work tree: "" or "a/b" */
	struct node *nodes;
	size_t n, cap;
	size_t *links;
	size_t nlinks, caplinks;
	size_t *stack;		/* nodes to read parents of; then the ready heap */
	size_t nstack, capstack;
	size_t seq;
	struct strmap index;	/* raw oid -> node index + 1 */
	struct strmap shallow;	/* raw oids of the commits cut from their parents */
};

static void
graph_release(struct graph *g)
{
	free(g->nodes);
	free(g->links);
	free(g->stack);
	strmap_release(&g->index, NULL);
	strmap_release(&g->shallow, NULL);
}

static void
push(struct graph *g, size_t i)
{
	g->stack = xgrow(g->stack, &g->capstack, g->nstack + 1, sizeof(*g->stack));
	g->stack[g->nstack++] = i;
}

/* Reads the shallow boundary: one hex id a line. */
static int
read_shallow(struct graph *g)
{
	struct buf path = BUF_INIT;
	char line[128];
	git_oid oid;
	FILE *f;
	int err = 0;

	buf_printf(&path, "%sshallow", git.git_repository_commondir(g->repo));
	f = fopen(path.data, "r");
	buf_release(&path);
	if (!f && errno == ENOENT)
		return 0;
	if (!f) {
		git.git_error_set_str(GIT_ERROR_OS, strerror(errno));
		return -1;
	}
	while (err == 0 && fgets(line, sizeof(line), f))
		if ((err = git.git_oid_fromstrn(&oid, line, GIT_OID_HEXSZ)) == 0)
			strmap_put(&g->shallow, (char *)oid.id, GIT_OID_RAWSZ, g);
	fclose(f);
	return err;
}

/* The id of the tree at prefix in commit c's tree (c's tree itself for
 * ""); *found is false when c has no directory there. */
static int
prefix_tree(git_oid *out, bool *found, const git_commit *c, const char *prefix)
{
	git_tree *root = NULL;
	git_tree_entry *e = NULL;
	int err;

	*found = false;
	if (!*prefix) {
		git.git_oid_cpy(out, git.git_commit_tree_id(c));
		*found = true;
		return 0;
	}
	if ((err = git.git_commit_tree(&root, c)) < 0)
		return err;
	err = git.git_tree_entry_bypath(&e, root, prefix);
	if (err == 0 && git.git_tree_entry_type(e) == GIT_OBJECT_TREE) {
		git.git_oid_cpy(out, git.git_tree_entry_id(e));
		*found = true;
	}
	if (err == GIT_ENOTFOUND)
		err = 0;
	git.git_tree_entry_free(e);
	git.git_tree_free(root);
	return err;
}

/* The node of commit id in *i, added (and queued to have its parents
 * read) when new. */
static int
node_add(struct graph *g, const git_oid *id, size_t *i)
{
	void **slot = strmap_slot(&g->index, (const char *)id->id, GIT_OID_RAWSZ);
	git_commit *c;
	struct node *n;
	int err;

	if (*slot) {
		*i = (size_t)(uintptr_t)*slot - 1;
		return 0;
	}
	if ((err = git.git_commit_lookup(&c, g->repo, id)) < 0)
		return err;
	g->nodes = xgrow(g->nodes, &g->cap, g->n + 1, sizeof(*g->nodes));
	n = memset(&g->nodes[g->n], 0, sizeof(*n));
	git.git_oid_cpy(&n->id, id);
	n->time = git.git_commit_time(c);
	n->author = git.git_commit_author(c)->when.time;
	err = prefix_tree(&n->tree, &n->has_tree, c, g->prefix);
	git.git_commit_free(c);
	*i = g->n++;
	*slot = (void *)(uintptr_t)g->n;
	push(g, *i);
	return err;
}

/* Links node i to its parents, adding them; none past a shallow
 * boundary. */
static int
node_parents(struct graph *g, size_t i)
{
	git_commit *c;
	size_t k, np, p;
	int err;

	if (strmap_get(&g->shallow, (const char *)g->nodes[i].id.id, GIT_OID_RAWSZ))
		return 0;
	if ((err = git.git_commit_lookup(&c, g->repo, &g->nodes[i].id)) < 0)
		return err;
	np = git.git_commit_parentcount(c);
	g->links = xgrow(g->links, &g->caplinks, g->nlinks + np, sizeof(*g->links));
	g->nodes[i].links = g->nlinks;
	for (k = 0; k < np; k++) {
		if ((err = node_add(g, git.git_commit_parent_id(c, k), &p)) < 0)
			break;
		g->links[g->nlinks++] = p;
		g->nodes[i].nparents++;
		g->nodes[p].children++;
	}
	git.git_commit_free(c);
	return err;
}

/* Every commit reachable from head, with its parents. */
static int
graph_load(struct graph *g, const git_oid *head)
{
	size_t i;
	int err;

	if ((err = read_shallow(g)) < 0 || (err = node_add(g, head, &i)) < 0)
		return err;
	while (g->nstack > 0)
		if ((err = node_parents(g, g->stack[--g->nstack])) < 0)
			return err;
	return 0;
}

/* The ready heap, on g->stack: newest committer time first, then the
 * first to become ready. */
static bool
before(const struct graph *g, size_t a, size_t b)
{
	const struct node *x = &g->nodes[a], *y = &g->nodes[b];

	return x->time != y->time ? x->time > y->time : x->seq < y->seq;
}

static void
heap_swap(size_t *h, size_t a, size_t b)
{
	size_t t = h[a];

	h[a] = h[b];
	h[b] = t;
}

static void
ready(struct graph *g, size_t i)
{
	size_t k, up;

	g->nodes[i].seq = g->seq++;
	push(g, i);
	for (k = g->nstack - 1; k > 0; k = up) {
		up = (k - 1) / 2;
		if (!before(g, g->stack[k], g->stack[up]))
			break;
		heap_swap(g->stack, k, up);
	}
}

static size_t
next_ready(struct graph *g)
{
	size_t *h = g->stack, top = h[0], k = 0, c;

	h[0] = h[--g->nstack];
	while ((c = 2 * k + 1) < g->nstack) {
		if (c + 1 < g->nstack && before(g, h[c + 1], h[c]))
			c++;
		if (!before(g, h[c], h[k]))
			break;
		heap_swap(h, k, c);
		k = c;
	}
	return top;
}

/*
 * The comparison of a commit's tree with its parent's recurses only into
 * subtrees whose ids differ: all "git log --name-only --no-renames" needs,
 * and far cheaper than a diff. The trees of the parent side are kept for
 * the next commit, usually that parent, so each is read once.
 */
struct walk {
	git_repository *repo;
	struct strmap *map;	/* the result */
	struct buf path;	/* of the entry compared, relative to dir */
	time_t when;		/* author time of the commit compared */
	unsigned depth;
	struct strmap kept;	/* raw oid -> git_tree, from the last commit */
	struct strmap parent;	/* the same, for this commit's parent side */
	struct strmap child;	/* and its own side */
};

static void
tree_free(void *t)
{
	git.git_tree_free(t);
}

/* Moves on to the next commit: what its parent side read is kept. */
static void
trees_rotate(struct walk *w)
{
	strmap_release(&w->kept, tree_free);
	strmap_release(&w->child, tree_free);
	w->kept = w->parent;
	strmap_init(&w->parent);
}

/* Tree id, owned by w until trees_rotate. */
static int
tree_get(git_tree **t, struct walk *w, const git_oid *id, bool parent_side)
{
	struct strmap *own = parent_side ? &w->parent : &w->child;
	const char *key = (const char *)id->id;
	int err;

	if ((*t = strmap_get(&w->kept, key, GIT_OID_RAWSZ)) ||
	    (*t = strmap_get(own, key, GIT_OID_RAWSZ)))
		return 0;
	if ((err = git.git_tree_lookup(t, w->repo, id)) < 0)
		return err;
	strmap_put(own, key, GIT_OID_RAWSZ, *t);
	return 0;
}

/* Newest first: the first commit seen sets mtime, each later one ctime. */
static void
touch(struct walk *w)
{
	void **slot = strmap_slot(w->map, w->path.data, w->path.len);
	struct times *t = *slot;

	if (!t) {
		t = xmalloc(sizeof(*t));
		t->mtime = w->when;
		*slot = t;
	}
	t->ctime = w->when;
}

static int compare_trees(struct walk *w, const git_oid *a, const git_oid *b);

static const git_oid *
tree_id(const git_tree_entry *e)
{
	if (!e || git.git_tree_entry_type(e) != GIT_OBJECT_TREE)
		return NULL;
	return git.git_tree_entry_id(e);
}

/* a and b have the same name, or one of them is NULL (added, deleted). A
 * blob or submodule that changes id or mode is touched; trees are
 * compared. */
static int
compare_entries(struct walk *w, const git_tree_entry *a,
		const git_tree_entry *b)
{
	const git_tree_entry *e = a ? a : b;
	size_t len = w->path.len;
	int err = 0;

	if (a && b && git.git_oid_equal(git.git_tree_entry_id(a), git.git_tree_entry_id(b)) &&
	    git.git_tree_entry_filemode(a) == git.git_tree_entry_filemode(b))
		return 0;
	if (len)
		buf_putc(&w->path, '/');
	buf_puts(&w->path, git.git_tree_entry_name(e));
	if (tree_id(a) || tree_id(b))
		err = compare_trees(w, tree_id(a), tree_id(b));
	else
		touch(w);
	buf_truncate(&w->path, len);
	return err;
}

/* Merges the two sorted entry lists (either tree may be missing). */
static int
compare_lists(struct walk *w, const git_tree *ta, const git_tree *tb)
{
	size_t i = 0, j = 0;
	size_t na = ta ? git.git_tree_entrycount(ta) : 0;
	size_t nb = tb ? git.git_tree_entrycount(tb) : 0;
	const git_tree_entry *a, *b;
	int c, err = 0;

	while (err == 0 && (i < na || j < nb)) {
		a = i < na ? git.git_tree_entry_byindex(ta, i) : NULL;
		b = j < nb ? git.git_tree_entry_byindex(tb, j) : NULL;
		c = !a ? 1 : !b ? -1 : git.git_tree_entry_cmp(a, b);
		if (c < 0)
			b = NULL;
		else if (c > 0)
			a = NULL;
		i += a != NULL;
		j += b != NULL;
		err = compare_entries(w, a, b);
	}
	return err;
}

/* Touches every leaf that differs between trees a (the parent's) and b
 * (NULL: no tree). */
static int
compare_trees(struct walk *w, const git_oid *a, const git_oid *b)
{
	git_tree *ta = NULL, *tb = NULL;
	int err;

	if (a && b && git.git_oid_equal(a, b))
		return 0;
	if (w->depth >= TREE_DEPTH_MAX) {
		git.git_error_set_str(GIT_ERROR_INVALID, "trees nested too deep");
		return -1;
	}
	if ((a && (err = tree_get(&ta, w, a, true)) < 0) ||
	    (b && (err = tree_get(&tb, w, b, false)) < 0))
		return err;
	w->depth++;
	err = compare_lists(w, ta, tb);
	w->depth--;
	return err;
}

/* Touches what node i changed, against its only parent or, for a root,
 * against nothing; merges are not looked into. */
static int
visit(struct walk *w, const struct graph *g, size_t i)
{
	const struct node *n = &g->nodes[i], *p;
	int err;

	if (n->nparents > 1)
		return 0;
	p = n->nparents ? &g->nodes[g->links[n->links]] : NULL;
	w->when = n->author;
	err = compare_trees(w, p && p->has_tree ? &p->tree : NULL,
			    n->has_tree ? &n->tree : NULL);
	trees_rotate(w);
	return err;
}

/* Visits every node, children first (Kahn's algorithm). */
static int
walk_graph(struct walk *w, struct graph *g)
{
	size_t i, k, p;
	int err;

	ready(g, 0);		/* the head: nothing else is its parent */
	while (g->nstack > 0) {
		i = next_ready(g);
		if ((err = visit(w, g, i)) < 0)
			return err;
		for (k = 0; k < g->nodes[i].nparents; k++) {
			p = g->links[g->nodes[i].links + k];
			if (--g->nodes[p].children == 0)
				ready(g, p);
		}
	}
	return 0;
}

/*
 * The path of dir inside the work tree of repo ("" for the top, else
 * "a/b"); 1 when dir is not inside the work tree (a bare repository, or
 * dir inside .git).
 */
static int
dir_prefix(struct buf *prefix, git_repository *repo, const char *dir)
{
	const char *wd = git.git_repository_workdir(repo);
	char *top = NULL, *real = NULL;
	size_t n;
	int rc = 1;

	if (!wd)
		return 1;
	if (!(top = realpath(wd, NULL)) || !(real = realpath(dir, NULL))) {
		git.git_error_set_str(GIT_ERROR_OS, strerror(errno));
		rc = -1;
		goto out;
	}
	n = strlen(top);
	if (n == 1)
		n = 0;		/* the work tree is "/" */
	if (strncmp(real, top, n) == 0 && (real[n] == '/' || !real[n])) {
		buf_puts(prefix, real[n] ? real + n + 1 : "");
		rc = 0;
	}
out:
	free(top);
	free(real);
	return rc;
}

/* Reads the graph of dir's repository and walks it into t. */
static int
times_walk(struct vcs_times *t, git_repository *repo, const git_oid *head,
	   const char *prefix)
{
	struct graph g = { 0 };
	struct walk w = { 0 };
	int err;

	g.repo = w.repo = repo;
	g.prefix = prefix;
	w.map = &t->map;
	buf_init(&w.path);
	strmap_init(&g.index);
	strmap_init(&g.shallow);
	strmap_init(&w.kept);
	strmap_init(&w.parent);
	strmap_init(&w.child);
	if ((err = graph_load(&g, head)) == 0)
		err = walk_graph(&w, &g);
	trees_rotate(&w);
	trees_rotate(&w);	/* twice: every tree is freed */
	buf_release(&w.path);
	graph_release(&g);
	return err;
}

/* A repository of another user (a CI checkout, often) is one git refuses
 * to use, and so does libgit2: the site builds without its dates. */
static int
not_owned(struct diag *d, const char *dir)
{
	const git_error *e = git.git_error_last();

	diag_warning(d, dir, 0, "not using git for page dates: %s",
		     e && e->message ? e->message : "owned by another user");
	return 0;
}

static struct vcs_times *
times_new(void)
{
	struct vcs_times *t = xmalloc(sizeof(*t));

	strmap_init(&t->map);
	return t;
}

/* Whether some directory from dir up holds a .git: libgit2's loading and
 * global set-up (which reads every CA certificate, for HTTPS) are not paid
 * outside git. */
static bool
in_git(const char *dir)
{
	char *p = realpath(dir, NULL);
	size_t n;
	bool found = false;

	if (!p)
		return true;	/* let libgit2 say */
	for (n = strlen(p); !found; ) {
		struct buf dotgit = BUF_INIT;

		buf_put(&dotgit, p, n);
		buf_puts(&dotgit, "/.git");
		found = access(dotgit.data, F_OK) == 0;
		buf_release(&dotgit);
		if (n == 0 || (n == 1 && p[0] == '/'))
			break;
		while (n > 0 && p[n - 1] != '/')
			n--;
		if (n > 1)
			n--;
	}
	free(p);
	return found;
}

int
vcs_head(struct buf *id, const char *dir, struct diag *d)
{
	git_repository *repo = NULL;
	git_oid head;
	char hex[GIT_OID_HEXSZ + 1];
	int err, rc = -1;

	if (!in_git(dir))
		return 1;
	if (lib_begin(d) < 0)
		return -1;
	err = git.git_repository_open_ext(&repo, dir, 0, NULL);
	if (err == GIT_ENOTFOUND) {
		rc = 1;
	} else if (err == 0) {
		err = head_id(&head, repo);
		if (err > 0) {
			rc = 1;
		} else if (err == 0) {
			git.git_oid_tostr(hex, sizeof(hex), &head);
			buf_puts(id, hex);
			rc = 0;
		}
	}
	git.git_repository_free(repo);
	git.git_libgit2_shutdown();
	return rc;
}

int
vcs_times_load(struct vcs_times **out, const char *dir, struct diag *d)
{
	struct buf prefix = BUF_INIT;
	git_repository *repo = NULL;
	struct vcs_times *t = NULL;
	git_oid head;
	int err, rc = -1;

	*out = NULL;
	if (!in_git(dir))
		return 0;
	if (lib_begin(d) < 0)
		return -1;
	err = git.git_repository_open_ext(&repo, dir, 0, NULL);
	if (err == GIT_ENOTFOUND)
		rc = 0;
	else if (err == GIT_EOWNER)
		rc = not_owned(d, dir);
	else if (err < 0)
		report(d, dir, "cannot open the git repository");
	else if ((err = dir_prefix(&prefix, repo, dir)) != 0)
		rc = err > 0 ? 0 : report(d, dir, "cannot find the directory");
	else if ((err = head_id(&head, repo)) != 0)
		rc = err > 0 ? 0 : report(d, dir, "cannot read HEAD");
	else if (times_walk((t = times_new()), repo, &head, prefix.data) < 0)
		report(d, dir, "cannot read the history");
	else
		rc = 0;
	if (rc == 0)
		*out = t;
	else
		vcs_times_free(t);
	buf_release(&prefix);
	git.git_repository_free(repo);
	git.git_libgit2_shutdown();
	return rc;
}

bool
vcs_times_get(const struct vcs_times *t, const char *path,
	      time_t *ctime, time_t *mtime)
{
	const struct times *v = t ? strmap_gets(&t->map, path) : NULL;

	if (!v)
		return false;
	if (ctime)
		*ctime = v->ctime;
	if (mtime)
		*mtime = v->mtime;
	return true;
}

void
vcs_times_free(struct vcs_times *t)
{
	if (!t)
		return;
	strmap_release(&t->map, free);
	free(t);
}

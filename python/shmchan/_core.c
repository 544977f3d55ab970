/* SPDX-License-Identifier: MIT */
/*
 * shmchan._core: the CPython extension behind the shmchan package
 * (python/shmchan/__init__.py adds asyncio and the numpy helper on top).
 *
 * Types:
 *   Writer   a writer handle (create, create_or_replace, or open by name)
 *   Reader   a reader handle (open_reader; subscribe=True for a broadcast
 *            subscriber); the package's Subscriber is a Reader
 *   Loan     what a memoryview from reserve() or peek() is a view of: the
 *            message's bytes in the segment, in place
 *
 * The C handle (struct shmchan_channel) lives inside the Python object,
 * which CPython never moves: the library still allocates nothing.
 *
 * Views and lifetimes. reserve() and peek() return a memoryview over the
 * segment. Its memory stays valid only until commit, cancel or release, and
 * until the handle is closed (closing unmaps it). So:
 *   - commit(), cancel() and release() first release the memoryview they
 *     handed out (using it afterwards raises ValueError), and refuse with
 *     BufferError, changing nothing, while anything else still holds a
 *     buffer of the message (a numpy array made from the view, a slice of
 *     it, another memoryview of it): those are counted by the Loan;
 *   - close() refuses with BufferError in the same case;
 *   - a Loan holds a reference to its handle, so a handle is never
 *     deallocated (and unmapped) while a view of it is alive;
 *   - a Loan once released refuses new buffers (ValueError).
 * The handle refers to its Loan without a reference (the Loan clears it
 * when it goes), and to the memoryview by a weak reference, so there is no
 * reference cycle and nothing needs the cyclic garbage collector.
 *
 * Threads. Every wait releases the GIL. A handle is used by one thread at a
 * time (as in C); the library refuses a second concurrent call with -EBUSY,
 * and this module refuses close() and any call that changes the handle's
 * Python-side state while a call is waiting in another thread.
 *
 * Signals. Waits run in slices of at most SLICE_MS with the GIL released;
 * between slices the pending signal handlers run (PyErr_CheckSignals), so
 * Ctrl-C interrupts a blocking wait within SLICE_MS with KeyboardInterrupt,
 * and nothing in the channel changes (a timed-out C wait changes nothing).
 *
 * Errors are raised as shmchan.Error (a subclass of OSError, with errno and
 * strerror from shmchan_strerror) or one of its subclasses, chosen by the
 * C error code (err_type below).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "shmchan/channel.h"

/* Longest stretch a wait spends with the GIL released before it looks at
 * pending signals; also the Ctrl-C latency of a blocking call. */
#define SLICE_MS 100

/* The exception types, made once by the module's init and never changed
 * (the module is single-phase, and not reloadable). */
static PyObject *Error, *Timeout, *EndOfStream, *Stale, *Full, *Empty, *MessageTooBig, *Lost,
	*Corrupt;

enum role { ROLE_WRITER = 1, ROLE_READER = 2 };
enum held { HELD_NONE = 0, HELD_RESERVE = 1, HELD_PEEK = 2 };

struct loan;

typedef struct {
	PyObject ob_base;
	struct shmchan_channel ch;
	int open;
	int role;
	int waiting;	      /* calls waiting with the GIL released */
	int held;	      /* enum held: what the C handle holds */
	Py_ssize_t held_len;  /* the reservation's length; the peeked message's */
	const void *held_ptr; /* the peeked message */
	struct loan *loan;    /* the held message's Loan, while it lives; no reference */
	Py_ssize_t max_len;   /* the largest message */
	PyObject *name;	      /* str */
	PyObject *weakreflist;
} Handle;

typedef struct loan {
	PyObject ob_base;
	Handle *owner; /* a reference: keeps the mapping alive */
	void *ptr;
	Py_ssize_t len;
	int readonly;
	int valid;	    /* 0 once committed, cancelled or released */
	Py_ssize_t exports; /* buffers of it alive (memoryviews, arrays) */
	PyObject *view_ref; /* weak reference to the memoryview handed out */
} Loan;

static PyTypeObject LoanType, WriterType, ReaderType;

/* ---- errors ---- */

/* The exception for C error @rc (negative errno) from a call on a handle
 * of @role (0: not a handle's call). */
static PyObject *err_type(int rc, int role)
{
	switch (rc) {
	case -ETIMEDOUT:
		return Timeout;
	case -EPIPE:
		return EndOfStream;
	case -ESTALE:
		return Stale;
	case -EAGAIN:
		return role == ROLE_WRITER ? Full : role == ROLE_READER ? Empty : Error;
	case -EMSGSIZE:
		return MessageTooBig;
	case SHMCHAN_ELOST:
		return role == ROLE_READER ? Lost : Error;
	case -EBADMSG:
		return Corrupt;
	default:
		return Error;
	}
}

/* Raise the exception for @rc; returns NULL. */
static PyObject *raise_rc(int rc, int role)
{
	PyObject *args = Py_BuildValue("(is)", -rc, shmchan_strerror(rc));

	if (args) {
		PyErr_SetObject(err_type(rc, role), args);
		Py_DECREF(args);
	}
	return NULL;
}

static PyObject *raise_msg(PyObject *type, int err, const char *msg)
{
	PyObject *args = Py_BuildValue("(is)", err, msg);

	if (args) {
		PyErr_SetObject(type, args);
		Py_DECREF(args);
	}
	return NULL;
}

/* Raise the exception for @rc of a create or an open with config @c (for
 * @use, SHMCHAN_CHECK_*): a refused config says which field, in the
 * library's words (shmchan_config_check). Returns NULL. */
static PyObject *raise_cfg(int rc, const struct shmchan_config *c, uint32_t use)
{
	char why[160];

	if (rc == -EINVAL && shmchan_config_check(c, use, why, sizeof(why)) == -EINVAL)
		return raise_msg(err_type(rc, 0), EINVAL, why);
	return raise_rc(rc, 0);
}

/* ---- timeouts ---- */

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A timeout argument (None: no limit; seconds >= 0) as an absolute
 * deadline in ns, or -1 for none. Returns 0, or -1 with an exception. */
static int deadline_of(PyObject *timeout, int64_t *deadline)
{
	double s;

	if (timeout == NULL || timeout == Py_None) {
		*deadline = -1;
		return 0;
	}
	s = PyFloat_AsDouble(timeout);
	if (s == -1.0 && PyErr_Occurred())
		return -1;
	if (!(s >= 0)) {
		PyErr_SetString(PyExc_ValueError, "timeout must be None or a number >= 0");
		return -1;
	}
	if (s > 1e9)
		s = 1e9; /* 31 years: as good as none, and no overflow below */
	*deadline = now_ns() + (int64_t)(s * 1e9);
	return 0;
}

/* Milliseconds left until @deadline for one slice: at most SLICE_MS,
 * rounded up so that a wait does not end before its deadline. */
static int slice_ms(int64_t deadline)
{
	int64_t left;

	if (deadline < 0)
		return SLICE_MS;
	left = deadline - now_ns();
	if (left <= 0)
		return 0;
	left = (left + 999999) / 1000000;
	return left < SLICE_MS ? (int)left : SLICE_MS;
}

typedef int (*wait_fn)(Handle *h, int ms, void *arg);

/* Run @fn in slices with the GIL released until it returns something
 * other than -ETIMEDOUT or @deadline passes. Returns fn's last result, or
 * INT_MIN with an exception set (a signal handler raised). */
static int blocking(Handle *h, wait_fn fn, void *arg, int64_t deadline)
{
	int rc;

	h->waiting++;
	for (;;) {
		int ms = slice_ms(deadline);

		PyThreadState *ts = PyEval_SaveThread();

		rc = fn(h, ms, arg);
		PyEval_RestoreThread(ts);
		if (rc != -ETIMEDOUT)
			break;
		if (deadline >= 0 && now_ns() >= deadline)
			break;
		if (PyErr_CheckSignals() < 0) {
			rc = INT_MIN;
			break;
		}
	}
	h->waiting--;
	return rc;
}

/* ---- Loan ---- */

static int loan_getbuffer(PyObject *self, Py_buffer *view, int flags)
{
	Loan *l = (Loan *)self;

	if (!l->valid) {
		PyErr_SetString(
			PyExc_ValueError,
			"the message was committed, cancelled or released: its view is gone");
		view->obj = NULL;
		return -1;
	}
	if (PyBuffer_FillInfo(view, self, l->ptr, l->len, l->readonly, flags) < 0)
		return -1;
	l->exports++;
	return 0;
}

static void loan_releasebuffer(PyObject *self, Py_buffer *view)
{
	(void)view;
	((Loan *)self)->exports--;
}

static PyBufferProcs loan_as_buffer = { loan_getbuffer, loan_releasebuffer };

static void loan_dealloc(PyObject *self)
{
	Loan *l = (Loan *)self;

	if (l->owner && l->owner->loan == l)
		l->owner->loan = NULL;
	Py_XDECREF(l->view_ref);
	Py_XDECREF((PyObject *)l->owner);
	Py_TYPE(self)->tp_free(self);
}

static PyTypeObject LoanType = {
	PyVarObject_HEAD_INIT(NULL, 0).tp_name = "shmchan._core.Loan",
	.tp_basicsize = sizeof(Loan),
	.tp_dealloc = loan_dealloc,
	.tp_as_buffer = &loan_as_buffer,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "The bytes of a reserved or peeked message, in place (see memoryview.obj).",
};

/* A memoryview over @len bytes at @ptr, held by @h (after a successful
 * reserve or peek). Returns it, or NULL with an exception. */
static PyObject *lend(Handle *h, void *ptr, Py_ssize_t len, int readonly)
{
	Loan *l = PyObject_New(Loan, &LoanType);
	PyObject *mv;

	if (!l)
		return NULL;
	Py_INCREF(h);
	l->owner = h;
	l->ptr = ptr;
	l->len = len;
	l->readonly = readonly;
	l->valid = 1;
	l->exports = 0;
	l->view_ref = NULL;
	h->loan = l;
	mv = PyMemoryView_FromObject((PyObject *)l);
	if (mv)
		l->view_ref = PyWeakref_NewRef(mv, NULL);
	Py_DECREF(l); /* mv holds it now */
	if (mv && !h->loan->view_ref)
		Py_CLEAR(mv);
	return mv;
}

/* Is anything but @mv itself using the message through @mv: a numpy
 * array or a slice (each a memoryview registered with @mv's managed
 * buffer), or a buffer exported by @mv (@mv's own export count)? */
static int view_in_use(PyObject *mv)
{
	PyMemoryViewObject *m = (PyMemoryViewObject *)mv;

	return m->exports > 0 || (m->mbuf && m->mbuf->exports > 1);
}

/* Before the held message goes (commit, cancel, release, close): release
 * the memoryview handed out, once sure that no other buffer of the
 * message is alive. Returns 0 (the Loan, if any, is invalid now), or -1
 * with BufferError and nothing changed (the view stays usable). */
static int unlend(Handle *h)
{
	Loan *l = h->loan;
	PyObject *mv;
	int rc = -1;

	if (!l)
		return 0;
	Py_INCREF(l); /* releasing the view may drop the last other reference */
	mv = l->view_ref ? PyWeakref_GetObject(l->view_ref) : Py_None;
	/* Our view holds one export of the Loan; any other is a buffer taken
	 * from the Loan itself (memoryview(view.obj)). */
	if (l->exports > (mv != Py_None ? 1 : 0) || (mv != Py_None && view_in_use(mv)))
		goto busy;
	if (mv != Py_None) {
		PyObject *r;

		Py_INCREF(mv);
		r = PyObject_CallMethod(mv, "release", NULL);
		Py_DECREF(mv);
		if (!r)
			goto out; /* not expected: checked above */
		Py_DECREF(r);
	}
	if (l->exports > 0)
		goto busy; /* not expected: counted above */
	l->valid = 0;
	h->loan = NULL;
	rc = 0;
	goto out;
busy:
	PyErr_Format(
		PyExc_BufferError,
		"buffers of the %s message are still alive (a slice of its memoryview, a numpy "
		"array, a memoryview of its object): delete them first",
		h->held == HELD_PEEK ? "peeked" : "reserved");
out:
	Py_DECREF(l);
	return rc;
}

/* ---- configuration ---- */

struct name_val {
	const char *name;
	unsigned val;
};

static const struct name_val kinds[] = { { "slot", SHMCHAN_KIND_SLOT },
					 { "record", SHMCHAN_KIND_RECORD },
					 { "broadcast", SHMCHAN_KIND_BROADCAST },
					 { "workqueue", SHMCHAN_KIND_WORKQUEUE },
					 { NULL, 0 } };
static const struct name_val policies[] = { { "block", SHMCHAN_POLICY_BLOCK },
					    { "overwrite", SHMCHAN_POLICY_OVERWRITE },
					    { NULL, 0 } };
static const struct name_val waits[] = { { "futex", SHMCHAN_WAIT_FUTEX },
					 { "spin", SHMCHAN_WAIT_SPIN },
					 { "backoff", SHMCHAN_WAIT_BACKOFF },
					 { NULL, 0 } };

/* @o (None, an int, or one of @tab's names) as a number in *@out. */
static int enum_of(PyObject *o, const struct name_val *tab, const char *what, uint32_t *out)
{
	if (o == NULL || o == Py_None)
		return 0;
	if (PyUnicode_Check(o)) {
		const char *s = PyUnicode_AsUTF8(o);

		if (!s)
			return -1;
		for (; tab->name; tab++)
			if (strcmp(s, tab->name) == 0) {
				*out = tab->val;
				return 0;
			}
		PyErr_Format(PyExc_ValueError, "unknown %s %R", what, o);
		return -1;
	}
	{
		unsigned long v = PyLong_AsUnsignedLong(o);

		if (v == (unsigned long)-1 && PyErr_Occurred())
			return -1;
		if (v > UINT32_MAX) {
			PyErr_Format(PyExc_ValueError, "%s out of range", what);
			return -1;
		}
		*out = (uint32_t)v;
	}
	return 0;
}

/* PyArg "O&" converter: a Python int in [0, 2**32 - 1] into the uint32_t at
 * @p; anything else is an error (OverflowError, TypeError), never a value
 * masked to 32 bits. */
static int u32_arg(PyObject *o, void *p)
{
	unsigned long v = PyLong_AsUnsignedLong(o);

	if (v == (unsigned long)-1 && PyErr_Occurred())
		return 0;
	if (v > UINT32_MAX) {
		PyErr_Format(PyExc_OverflowError, "%R is above 2**32 - 1", o);
		return 0;
	}
	*(uint32_t *)p = (uint32_t)v;
	return 1;
}

/* The configuration keywords, shared by Writer and Reader (after theirs). */
#define CFG_KW                                                                                     \
	"kind", "slot_size", "slot_count", "buffer_size", "policy", "mode", "wait", "spin_us",     \
		"any_owner", "mem", "numa_node"
#define CFG_FMT "OO&O&O&OO&OipO&O&"
#define CFG_VARS(c)                                                                                \
	&kind, u32_arg, &(c).slot_size, u32_arg, &(c).slot_count, u32_arg, &(c).buffer_size,       \
		&policy, u32_arg, &(c).mode, &wait, &(c).spin_us, &any_owner, u32_arg, &(c).mem,   \
		u32_arg, &(c).numa_node

/* What Writer and Reader do after parsing: finish the configuration @c
 * and check that @h may open @name. Returns the name's UTF-8 (owned by
 * @name), or NULL with an exception. */
static const char *cfg_finish(Handle *h, PyObject *name, struct shmchan_config *c, PyObject *kind,
			      PyObject *policy, PyObject *wait, int any_owner)
{
	if (enum_of(kind, kinds, "kind", &c->kind) < 0 ||
	    enum_of(policy, policies, "policy", &c->policy) < 0 ||
	    enum_of(wait, waits, "wait strategy", &c->wait) < 0)
		return NULL;
	if (any_owner)
		c->flags |= SHMCHAN_OPEN_ANY_OWNER;
	if (h->open) {
		PyErr_SetString(PyExc_ValueError, "the handle is already open");
		return NULL;
	}
	return PyUnicode_AsUTF8(name);
}

/* After a successful open: remember what a handle needs. */
static void opened(Handle *h, int role, PyObject *name)
{
	struct shmchan_config c;

	h->open = 1;
	h->role = role;
	h->held = HELD_NONE;
	h->max_len = 0;
	if (shmchan_channel_config(&h->ch, &c) == 0)
		h->max_len = c.kind == SHMCHAN_KIND_RECORD
				     ? (Py_ssize_t)SHMCHAN_RECORD_MAX_LEN(c.buffer_size)
				     : (Py_ssize_t)c.slot_size;
	Py_INCREF(name);
	Py_XSETREF(h->name, name);
}

/* ---- handles: common ---- */

static PyObject *handle_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
	Handle *h = (Handle *)type->tp_alloc(type, 0);

	(void)args;
	(void)kw;
	/* tp_alloc zeroes the object: a zeroed C handle is a closed one. */
	return (PyObject *)h;
}

/* Check that @h may start a call. Returns 0, or -1 with an exception. */
static int ready(Handle *h)
{
	if (!h->open) {
		PyErr_SetString(PyExc_ValueError, "the handle is closed");
		return -1;
	}
	if (h->waiting) {
		raise_msg(Error, EBUSY, "another thread is waiting in a call on this handle");
		return -1;
	}
	return 0;
}

static int do_close(Handle *h)
{
	if (!h->open)
		return 0;
	if (h->waiting) {
		raise_msg(Error, EBUSY, "another thread is waiting in a call on this handle");
		return -1;
	}
	if (unlend(h) < 0)
		return -1;
	shmchan_channel_close(&h->ch); /* cancels a reservation; a peeked message stays */
	h->open = 0;
	h->held = HELD_NONE;
	return 0;
}

static void handle_dealloc(PyObject *self)
{
	Handle *h = (Handle *)self;

	/* No Loan is alive (each holds a reference), and no call is waiting
	 * (it holds one too): closing cannot fail here. */
	if (h->open) {
		shmchan_channel_close(&h->ch);
		h->open = 0;
	}
	if (h->weakreflist)
		PyObject_ClearWeakRefs(self);
	Py_XDECREF(h->name);
	Py_TYPE(self)->tp_free(self);
}

static PyObject *h_close(PyObject *self, PyObject *unused)
{
	(void)unused;
	if (do_close((Handle *)self) < 0)
		return NULL;
	Py_RETURN_NONE;
}

static PyObject *h_enter(PyObject *self, PyObject *unused)
{
	(void)unused;
	if (!((Handle *)self)->open) {
		PyErr_SetString(PyExc_ValueError, "the handle is closed");
		return NULL;
	}
	Py_INCREF(self);
	return self;
}

static PyObject *h_exit(PyObject *self, PyObject *args)
{
	(void)args;
	if (do_close((Handle *)self) < 0)
		return NULL;
	Py_RETURN_FALSE;
}

static PyObject *h_fileno(PyObject *self, PyObject *unused)
{
	Handle *h = (Handle *)self;
	int fd;

	(void)unused;
	if (ready(h) < 0)
		return NULL;
	fd = shmchan_channel_poll_fd(&h->ch);
	if (fd < 0)
		return raise_rc(fd, 0);
	return PyLong_FromLong(fd);
}

/* A count (depth, depth_bytes, capacity). */
static PyObject *count_of(Handle *h, int (*fn)(const struct shmchan_channel *))
{
	int n;

	if (!h->open) {
		PyErr_SetString(PyExc_ValueError, "the handle is closed");
		return NULL;
	}
	n = fn(&h->ch);
	if (n < 0)
		return raise_rc(n, 0);
	return PyLong_FromLong(n);
}

static PyObject *h_depth(PyObject *self, PyObject *unused)
{
	(void)unused;
	return count_of((Handle *)self, shmchan_channel_depth);
}

static PyObject *h_depth_bytes(PyObject *self, PyObject *unused)
{
	Handle *h = (Handle *)self;
	int64_t n;

	(void)unused;
	if (!h->open) {
		PyErr_SetString(PyExc_ValueError, "the handle is closed");
		return NULL;
	}
	n = shmchan_channel_depth_bytes(&h->ch);
	if (n < 0)
		return raise_rc((int)n, 0);
	return PyLong_FromLongLong((long long)n);
}

static PyObject *h_capacity(PyObject *self, PyObject *unused)
{
	(void)unused;
	return count_of((Handle *)self, shmchan_channel_capacity);
}

static const char *name_in(const struct name_val *tab, unsigned v)
{
	for (; tab->name; tab++)
		if (tab->val == v)
			return tab->name;
	return "unknown";
}

static PyObject *h_config(PyObject *self, PyObject *unused)
{
	Handle *h = (Handle *)self;
	struct shmchan_config c;
	int rc;

	(void)unused;
	if (!h->open) {
		PyErr_SetString(PyExc_ValueError, "the handle is closed");
		return NULL;
	}
	rc = shmchan_channel_config(&h->ch, &c);
	if (rc)
		return raise_rc(rc, 0);
	return Py_BuildValue("{s:s,s:I,s:I,s:I,s:s,s:n}", "kind", name_in(kinds, c.kind),
			     "slot_size", c.slot_size, "slot_count", c.slot_count, "buffer_size",
			     c.buffer_size, "policy",
			     c.kind == SHMCHAN_KIND_BROADCAST ? name_in(policies, c.policy) : "",
			     "max_message_size", h->max_len);
}

static PyObject *h_get_closed(PyObject *self, void *unused)
{
	(void)unused;
	return PyBool_FromLong(!((Handle *)self)->open);
}

static PyObject *h_get_name(PyObject *self, void *unused)
{
	Handle *h = (Handle *)self;

	(void)unused;
	if (!h->name)
		Py_RETURN_NONE;
	Py_INCREF(h->name);
	return h->name;
}

static PyObject *h_get_max(PyObject *self, void *unused)
{
	(void)unused;
	return PyLong_FromSsize_t(((Handle *)self)->max_len);
}

static PyObject *h_repr(PyObject *self)
{
	Handle *h = (Handle *)self;

	return PyUnicode_FromFormat("<%s %R%s>", Py_TYPE(self)->tp_name,
				    h->name ? h->name : Py_None, h->open ? "" : " closed");
}

/* A bool for a wait's result: True for 0, False for -ETIMEDOUT. */
static PyObject *wait_result(Handle *h, int rc)
{
	if (rc == INT_MIN)
		return NULL;
	if (rc == 0)
		Py_RETURN_TRUE;
	if (rc == -ETIMEDOUT)
		Py_RETURN_FALSE;
	return raise_rc(rc, h->role);
}

#define COMMON_METHODS                                                                             \
	{ "close", h_close, METH_NOARGS,                                                           \
	  "close()\n--\n\nDetach and unmap (idempotent). Refuses with BufferError while a view "   \
	  "of a held message is alive." },                                                         \
		{ "__enter__", h_enter, METH_NOARGS, NULL },                                       \
		{ "__exit__", h_exit, METH_VARARGS, NULL },                                        \
		{ "fileno", h_fileno, METH_NOARGS,                                                 \
		  "fileno()\n--\n\nThe handle's pollable descriptor (shmchan_channel_poll_fd): "   \
		  "readable when a call may have something to do." },                              \
		{ "depth", h_depth, METH_NOARGS, "depth()\n--\n\nMessages not yet consumed." },    \
		{ "depth_bytes", h_depth_bytes, METH_NOARGS,                                       \
		  "depth_bytes()\n--\n\nBytes not yet consumed." },                                \
		{ "capacity", h_capacity, METH_NOARGS,                                             \
		  "capacity()\n--\n\nThe slot count (record channels: the buffer size)." },        \
	{                                                                                          \
		"config", h_config, METH_NOARGS,                                                   \
			"config()\n--\n\nThe channel's kind and geometry, as a dict."              \
	}

static PyGetSetDef handle_getset[] = {
	{ "closed", h_get_closed, NULL, "True once closed.", NULL },
	{ "name", h_get_name, NULL, "The channel's name.", NULL },
	{ "max_message_size", h_get_max, NULL, "The largest message, in bytes.", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

/* ---- Writer ---- */

static int writer_init(PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "name", "create", "replace", CFG_KW, NULL };
	Handle *h = (Handle *)self;
	struct shmchan_config c;
	PyObject *name, *kind = NULL, *policy = NULL, *wait = NULL;
	int create = 0, replace = 0, any_owner = 0, rc;
	const char *s;

	memset(&c, 0, sizeof(c));
	if (!PyArg_ParseTupleAndKeywords(args, kw, "U|$pp" CFG_FMT, kwlist, &name, &create,
					 &replace, CFG_VARS(c)))
		return -1;
	if (create && replace) {
		PyErr_SetString(PyExc_ValueError, "create=True and replace=True: choose one");
		return -1;
	}
	s = cfg_finish(h, name, &c, kind, policy, wait, any_owner);
	if (!s)
		return -1;
	if (replace)
		rc = shmchan_channel_create_or_replace_writer(&h->ch, s, &c);
	else if (create)
		rc = shmchan_channel_create_writer(&h->ch, s, &c);
	else
		rc = shmchan_channel_open_writer(&h->ch, s, &c);
	if (rc) {
		raise_cfg(rc, &c, replace || create ? SHMCHAN_CHECK_CREATE : SHMCHAN_CHECK_WRITER);
		return -1;
	}
	opened(h, ROLE_WRITER, name);
	return 0;
}

static int op_writable_len(Handle *h, int ms, void *arg)
{
	return shmchan_channel_wait_writable_len(&h->ch, *(size_t *)arg, ms);
}

/* write (@deadline 0: try once) or send. */
static PyObject *put(Handle *h, PyObject *data, int64_t deadline, int try_once)
{
	Py_buffer b;
	int rc;

	if (ready(h) < 0)
		return NULL;
	if (PyObject_GetBuffer(data, &b, PyBUF_SIMPLE) < 0)
		return NULL;
	for (;;) {
		size_t len = (size_t)b.len;

		rc = shmchan_channel_write(&h->ch, b.buf, len);
		if (rc != -EAGAIN || try_once)
			break;
		rc = blocking(h, op_writable_len, &len, deadline);
		if (rc != 0)
			break;
	}
	PyBuffer_Release(&b);
	if (rc == INT_MIN)
		return NULL;
	if (rc)
		return raise_rc(rc, ROLE_WRITER);
	Py_RETURN_NONE;
}

static PyObject *w_write(PyObject *self, PyObject *data)
{
	return put((Handle *)self, data, 0, 1);
}

static PyObject *w_send(PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "data", "timeout", NULL };
	PyObject *data, *timeout = Py_None;
	int64_t deadline;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "O|O", kwlist, &data, &timeout) ||
	    deadline_of(timeout, &deadline) < 0)
		return NULL;
	return put((Handle *)self, data, deadline, 0);
}

static PyObject *w_reserve(PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "size", "timeout", NULL };
	Handle *h = (Handle *)self;
	PyObject *timeout = Py_None, *mv;
	Py_ssize_t n;
	int64_t deadline;
	void *p;
	int rc;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "n|O", kwlist, &n, &timeout) ||
	    deadline_of(timeout, &deadline) < 0 || ready(h) < 0)
		return NULL;
	if (n < 0) {
		PyErr_SetString(PyExc_ValueError, "size must be >= 0");
		return NULL;
	}
	for (;;) {
		size_t len = (size_t)n;

		rc = shmchan_channel_reserve(&h->ch, len, &p);
		if (rc != -EAGAIN)
			break;
		rc = blocking(h, op_writable_len, &len, deadline);
		if (rc != 0)
			break;
	}
	if (rc == INT_MIN)
		return NULL;
	if (rc)
		return raise_rc(rc, ROLE_WRITER);
	h->held = HELD_RESERVE;
	h->held_len = n;
	mv = lend(h, p, n, 0);
	if (!mv) {
		h->loan = NULL;
		shmchan_channel_cancel(&h->ch);
		h->held = HELD_NONE;
	}
	return mv;
}

/* @o (None, or an int: Python's or anything with __index__, numpy's
 * included) as a size in *@n; None leaves *@n. Returns 0, or -1 with
 * ValueError (negative) or TypeError/OverflowError. */
static int size_of(PyObject *o, Py_ssize_t *n)
{
	Py_ssize_t v;

	if (o == Py_None)
		return 0;
	v = PyNumber_AsSsize_t(o, PyExc_OverflowError);
	if (v == -1 && PyErr_Occurred())
		return -1;
	if (v < 0) {
		PyErr_SetString(PyExc_ValueError, "size must not be negative");
		return -1;
	}
	*n = v;
	return 0;
}

static PyObject *w_commit(PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "size", NULL };
	Handle *h = (Handle *)self;
	PyObject *size = Py_None;
	Py_ssize_t n;
	int rc;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|O", kwlist, &size) || ready(h) < 0)
		return NULL;
	if (h->held != HELD_RESERVE)
		return raise_msg(Error, EINVAL, "nothing is reserved");
	n = h->held_len;
	if (size_of(size, &n) < 0)
		return NULL;
	if (n > h->held_len) {
		PyErr_Format(PyExc_ValueError, "size must be 0 to %zd (the reserved size)",
			     h->held_len);
		return NULL;
	}
	if (unlend(h) < 0)
		return NULL;
	rc = shmchan_channel_commit(&h->ch, (size_t)n);
	h->held = HELD_NONE;
	if (rc)
		return raise_rc(rc, ROLE_WRITER);
	Py_RETURN_NONE;
}

static PyObject *w_cancel(PyObject *self, PyObject *unused)
{
	Handle *h = (Handle *)self;
	int rc;

	(void)unused;
	if (ready(h) < 0)
		return NULL;
	if (h->held != HELD_RESERVE)
		return raise_msg(Error, EINVAL, "nothing is reserved");
	if (unlend(h) < 0)
		return NULL;
	rc = shmchan_channel_cancel(&h->ch);
	h->held = HELD_NONE;
	if (rc)
		return raise_rc(rc, ROLE_WRITER);
	Py_RETURN_NONE;
}

static int op_writable(Handle *h, int ms, void *arg)
{
	Py_ssize_t n = *(Py_ssize_t *)arg;

	return n < 0 ? shmchan_channel_wait_writable(&h->ch, ms)
		     : shmchan_channel_wait_writable_len(&h->ch, (size_t)n, ms);
}

static PyObject *w_wait_writable(PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "timeout", "size", NULL };
	Handle *h = (Handle *)self;
	PyObject *timeout = Py_None, *size = Py_None;
	Py_ssize_t n = -1; /* no size: any room */
	int64_t deadline;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|OO", kwlist, &timeout, &size) ||
	    size_of(size, &n) < 0 || deadline_of(timeout, &deadline) < 0 || ready(h) < 0)
		return NULL;
	return wait_result(h, blocking(h, op_writable, &n, deadline));
}

static int op_readers(Handle *h, int ms, void *arg)
{
	return shmchan_channel_wait_for_readers(&h->ch, *(uint32_t *)arg, ms);
}

static PyObject *w_wait_for_readers(PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "n", "timeout", NULL };
	Handle *h = (Handle *)self;
	PyObject *timeout = Py_None;
	uint32_t n = 1;
	int64_t deadline;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|O&O", kwlist, u32_arg, &n, &timeout) ||
	    deadline_of(timeout, &deadline) < 0 || ready(h) < 0)
		return NULL;
	return wait_result(h, blocking(h, op_readers, &n, deadline));
}

static PyMethodDef writer_methods[] = {
	COMMON_METHODS,
	{ "write", w_write, METH_O,
	  "write(data)\n--\n\nCopy one message (any bytes-like object) without waiting. "
	  "Raises Full when the ring is full." },
	{ "send", (PyCFunction)(void (*)(void))w_send, METH_VARARGS | METH_KEYWORDS,
	  "send(data, timeout=None)\n--\n\nWrite, waiting up to timeout seconds (None: no "
	  "limit) for room. Raises Timeout." },
	{ "reserve", (PyCFunction)(void (*)(void))w_reserve, METH_VARARGS | METH_KEYWORDS,
	  "reserve(size, timeout=None)\n--\n\nClaim room for a message of size bytes and "
	  "return a writable memoryview over it, in place. Follow with commit() or "
	  "cancel()." },
	{ "commit", (PyCFunction)(void (*)(void))w_commit, METH_VARARGS | METH_KEYWORDS,
	  "commit(size=None)\n--\n\nPublish the reserved message (size: the bytes to publish, "
	  "at most the reserved size). Releases the memoryview." },
	{ "cancel", w_cancel, METH_NOARGS,
	  "cancel()\n--\n\nGive up the reservation. Releases the memoryview." },
	{ "wait_writable", (PyCFunction)(void (*)(void))w_wait_writable,
	  METH_VARARGS | METH_KEYWORDS,
	  "wait_writable(timeout=None, size=None)\n--\n\nWait for room (for a message of "
	  "size bytes). True, or False on timeout." },
	{ "wait_for_readers", (PyCFunction)(void (*)(void))w_wait_for_readers,
	  METH_VARARGS | METH_KEYWORDS,
	  "wait_for_readers(n=1, timeout=None)\n--\n\nWait until n live readers are "
	  "attached. True, or False on timeout." },
	{ NULL, NULL, 0, NULL },
};

static PyTypeObject WriterType = {
	PyVarObject_HEAD_INIT(NULL, 0).tp_name = "shmchan._core.Writer",
	.tp_basicsize = sizeof(Handle),
	.tp_dealloc = handle_dealloc,
	.tp_repr = h_repr,
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
	.tp_doc = "Writer(name, *, create=False, replace=False, kind=None, slot_size=0, "
		  "slot_count=0, buffer_size=0, policy=None, mode=0, wait=None, spin_us=0, "
		  "any_owner=False, mem=0, numa_node=0)\n--\n\nA writer of channel name: create it "
		  "(create=True), "
		  "replace whatever holds the name (replace=True), or join it.",
	.tp_weaklistoffset = offsetof(Handle, weakreflist),
	.tp_methods = writer_methods,
	.tp_getset = handle_getset,
	.tp_init = writer_init,
	.tp_new = handle_new,
};

/* ---- Reader ---- */

static int reader_init(PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "name", "subscribe", "oldest", CFG_KW, NULL };
	Handle *h = (Handle *)self;
	struct shmchan_config c;
	PyObject *name, *kind = NULL, *policy = NULL, *wait = NULL;
	int subscribe = 0, oldest = 0, any_owner = 0, rc;
	const char *s;

	memset(&c, 0, sizeof(c));
	if (!PyArg_ParseTupleAndKeywords(args, kw, "U|$pp" CFG_FMT, kwlist, &name, &subscribe,
					 &oldest, CFG_VARS(c)))
		return -1;
	s = cfg_finish(h, name, &c, kind, policy, wait, any_owner);
	if (!s)
		return -1;
	if (subscribe || oldest)
		rc = shmchan_channel_subscribe(&h->ch, s, &c, oldest ? SHMCHAN_SUB_OLDEST : 0);
	else
		rc = shmchan_channel_open_reader(&h->ch, s, &c);
	if (rc) {
		raise_cfg(rc, &c, SHMCHAN_CHECK_READER);
		return -1;
	}
	opened(h, ROLE_READER, name);
	return 0;
}

static int op_readable(Handle *h, int ms, void *arg)
{
	(void)arg;
	return shmchan_channel_wait_readable(&h->ch, ms);
}

/* The message to hand out: the one held, if no view of it is out (a
 * peek whose view was dropped, or whose copy failed), or a new peek,
 * waiting until @deadline (unless @try_once) for one. */
static int peeked(Handle *h, int64_t deadline, int try_once, const void **p, size_t *len)
{
	int rc;

	if (h->held == HELD_PEEK) {
		if (h->loan)
			return -EALREADY;
		*p = h->held_ptr;
		*len = (size_t)h->held_len;
		return 0;
	}
	for (;;) {
		rc = shmchan_channel_peek(&h->ch, p, len);
		if (rc == 0) {
			h->held = HELD_PEEK;
			h->held_ptr = *p;
			h->held_len = (Py_ssize_t)*len;
			return 0;
		}
		if (rc != -EAGAIN || try_once)
			return rc;
		rc = blocking(h, op_readable, NULL, deadline);
		if (rc != 0)
			return rc;
	}
}

/* read (try once) or recv: the message as bytes, one copy. If the copy
 * fails (no memory), the message stays held for the next call. */
static PyObject *get(Handle *h, int64_t deadline, int try_once)
{
	PyObject *out;
	const void *p;
	size_t len;
	int rc;

	if (ready(h) < 0)
		return NULL;
	rc = peeked(h, deadline, try_once, &p, &len);
	if (rc == INT_MIN)
		return NULL;
	if (rc)
		return raise_rc(rc, ROLE_READER);
	out = PyBytes_FromStringAndSize(p, (Py_ssize_t)len);
	if (!out)
		return NULL;
	rc = shmchan_channel_release(&h->ch);
	h->held = HELD_NONE;
	if (rc) {
		Py_DECREF(out);
		return raise_rc(rc, ROLE_READER); /* ELOST: torn under overwriting */
	}
	return out;
}

static PyObject *r_read(PyObject *self, PyObject *unused)
{
	(void)unused;
	return get((Handle *)self, 0, 1);
}

static PyObject *r_recv(PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "timeout", NULL };
	PyObject *timeout = Py_None;
	int64_t deadline;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|O", kwlist, &timeout) ||
	    deadline_of(timeout, &deadline) < 0)
		return NULL;
	return get((Handle *)self, deadline, 0);
}

struct into {
	void *buf;
	size_t cap, len;
};

static int op_read_into(Handle *h, int ms, void *arg)
{
	struct into *in = arg;

	return shmchan_channel_recv(&h->ch, in->buf, in->cap, &in->len, ms);
}

/* MessageTooBig for a message of @need bytes (its .size, for the caller to
 * retry with a buffer that large). Returns NULL. */
static PyObject *too_big(size_t need)
{
	PyObject *a = Py_BuildValue("(is)", EMSGSIZE, "the buffer is too small");
	PyObject *e, *size;

	if (!a)
		return NULL;
	e = PyObject_Call(MessageTooBig, a, NULL);
	Py_DECREF(a);
	if (!e)
		return NULL;
	size = PyLong_FromSize_t(need);
	if (size) {
		PyObject_SetAttrString(e, "size", size);
		Py_DECREF(size);
	}
	PyErr_SetObject(MessageTooBig, e);
	Py_DECREF(e);
	return NULL;
}

static PyObject *r_recv_into(PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "buffer", "timeout", NULL };
	Handle *h = (Handle *)self;
	PyObject *buffer, *timeout = Py_None;
	struct into in;
	Py_buffer b;
	int64_t deadline;
	int rc;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "O|O", kwlist, &buffer, &timeout) ||
	    deadline_of(timeout, &deadline) < 0 || ready(h) < 0)
		return NULL;
	if (PyObject_GetBuffer(buffer, &b, PyBUF_WRITABLE) < 0)
		return NULL;
	in.buf = b.buf;
	in.cap = (size_t)b.len;
	in.len = 0;
	if (h->held == HELD_PEEK && !h->loan) {
		/* A peeked message whose view was dropped: it is the next one
		 * (as for read and recv). */
		in.len = (size_t)h->held_len;
		rc = -EMSGSIZE;
		if (in.len <= in.cap) {
			memcpy(in.buf, h->held_ptr, in.len);
			rc = shmchan_channel_release(&h->ch);
			h->held = HELD_NONE;
		}
	} else {
		rc = shmchan_channel_read(&h->ch, in.buf, in.cap, &in.len);
		if (rc == -EAGAIN)
			rc = blocking(h, op_read_into, &in, deadline);
	}
	PyBuffer_Release(&b);
	if (rc == INT_MIN)
		return NULL;
	if (rc == -EMSGSIZE)
		return too_big(in.len);
	if (rc)
		return raise_rc(rc, ROLE_READER);
	return PyLong_FromSize_t(in.len);
}

static PyObject *r_peek(PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "timeout", NULL };
	Handle *h = (Handle *)self;
	PyObject *timeout = Py_None;
	int64_t deadline;
	const void *p;
	size_t len;
	int rc;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|O", kwlist, &timeout) ||
	    deadline_of(timeout, &deadline) < 0 || ready(h) < 0)
		return NULL;
	rc = peeked(h, deadline, 0, &p, &len);
	if (rc == INT_MIN)
		return NULL;
	if (rc)
		return raise_rc(rc, ROLE_READER);
	/* On failure the message stays held: release() or the next call. */
	return lend(h, (void *)(uintptr_t)p, (Py_ssize_t)len, 1);
}

static PyObject *r_release(PyObject *self, PyObject *unused)
{
	Handle *h = (Handle *)self;
	int rc;

	(void)unused;
	if (ready(h) < 0)
		return NULL;
	if (h->held != HELD_PEEK)
		return raise_msg(Error, EINVAL, "nothing is peeked");
	if (unlend(h) < 0)
		return NULL;
	rc = shmchan_channel_release(&h->ch);
	h->held = HELD_NONE;
	if (rc)
		return raise_rc(rc, ROLE_READER);
	Py_RETURN_NONE;
}

static PyObject *r_wait_readable(PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "timeout", NULL };
	Handle *h = (Handle *)self;
	PyObject *timeout = Py_None;
	int64_t deadline;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|O", kwlist, &timeout) ||
	    deadline_of(timeout, &deadline) < 0 || ready(h) < 0)
		return NULL;
	return wait_result(h, blocking(h, op_readable, NULL, deadline));
}

static int op_writer(Handle *h, int ms, void *arg)
{
	(void)arg;
	return shmchan_channel_wait_for_writer(&h->ch, ms);
}

static PyObject *r_wait_for_writer(PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "timeout", NULL };
	Handle *h = (Handle *)self;
	PyObject *timeout = Py_None;
	int64_t deadline;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|O", kwlist, &timeout) ||
	    deadline_of(timeout, &deadline) < 0 || ready(h) < 0)
		return NULL;
	return wait_result(h, blocking(h, op_writer, NULL, deadline));
}

static PyObject *r_get_lost(PyObject *self, void *unused)
{
	Handle *h = (Handle *)self;
	uint64_t n = 0;
	int rc;

	(void)unused;
	if (!h->open) {
		PyErr_SetString(PyExc_ValueError, "the handle is closed");
		return NULL;
	}
	rc = shmchan_channel_lost(&h->ch, &n);
	if (rc == -ENOTSUP)
		return PyLong_FromLong(0);
	if (rc)
		return raise_rc(rc, 0);
	return PyLong_FromUnsignedLongLong(n);
}

static PyMethodDef reader_methods[] = {
	COMMON_METHODS,
	{ "read", r_read, METH_NOARGS,
	  "read()\n--\n\nThe oldest message as bytes, without waiting. Raises Empty." },
	{ "recv", (PyCFunction)(void (*)(void))r_recv, METH_VARARGS | METH_KEYWORDS,
	  "recv(timeout=None)\n--\n\nThe oldest message as bytes, waiting up to timeout "
	  "seconds (None: no limit). Raises Timeout, EndOfStream, Stale." },
	{ "recv_into", (PyCFunction)(void (*)(void))r_recv_into, METH_VARARGS | METH_KEYWORDS,
	  "recv_into(buffer, timeout=None)\n--\n\nCopy the oldest message into a writable "
	  "buffer; returns its length. Raises MessageTooBig (with .size) if it does not fit "
	  "(the message stays)." },
	{ "peek", (PyCFunction)(void (*)(void))r_peek, METH_VARARGS | METH_KEYWORDS,
	  "peek(timeout=None)\n--\n\nThe oldest message in place, as a read-only memoryview "
	  "valid until release()." },
	{ "release", r_release, METH_NOARGS,
	  "release()\n--\n\nConsume the peeked message. Releases the memoryview; refuses "
	  "with BufferError while another buffer of it is alive." },
	{ "wait_readable", (PyCFunction)(void (*)(void))r_wait_readable,
	  METH_VARARGS | METH_KEYWORDS,
	  "wait_readable(timeout=None)\n--\n\nWait for a message. True, or False on "
	  "timeout; raises EndOfStream, Stale." },
	{ "wait_for_writer", (PyCFunction)(void (*)(void))r_wait_for_writer,
	  METH_VARARGS | METH_KEYWORDS,
	  "wait_for_writer(timeout=None)\n--\n\nWait until a writer is attached or a "
	  "message is there. True, or False on timeout." },
	{ NULL, NULL, 0, NULL },
};

static PyGetSetDef reader_getset[] = {
	{ "closed", h_get_closed, NULL, "True once closed.", NULL },
	{ "name", h_get_name, NULL, "The channel's name.", NULL },
	{ "max_message_size", h_get_max, NULL, "The largest message, in bytes.", NULL },
	{ "lost", r_get_lost, NULL,
	  "Messages lost to overwriting (broadcast OVERWRITE subscribers; 0 otherwise).", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

static PyTypeObject ReaderType = {
	PyVarObject_HEAD_INIT(NULL, 0).tp_name = "shmchan._core.Reader",
	.tp_basicsize = sizeof(Handle),
	.tp_dealloc = handle_dealloc,
	.tp_repr = h_repr,
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
	.tp_doc = "Reader(name, *, subscribe=False, oldest=False, kind=None, ...)\n--\n\n"
		  "The reader of channel name (broadcast: a subscriber from the next message; "
		  "subscribe=True, oldest=True: from the oldest retained).",
	.tp_weaklistoffset = offsetof(Handle, weakreflist),
	.tp_methods = reader_methods,
	.tp_getset = reader_getset,
	.tp_init = reader_init,
	.tp_new = handle_new,
};

/* ---- module functions ---- */

static PyObject *m_unlink(PyObject *mod, PyObject *arg)
{
	const char *s;
	int rc;

	(void)mod;
	if (!PyUnicode_Check(arg)) {
		PyErr_SetString(PyExc_TypeError, "name must be a str");
		return NULL;
	}
	s = PyUnicode_AsUTF8(arg);
	if (!s)
		return NULL;
	rc = shmchan_channel_unlink(s);
	if (rc)
		return raise_rc(rc, 0);
	Py_RETURN_NONE;
}

static PyObject *m_wait_created(PyObject *mod, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "name", "timeout", NULL };
	PyObject *timeout = Py_None;
	const char *s;
	int64_t deadline;
	int rc;

	(void)mod;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "s|O", kwlist, &s, &timeout) ||
	    deadline_of(timeout, &deadline) < 0)
		return NULL;
	for (;;) {
		int ms = slice_ms(deadline);

		PyThreadState *ts = PyEval_SaveThread();

		rc = shmchan_channel_wait_created(s, ms);
		PyEval_RestoreThread(ts);
		if (rc != -ETIMEDOUT)
			break;
		if (deadline >= 0 && now_ns() >= deadline)
			Py_RETURN_FALSE;
		if (PyErr_CheckSignals() < 0)
			return NULL;
	}
	if (rc)
		return raise_rc(rc, 0);
	Py_RETURN_TRUE;
}

static PyObject *m_strerror(PyObject *mod, PyObject *arg)
{
	long e = PyLong_AsLong(arg);

	(void)mod;
	if (e == -1 && PyErr_Occurred())
		return NULL;
	if (e < INT_MIN + 1 || e > INT_MAX)
		e = 0;
	return PyUnicode_FromString(shmchan_strerror((int)e));
}

static PyMethodDef module_methods[] = {
	{ "unlink", m_unlink, METH_O,
	  "unlink(name)\n--\n\nRemove channel name (attached processes keep it until they "
	  "close)." },
	{ "wait_created", (PyCFunction)(void (*)(void))m_wait_created, METH_VARARGS | METH_KEYWORDS,
	  "wait_created(name, timeout=None)\n--\n\nWait until channel name exists and is "
	  "ready to open. True, or False on timeout." },
	{ "strerror", m_strerror, METH_O,
	  "strerror(errno)\n--\n\nshmchan_strerror: a description of an error number." },
	{ NULL, NULL, 0, NULL },
};

static struct PyModuleDef module_def = {
	PyModuleDef_HEAD_INIT,
	.m_name = "shmchan._core",
	.m_doc = "The C extension behind the shmchan package.",
	.m_size = -1,
	.m_methods = module_methods,
};

/* Make exception @name (shmchan.@name) with @bases; add it to @m. */
static PyObject *new_exc(PyObject *m, const char *name, PyObject *bases, const char *doc)
{
	char full[64];
	PyObject *e;

	snprintf(full, sizeof(full), "shmchan.%s", name);
	e = PyErr_NewExceptionWithDoc(full, doc, bases, NULL);
	Py_XDECREF(bases);
	if (!e)
		return NULL;
	Py_INCREF(e);
	if (PyModule_AddObject(m, name, e) < 0) {
		Py_DECREF(e);
		Py_DECREF(e);
		return NULL;
	}
	return e; /* the module's reference, and this one, kept forever */
}

static int add_exceptions(PyObject *m)
{
	if (!(Error = new_exc(m, "Error", Py_BuildValue("(O)", PyExc_OSError),
			      "A shmchan call failed: errno and strerror say why.")))
		return -1;
	if (!(Timeout = new_exc(m, "Timeout", Py_BuildValue("(OO)", Error, PyExc_TimeoutError),
				"The wait timed out (ETIMEDOUT); nothing changed.")) ||
	    !(EndOfStream =
		      new_exc(m, "EndOfStream", Py_BuildValue("(OO)", Error, PyExc_BrokenPipeError),
			      "End of stream (EPIPE): drained, and no writer attached.")) ||
	    !(Stale = new_exc(m, "Stale", Py_BuildValue("(O)", Error),
			      "The channel was replaced (ESTALE): reopen it by name.")) ||
	    !(Full = new_exc(m, "Full", Py_BuildValue("(O)", Error),
			     "The ring is full (EAGAIN from a writer's try-once call).")) ||
	    !(Empty = new_exc(m, "Empty", Py_BuildValue("(O)", Error),
			      "Nothing to read (EAGAIN from a reader's try-once call).")) ||
	    !(MessageTooBig = new_exc(m, "MessageTooBig", Py_BuildValue("(O)", Error),
				      "The message does not fit (EMSGSIZE).")) ||
	    !(Lost = new_exc(m, "Lost", Py_BuildValue("(O)", Error),
			     "Messages were overwritten before this subscriber read them "
			     "(ENOBUFS); the next read goes on at the oldest retained.")) ||
	    !(Corrupt = new_exc(m, "Corrupt", Py_BuildValue("(O)", Error),
				"A corrupt message was found and dropped (EBADMSG).")))
		return -1;
	return 0;
}

PyMODINIT_FUNC PyInit__core(void);
PyMODINIT_FUNC PyInit__core(void)
{
	PyObject *m;

	if (PyType_Ready(&LoanType) < 0 || PyType_Ready(&WriterType) < 0 ||
	    PyType_Ready(&ReaderType) < 0)
		return NULL;
	m = PyModule_Create(&module_def);
	if (!m)
		return NULL;
	if (add_exceptions(m) < 0)
		goto fail;
	Py_INCREF(&WriterType);
	if (PyModule_AddObject(m, "Writer", (PyObject *)&WriterType) < 0) {
		Py_DECREF(&WriterType);
		goto fail;
	}
	Py_INCREF(&ReaderType);
	if (PyModule_AddObject(m, "Reader", (PyObject *)&ReaderType) < 0) {
		Py_DECREF(&ReaderType);
		goto fail;
	}
	Py_INCREF(&LoanType);
	if (PyModule_AddObject(m, "Loan", (PyObject *)&LoanType) < 0) {
		Py_DECREF(&LoanType);
		goto fail;
	}
	if (PyModule_AddIntConstant(m, "KIND_SLOT", SHMCHAN_KIND_SLOT) < 0 ||
	    PyModule_AddIntConstant(m, "KIND_RECORD", SHMCHAN_KIND_RECORD) < 0 ||
	    PyModule_AddIntConstant(m, "KIND_BROADCAST", SHMCHAN_KIND_BROADCAST) < 0 ||
	    PyModule_AddIntConstant(m, "KIND_WORKQUEUE", SHMCHAN_KIND_WORKQUEUE) < 0 ||
	    PyModule_AddIntConstant(m, "POLICY_BLOCK", SHMCHAN_POLICY_BLOCK) < 0 ||
	    PyModule_AddIntConstant(m, "POLICY_OVERWRITE", SHMCHAN_POLICY_OVERWRITE) < 0 ||
	    PyModule_AddIntConstant(m, "WAIT_FUTEX", SHMCHAN_WAIT_FUTEX) < 0 ||
	    PyModule_AddIntConstant(m, "WAIT_SPIN", SHMCHAN_WAIT_SPIN) < 0 ||
	    PyModule_AddIntConstant(m, "WAIT_BACKOFF", SHMCHAN_WAIT_BACKOFF) < 0 ||
	    PyModule_AddIntConstant(m, "MAX_WRITERS", SHMCHAN_MAX_WRITERS) < 0 ||
	    PyModule_AddIntConstant(m, "MEM_PREFAULT", SHMCHAN_MEM_PREFAULT) < 0 ||
	    PyModule_AddIntConstant(m, "MEM_LOCK", SHMCHAN_MEM_LOCK) < 0 ||
	    PyModule_AddIntConstant(m, "MEM_THP", SHMCHAN_MEM_THP) < 0 ||
	    PyModule_AddIntConstant(m, "MEM_NUMA_NODE", SHMCHAN_MEM_NUMA_NODE) < 0 ||
	    PyModule_AddIntConstant(m, "MEM_FIRST_TOUCH", SHMCHAN_MEM_FIRST_TOUCH) < 0 ||
	    PyModule_AddIntConstant(m, "MAX_SUBSCRIBERS", SHMCHAN_MAX_SUBSCRIBERS) < 0 ||
	    PyModule_AddIntConstant(m, "SLICE_MS", SLICE_MS) < 0 ||
	    PyModule_AddStringConstant(m, "library_version", shmchan_version()) < 0)
		goto fail;
	return m;
fail:
	Py_DECREF(m);
	return NULL;
}

/* SPDX-License-Identifier: MIT */
/* A small hierarchical state machine; see hsm.h. */
#include <stddef.h>

#include "hsm.h"

static int depth(const struct hsm_state *s)
{
	int d = 0;

	for (; s; s = s->parent)
		d++;
	return d;
}

/* Enter the states strictly below @from down to @to, outermost first. */
static void enter_down(struct hsm *m, const struct hsm_state *from, const struct hsm_state *to)
{
	const struct hsm_state *path[HSM_MAX_DEPTH];
	int n = 0;

	for (; to && to != from && n < HSM_MAX_DEPTH; to = to->parent)
		path[n++] = to;
	while (n-- > 0) {
		m->current = path[n];
		if (path[n]->entry)
			path[n]->entry(m);
	}
}

static void do_transition(struct hsm *m, const struct hsm_state *target)
{
	const struct hsm_state *a = m->current, *b = target, *from = m->current;
	int da = depth(a), db = depth(b);

	/* Lowest common ancestor; a self-transition exits and re-enters. */
	if (a == b) {
		a = a->parent;
		b = b->parent;
	} else {
		for (; da > db; da--)
			a = a->parent;
		for (; db > da; db--)
			b = b->parent;
		while (a != b) {
			a = a->parent;
			b = b->parent;
		}
	}
	for (; m->current && m->current != a; m->current = m->current->parent)
		if (m->current->exit)
			m->current->exit(m);
	if (m->on_transition)
		m->on_transition(m, from, target);
	enter_down(m, a, target);
}

void hsm_transition(struct hsm *m, const struct hsm_state *target)
{
	if (m->in_transition) {
		m->pending = target; /* run once the current entry actions finish */
		return;
	}
	m->in_transition = 1;
	do_transition(m, target);
	while (m->pending) {
		target = m->pending;
		m->pending = NULL;
		do_transition(m, target);
	}
	m->in_transition = 0;
}

void hsm_start(struct hsm *m, const struct hsm_state *initial, void *ctx)
{
	m->ctx = ctx;
	m->current = NULL;
	m->pending = NULL;
	m->in_transition = 1;
	if (m->on_transition)
		m->on_transition(m, NULL, initial);
	enter_down(m, NULL, initial);
	m->in_transition = 0;
	if (m->pending) {
		const struct hsm_state *t = m->pending;

		m->pending = NULL;
		hsm_transition(m, t);
	}
}

int hsm_dispatch(struct hsm *m, int event)
{
	const struct hsm_state *s;

	for (s = m->current; s; s = s->parent)
		if (s->handle && s->handle(m, event) == HSM_HANDLED)
			return HSM_HANDLED;
	return HSM_UNHANDLED;
}

int hsm_in(const struct hsm *m, const struct hsm_state *s)
{
	const struct hsm_state *c;

	for (c = m->current; c; c = c->parent)
		if (c == s)
			return 1;
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * A small hierarchical state machine, reusable on its own.
 *
 * States form a tree through their parent pointers. An event goes to the
 * current (leaf) state's handler; a handler that returns HSM_UNHANDLED passes
 * it to the parent, and so on up to the root. A transition exits states from
 * the current one up to (not including) the lowest common ancestor with the
 * target, then enters states down to the target, calling exit and entry
 * actions in that order. Transitions requested from inside an entry action are
 * queued and run after it, so entry actions may chain (Init -> Streaming).
 */
#ifndef HSM_H
#define HSM_H

#define HSM_HANDLED 0
#define HSM_UNHANDLED 1
#define HSM_MAX_DEPTH 8

struct hsm;

struct hsm_state {
	const char *name;
	const struct hsm_state *parent;
	void (*entry)(struct hsm *m);
	void (*exit)(struct hsm *m);
	int (*handle)(struct hsm *m, int event);
};

struct hsm {
	const struct hsm_state *current;
	const struct hsm_state *pending; /* transition requested during entry */
	int in_transition;
	void *ctx;
	/* Called on every transition (may be NULL): from is NULL at start. */
	void (*on_transition)(struct hsm *m, const struct hsm_state *from,
			      const struct hsm_state *to);
};

/* Enter @initial (and its ancestors, root first). */
void hsm_start(struct hsm *m, const struct hsm_state *initial, void *ctx);
/* Deliver @event; returns HSM_HANDLED if some state handled it. */
int hsm_dispatch(struct hsm *m, int event);
/* Move to @target (a leaf, or any state). */
void hsm_transition(struct hsm *m, const struct hsm_state *target);
/* Whether @s is the current state or one of its ancestors. */
int hsm_in(const struct hsm *m, const struct hsm_state *s);

#endif /* HSM_H */

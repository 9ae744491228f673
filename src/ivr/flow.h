/*
 * flow.h — an IVR flow version compiled from its graph (docs/ivr.md): the
 * nodes with their type, parameters (defaults filled in) and exits resolved
 * to node indexes. Compiling is also validating: every problem found is
 * added to an errors array the API returns when a version cannot be
 * published. A compiled flow is reference counted: the directory holds the
 * published one, each call in it holds the one it started with. Compile
 * on any thread; ref/unref on the control thread only.
 */
#ifndef HOTLINE_IVR_FLOW_H
#define HOTLINE_IVR_FLOW_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "../core/ids.h"

enum ivr_node_type {
	IVR_START, IVR_PLAY, IVR_MENU, IVR_COLLECT, IVR_SET, IVR_CONDITION,
	IVR_TIME, IVR_REGION, IVR_HTTP, IVR_DYNAMIC_MENU,
	IVR_TRANSFER_EXTENSION, IVR_TRANSFER_EXTERNAL, IVR_QUEUE,
	IVR_VOICEMAIL, IVR_SURVEY, IVR_COUNTER, IVR_BACK, IVR_TOP,
	IVR_SUBFLOW, IVR_HANGUP, IVR_SPEECH_MENU,
	IVR_NODE_TYPES
};

enum { IVR_MAX_NODES = 200, IVR_END = -1 };

struct ivr_exit {
	char name[16];          /* "next", "failed", "1", "*", ... */
	int to;                 /* node index, or IVR_END */
};

struct ivr_node {
	char id[41];
	char name[65];
	enum ivr_node_type type;
	json_t *params;         /* normalised: every parameter present */
	struct ivr_exit *exits;
	size_t nexits;
	int *targets;           /* dynamic_menu: the nodes `next` may name */
	size_t ntargets;
};

struct ivr_flow {
	unsigned refs;
	char flow_id[ID_LEN];
	char tenant_id[ID_LEN];
	char name[128];
	char version_id[ID_LEN];
	int version;
	struct ivr_node *nodes;
	size_t nnodes;
	int start;              /* index of the start node */
};

/* What the graph refers to outside itself (time groups, voices, flows,
   queues): kind is "time_group", "voice", "flow", "queue",
   "voicemail_box". NULL: not checked (the directory, reloading what was
   checked at publish). */
struct ivr_refs {
	bool (*exists)(void *arg, const char *kind, const char *id);
	void *arg;
};

/* Compiles graph. errors (a JSON array, may be NULL) gets an object
   {"node_id", "message"} per problem. 0 and *flowp (one reference) when
   valid; EINVAL when not (the errors say why), ENOMEM. */
int  ivr_flow_compile(const json_t *graph, const struct ivr_refs *refs,
		      json_t *errors, struct ivr_flow **flowp);
struct ivr_flow *ivr_flow_ref(struct ivr_flow *f);
void ivr_flow_unref(struct ivr_flow *f);

const char *ivr_node_type_name(enum ivr_node_type t);
/* The node with this id, or -1. */
int  ivr_flow_find(const struct ivr_flow *f, const char *node_id);
/* The exit of a node by name: the target index, IVR_END, or -2 when the
   node has no such exit. */
int  ivr_node_exit(const struct ivr_node *n, const char *name);

/* A new flow's first graph: a start node whose `next` ends the flow. */
json_t *ivr_graph_initial(void);

#endif

/*
 * internal.h — what the files of the IVR module share (internal to
 * src/ivr): the session, and the entry points of each node family.
 */
#ifndef HOTLINE_IVR_INTERNAL_H
#define HOTLINE_IVR_INTERNAL_H

#include "../core/libre.h"
#include "ivr.h"
#include "vars.h"

/* http.c */
struct ivr_http;
typedef void (ivr_http_h)(int err, const json_t *answer, void *arg);
int  ivr_http_start(struct ivr_http **jp, struct http_cli *cli,
		    const char *method, const char *url, const json_t *inputs,
		    unsigned timeout_s, unsigned retries, ivr_http_h *h,
		    void *arg);
void ivr_http_cancel(struct ivr_http *j);

enum { IVR_MAX_DEPTH = 8, IVR_MAX_MENUS = 16, IVR_MAX_STEPS = 500,
       IVR_MAX_HOPS = 200 };

/* What the session waits for. */
enum ivr_phase {
	PH_RUNNING,      /* moving between nodes */
	PH_PLAYING,      /* a play node's prompt (or a goodbye) */
	PH_PROMPTING,    /* an input node's prompt: keys cut it short */
	PH_INPUT,        /* keys, with a timer */
	PH_HTTP,         /* an HTTP answer */
	PH_DIALLING,     /* a transfer ringing */
	PH_QUEUED,       /* waiting in an ACD queue */
	PH_DONE,         /* handed on (answered, voicemail) or ended */
};

/* What to do when the prompt being played ends. */
enum ivr_after {
	AFTER_NEXT,      /* take exit "next" */
	AFTER_INPUT,     /* wait for keys */
	AFTER_HANGUP,    /* end the call */
	AFTER_QUEUE,     /* enter the node's queue */
};

struct ivr_frame {
	struct ivr_flow *flow;     /* referenced */
	int caller_node;           /* the subflow node in the frame below */
};

struct ivr_session {
	const struct ivr_host_ops *ops;
	void *arg;
	struct ivr_env env;
	struct ivr_call_info info;
	struct ivr_frame frames[IVR_MAX_DEPTH];
	unsigned depth;            /* frames in use; frames[depth-1] runs */
	int node;                  /* index in the running flow */
	enum ivr_phase phase;
	enum ivr_after after;
	/* input nodes */
	unsigned errors;
	char digits[33];
	size_t ndigits;
	bool direct;               /* menu: collecting a direct entry */
	char typeahead[8];         /* keys that cut a play short */
	json_t *entries;           /* dynamic menu: its entries */
	struct tmr tmr;            /* input timeouts */
	struct tmr go_tmr;         /* the first node, from the loop */
	/* back / top */
	struct { unsigned depth; int node; } menus[IVR_MAX_MENUS];
	unsigned nmenus;
	unsigned hops;             /* nodes passed since the last wait */
	struct vars vars;
	struct ivr_http *http;
	/* records */
	json_t *steps, *events;
	json_t *open_step;         /* the step of the running node */
	unsigned event_seq;
};

static inline struct ivr_flow *ivr_cur_flow(const struct ivr_session *s)
{
	return s->frames[s->depth - 1].flow;
}

static inline const struct ivr_node *ivr_cur_node(const struct ivr_session *s)
{
	return &ivr_cur_flow(s)->nodes[s->node];
}

static inline const json_t *ivr_param(const struct ivr_session *s,
				      const char *name)
{
	return json_object_get(ivr_cur_node(s)->params, name);
}

static inline long ivr_param_int(const struct ivr_session *s,
				 const char *name)
{
	return (long)json_integer_value(ivr_param(s, name));
}

static inline const char *ivr_param_str(const struct ivr_session *s,
					const char *name)
{
	const char *v = json_string_value(ivr_param(s, name));

	return v ? v : "";
}

/* session.c */
void ivr_take_exit(struct ivr_session *s, const char *exit);
/* Takes the exit of branch i (0-based): "1", "2", ... */
void ivr_take_branch(struct ivr_session *s, size_t i);
void ivr_goto(struct ivr_session *s, int node, const char *exit);
void ivr_end_call(struct ivr_session *s, const char *status);
/* Plays a prompt parameter (or two, one after the other); then `after`.
   An empty prompt goes on at once. */
void ivr_play(struct ivr_session *s, const json_t *first,
	      const json_t *second, unsigned loops, enum ivr_after after);
/* A transfer rings: the caller hears the prompt (looped) or ringback. */
void ivr_ring(struct ivr_session *s, const json_t *prompt);
void ivr_event(struct ivr_session *s, const char *kind, const char *value);
void ivr_note_digits(struct ivr_session *s, const char *digits);
void ivr_set_var(struct ivr_session *s, const char *name,
		 const char *value);

/* input.c: menu, collect, dynamic_menu, survey, speech_menu and the
   collecting transfer_extension */
void input_enter(struct ivr_session *s);
void input_key(struct ivr_session *s, char key);
void input_prompted(struct ivr_session *s);   /* its prompt has played */
void input_reset(struct ivr_session *s);

/* logic.c: set, condition, time, region, counter, back, top, subflow,
   http, and the call-handling nodes */
void logic_enter(struct ivr_session *s);
void logic_enqueue(struct ivr_session *s);
void logic_stop(struct ivr_session *s);

#endif

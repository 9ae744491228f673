/*
 * api.h — what the HTTP API's parts share (internal to src/api).
 *
 * A request is parsed on the control thread into a struct api_req, then its
 * route's handler runs on a store thread (where SQL is allowed) and fills in
 * the response; the control thread sends it. Handlers never touch the HTTP
 * connection, and the request is owned by the server until it is answered.
 */
#ifndef HOTLINE_API_H
#define HOTLINE_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "../core/cidr.h"
#include "../core/ids.h"
#include "../store/store.h"

/* Returned by a handler that has already set an error response: the store
   rolls back that handler's writes. */
#define API_HANDLED 10000

enum data_scope { SCOPE_DEPARTMENT, SCOPE_DEPARTMENT_TREE, SCOPE_TENANT };
enum auth_via { VIA_NONE, VIA_SESSION, VIA_KEY };

struct principal {
	enum auth_via via;
	char tenant_id[ID_LEN];
	char tenant_code[64];
	char user_id[ID_LEN];          /* empty for an API key */
	char username[128];            /* or "key:<name>" */
	char department_id[ID_LEN];    /* empty when none */
	char key_id[ID_LEN];
	char session_hash[65];
	json_t *perms;                 /* {"users":"rw", ...}, owned */
	enum data_scope scope;
	bool operator;                 /* platform operator (tenant system) */
};

struct api_req;
typedef int (api_handler)(struct db *db, struct api_req *req);

enum route_flags {
	ROUTE_PUBLIC   = 1 << 0,  /* no authentication */
	ROUTE_OPERATOR = 1 << 1,  /* platform operator only */
	ROUTE_SESSION  = 1 << 2,  /* a login session, not an API key */
	ROUTE_WRITE    = 1 << 3,  /* runs on the writer even if GET */
	ROUTE_TELEPHONY = 1 << 4, /* a change here reloads the telephony
				     directory (see api_server_on_change) */
	ROUTE_CONTROL  = 1 << 5,  /* after authentication (and the prepare
				     step, if any, on a reader), answered on
				     the control thread by the function given
				     to api_server_add_control() for its name */
	ROUTE_UPLOAD   = 1 << 6,  /* the body is raw bytes of an audio file
				     (not JSON), up to API_UPLOAD_MAX */
	ROUTE_UPGRADE  = 1 << 7,  /* a WebSocket handshake (ws.c): its
				     headers are checked before anything */
};

/* Bodies of ROUTE_UPLOAD routes: 5 MiB, the seeds' "5M" for audio. */
enum { API_UPLOAD_MAX = 5 * 1024 * 1024 };
#define API_UPLOAD_TOO_LARGE "audio files are limited to 5 MB"

struct route {
	const char *method;
	const char *pattern;     /* "/api/v1/users/{id}" */
	const char *name;        /* metrics label: "users.get" */
	const char *perm;        /* menu key, or NULL */
	unsigned flags;
	api_handler *prepare;    /* optional, on a reader first (CPU work) */
	api_handler *handler;    /* on the writer, or a reader for GET */
};

struct api_settings {
	long session_hours;
	long max_body;
	const char *data_dir;    /* --data: voice files live under it */
	const char *db_name;
	const char *version;
	/* where browsers reach SIP over WebSocket: "wss://ADDR:PORT" (the
	   --sip-wss listener), else "ws://..." (--sip-ws), "" = neither */
	char sip_ws_url[160];
};

struct api_req {
	/* set on the control thread, read-only afterwards */
	const struct route *route;
	const struct api_settings *settings;
	char method[8];
	char *path;          /* decoded path without the query */
	char *query;         /* raw query string, "" when none */
	char *target;        /* path and query exactly as sent */
	char *id;            /* the {id} path parameter, or NULL */
	json_t *body;        /* parsed JSON object, or NULL */
	char *raw_body;      /* JSON text, or an upload's bytes */
	size_t body_len;
	char *range;         /* Range header, or NULL */
	char *if_range;      /* If-Range header, or NULL */
	char ip[64];
	char *session_token; /* from cookie or bearer header */
	char *key_id, *key_ts, *key_sig;
	struct ws_upgrade *upgrade;  /* a WebSocket handshake (ws.h), or NULL */

	/* set on the store thread */
	struct principal who;
	uint16_t status;
	json_t *resp;
	void *bytes;         /* a binary answer instead of resp (api_ok_bytes) */
	size_t bytes_len;
	const char *bytes_type;
	char *set_cookie;
	int login_failed;    /* 1: a failed login attempt (for throttling) */
	void *stash;         /* handler-private data between the two stages */
	void (*stash_free)(void *);
	struct file_reply *file;  /* the reply is this file (files.h) */
	char extra_headers[96];   /* more header lines for the reply */
};

/* Responses (store thread). api_fail returns API_HANDLED. */
int  api_fail(struct api_req *req, uint16_t status, const char *code,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int  api_ok(struct api_req *req, uint16_t status, json_t *body);
/* 200 with data (malloc'ed, taken over) as the body, of type ctype (a
   string that outlives the request, e.g. a literal). */
int  api_ok_bytes(struct api_req *req, const char *ctype, void *data,
		  size_t len);
int  api_status_for(int err, struct api_req *req);

/* Authentication and permissions (auth.c), on a store thread. */
int  auth_request(struct db *db, struct api_req *req);
int  auth_check_route(struct api_req *req);
int  login_log_write(struct db *db, const struct api_req *req,
		     json_t *tenant_id, json_t *user, const char *reason);
bool timezone_valid(const char *name);
void principal_clear(struct principal *p);
bool principal_can(const struct principal *p, const char *perm, bool write);
/* Is a record of this department ("": none) inside the principal's data
   scope? dept_path: the department and those above it, "id,parent,..."
   (struct dir_agent's). */
bool principal_scopes(const struct principal *p, const char *dept_id,
		      const char *dept_path);
/* The SQL condition on a `department_id` column of the principal's data
   scope (NULL: none, the whole tenant), its parameters in *paramsp. */
const char *principal_scope_sql(const struct principal *p,
				json_t **paramsp);
/* The ids of a department (the parameter) and of those under it. */
#define API_DEPT_TREE "WITH RECURSIVE sub(id) AS (SELECT ? UNION ALL " \
	"SELECT d.id FROM departments d JOIN sub ON d.parent_id = sub.id) " \
	"SELECT id FROM sub"

/* Body validation (validate.c). */
enum field_type { F_STRING, F_STRING_OR_NULL, F_INTEGER, F_BOOLEAN,
		  F_STRING_ARRAY, F_OBJECT };
struct field_spec {
	const char *name;
	enum field_type type;
	bool required;       /* on create */
	long min, max;       /* string length or integer range; 0,0: any */
};
int  body_check(struct api_req *req, const struct field_spec *fields,
		bool creating);
const char *body_str(const struct api_req *req, const char *name,
		     const char *def);

/* Lists (list.c). */
struct list_filter {
	const char *param;
	const char *column;
	enum field_type type; /* F_STRING, F_INTEGER or F_BOOLEAN */
	const char *op;       /* NULL for "=", or ">=", "<" */
};
struct list_spec {
	const char *table;          /* FROM clause */
	const char *columns;        /* SELECT list */
	const char *const *sortable;
	const char *default_sort;
	bool default_desc;
	const char *const *text_columns;  /* searched by q */
	const struct list_filter *filters;
	bool unscoped;              /* not limited to the caller's tenant */
};
/* where: extra condition after "tenant_id = ?" with its params appended. */
int  list_run(struct db *db, struct api_req *req, const struct list_spec *spec,
	      const char *where, json_t *where_params,
	      void (*fix_row)(json_t *row));
/* 1 found, 0 absent, -1 badly encoded. */
int  query_param(const char *query, const char *name, char *out, size_t size);

/* Row helpers (rows.c). */
static inline json_t *or_null(json_t *v)
{
	return v ? v : json_null();
}
void row_bool(json_t *row, const char *name);
void row_json(json_t *row, const char *name);
int  oplog_write(struct db *db, const struct api_req *req, const char *action,
		 const char *resource, const char *resource_id,
		 json_t *before, json_t *after);

/* Crypto (crypto.c). */
int  password_hash(const char *password, char out[128]);
bool password_verify(const char *hash, const char *password);
int  stash_password_hash(struct api_req *req, const char *password);
void sha256_hex(const void *data, size_t len, char out[65]);
void hmac_sha256_hex(const char *key, const void *data, size_t len,
		     char out[65]);


/* The route table (routes.c). */
const struct route *route_match(const char *method, const char *path,
				char **idp, bool *method_mismatch);

/* Resource handlers. */
#define HANDLER(name) int name(struct db *db, struct api_req *req)
HANDLER(health_get);
HANDLER(auth_login_prepare); HANDLER(auth_login);
HANDLER(auth_logout); HANDLER(auth_me);
HANDLER(auth_password_prepare); HANDLER(auth_password);
HANDLER(permissions_list);
HANDLER(tenants_list); HANDLER(tenants_get); HANDLER(tenants_create_prepare);
HANDLER(tenants_create); HANDLER(tenants_update_prepare);
HANDLER(tenants_update); HANDLER(tenants_delete);
HANDLER(departments_list); HANDLER(departments_get);
HANDLER(departments_create); HANDLER(departments_update);
HANDLER(departments_delete);
HANDLER(users_list); HANDLER(users_get); HANDLER(users_prepare);
HANDLER(users_create); HANDLER(users_update); HANDLER(users_delete);
HANDLER(roles_list); HANDLER(roles_get); HANDLER(roles_create);
HANDLER(roles_update); HANDLER(roles_delete);
HANDLER(apikeys_list); HANDLER(apikeys_get); HANDLER(apikeys_create);
HANDLER(apikeys_delete);
HANDLER(allowlist_get); HANDLER(allowlist_put);
HANDLER(oplog_list); HANDLER(loginlog_list);
HANDLER(extensions_list); HANDLER(extensions_get);
HANDLER(extensions_create); HANDLER(extensions_update);
HANDLER(extensions_delete); HANDLER(registrations_list);
HANDLER(calls_list); HANDLER(calls_get);
#define CRUD_DECL(p) HANDLER(p##_list); HANDLER(p##_get); \
	HANDLER(p##_create); HANDLER(p##_update); HANDLER(p##_delete)
CRUD_DECL(trunks); CRUD_DECL(numbers); CRUD_DECL(timegroups);
CRUD_DECL(inroutes); CRUD_DECL(outroutes); CRUD_DECL(lists);
CRUD_DECL(speeddials);
CRUD_DECL(ivr_flows);
CRUD_DECL(skills); CRUD_DECL(busyreasons); CRUD_DECL(agents);
CRUD_DECL(queues);
HANDLER(agent_states_list);
HANDLER(callbacks_list); HANDLER(callbacks_get); HANDLER(callbacks_update);
HANDLER(queue_calls_list); HANDLER(reports_queues); HANDLER(reports_agents);
/* Today's figures of one agent of the caller's tenant (qreports.c):
   {from, to, interval, timezone, figures} as in reports/agents. */
int qreports_agent_today(struct db *db, struct api_req *req,
			 const char *agent_id, json_t **todayp);
HANDLER(workbench_get); HANDLER(workbench_summary);
HANDLER(softphone_get);
HANDLER(ivr_flows_report);
HANDLER(ivr_versions_list); HANDLER(ivr_versions_create);
HANDLER(ivr_versions_get); HANDLER(ivr_versions_update);
HANDLER(ivr_versions_delete); HANDLER(ivr_versions_validate);
HANDLER(ivr_versions_publish);
HANDLER(voices_list); HANDLER(voices_get); HANDLER(voices_upload_prepare);
HANDLER(voices_upload); HANDLER(voices_update); HANDLER(voices_delete);
HANDLER(voices_replace_prepare); HANDLER(voices_replace);
HANDLER(voices_review); HANDLER(voices_audio);
CRUD_DECL(moh);
CRUD_DECL(confrooms); CRUD_DECL(vmboxes);
HANDLER(vmmessages_list); HANDLER(vmmessages_get);
HANDLER(vmmessages_update); HANDLER(vmmessages_delete);
HANDLER(vmmessages_audio);
HANDLER(tts_settings_get); HANDLER(tts_settings_put);
HANDLER(tts_preview_prepare);
HANDLER(recordings_list); HANDLER(recordings_get); HANDLER(recordings_audio);
HANDLER(recordings_delete); HANDLER(recordings_cleanup);
HANDLER(recording_policy_get); HANDLER(recording_policy_put);
/* The call's recordings (recordings.c), for calls_get. */
int  recordings_of_call(struct db *db, struct api_req *req,
			const char *call_id, json_t **itemsp);

/* 422 invalid_voice / voice_not_approved unless `id` is an approved voice
   of the caller's tenant; `use` ends the message ("played on hold"). */
int  voice_check_approved(struct db *db, struct api_req *req,
			  const char *field, const char *id, const char *use);

/* 409 conflict when the tenant's phones already dial `number` for an
   extension, a conference room or a voicemail box other than the row
   `self_id` (NULL when creating) (dialplan.c). */
int  dialplan_number_free(struct db *db, struct api_req *req,
			  const char *number, const char *self_id);

/* Menu permission catalogue (permissions.c). */
bool perm_key_valid(const char *key);
json_t *perm_all_rw(void);
int  role_body_check(struct api_req *req);

/* Platform setup at first start (bootstrap.c). */
int  bootstrap_tenant(struct db *db, const char *code, const char *name,
		      const char *admin_user, const char *admin_hash,
		      char tenant_id_out[ID_LEN]);

#endif

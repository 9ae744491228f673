/*
 * migrate.c — versioned schema migrations, applied at start on both backends.
 *
 * Each migration is a list of statements written in the SQL both SQLite and
 * PostgreSQL accept. A migration runs in one transaction together with the
 * row that records it in schema_version, so a crash never leaves half of one.
 * Never edit a migration that has shipped: add a new one.
 */
#include <errno.h>
#include <time.h>
#include "backend.h"
#include "../core/log.h"

struct migration {
	int version;
	const char *const *stmts;
};

static const char *const m1_platform[] = {
	"CREATE TABLE tenants ("
	" id TEXT PRIMARY KEY,"
	" code TEXT NOT NULL UNIQUE,"
	" name TEXT NOT NULL,"
	" timezone TEXT NOT NULL,"
	" enabled INTEGER NOT NULL DEFAULT 1,"
	" ip_allowlist TEXT NOT NULL DEFAULT '[]',"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL)",

	"CREATE TABLE departments ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" parent_id TEXT REFERENCES departments(id),"
	" name TEXT NOT NULL,"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL)",
	"CREATE INDEX departments_tenant ON departments(tenant_id, parent_id)",

	"CREATE TABLE roles ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" name TEXT NOT NULL,"
	" builtin INTEGER NOT NULL DEFAULT 0,"
	" permissions TEXT NOT NULL DEFAULT '{}',"
	" data_scope TEXT NOT NULL DEFAULT 'department',"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL,"
	" UNIQUE (tenant_id, name))",

	"CREATE TABLE users ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" username TEXT NOT NULL,"
	" display_name TEXT NOT NULL DEFAULT '',"
	" email TEXT NOT NULL DEFAULT '',"
	" department_id TEXT REFERENCES departments(id),"
	" password_hash TEXT NOT NULL,"
	" enabled INTEGER NOT NULL DEFAULT 1,"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL,"
	" last_login_at BIGINT,"
	" UNIQUE (tenant_id, username))",
	"CREATE INDEX users_department ON users(tenant_id, department_id)",

	"CREATE TABLE user_roles ("
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" role_id TEXT NOT NULL REFERENCES roles(id),"
	" PRIMARY KEY (user_id, role_id))",
	"CREATE INDEX user_roles_role ON user_roles(role_id)",

	"CREATE TABLE sessions ("
	" token_hash TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" ip TEXT NOT NULL DEFAULT '',"
	" created_at BIGINT NOT NULL,"
	" expires_at BIGINT NOT NULL)",
	"CREATE INDEX sessions_user ON sessions(user_id)",

	"CREATE TABLE api_keys ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" name TEXT NOT NULL,"
	" role_id TEXT NOT NULL REFERENCES roles(id),"
	" secret TEXT NOT NULL,"
	" valid_seconds BIGINT NOT NULL DEFAULT 1800,"
	" enabled INTEGER NOT NULL DEFAULT 1,"
	" created_at BIGINT NOT NULL,"
	" last_used_at BIGINT)",
	"CREATE INDEX api_keys_tenant ON api_keys(tenant_id)",

	"CREATE TABLE op_log ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" user_id TEXT,"
	" username TEXT NOT NULL DEFAULT '',"
	" action TEXT NOT NULL,"
	" resource TEXT NOT NULL,"
	" resource_id TEXT,"
	" before TEXT,"
	" after TEXT,"
	" ip TEXT NOT NULL DEFAULT '',"
	" created_at BIGINT NOT NULL)",
	"CREATE INDEX op_log_time ON op_log(tenant_id, created_at)",

	"CREATE TABLE login_log ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,"
	" tenant_code TEXT NOT NULL DEFAULT '',"
	" username TEXT NOT NULL DEFAULT '',"
	" user_id TEXT,"
	" ip TEXT NOT NULL DEFAULT '',"
	" ok INTEGER NOT NULL,"
	" reason TEXT,"
	" created_at BIGINT NOT NULL)",
	"CREATE INDEX login_log_time ON login_log(tenant_id, created_at)",
	NULL
};

static const char *const m2_sip[] = {
	"ALTER TABLE tenants ADD COLUMN sip_domain TEXT",
	"CREATE UNIQUE INDEX tenants_sip_domain ON tenants(sip_domain)",

	"CREATE TABLE extensions ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" number TEXT NOT NULL,"
	" password TEXT NOT NULL,"
	" display_name TEXT NOT NULL DEFAULT '',"
	" transports TEXT NOT NULL DEFAULT '[\"udp\",\"tcp\",\"tls\",\"ws\",\"wss\"]',"
	" allowed_cidrs TEXT NOT NULL DEFAULT '[]',"
	" max_contacts INTEGER NOT NULL DEFAULT 3,"
	" codecs TEXT NOT NULL DEFAULT '[\"PCMU\",\"PCMA\",\"G722\",\"opus\"]',"
	" dial_permission TEXT NOT NULL DEFAULT 'local',"
	" auth_algorithms TEXT NOT NULL DEFAULT '[\"MD5\"]',"
	" enabled INTEGER NOT NULL DEFAULT 1,"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL,"
	" UNIQUE (tenant_id, number))",

	"CREATE TABLE registrations ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" extension_id TEXT NOT NULL REFERENCES extensions(id)"
	" ON DELETE CASCADE,"
	" contact TEXT NOT NULL,"
	" transport TEXT NOT NULL,"
	" source TEXT NOT NULL,"
	" user_agent TEXT NOT NULL DEFAULT '',"
	" expires_at BIGINT NOT NULL,"
	" registered_at BIGINT NOT NULL,"
	" UNIQUE (extension_id, contact))",
	"CREATE INDEX registrations_tenant ON registrations(tenant_id, "
	"extension_id)",

	/* Built-in Administrator roles hold every menu, the new one too. */
	"UPDATE roles SET permissions = CASE WHEN permissions = '{}' THEN "
	"'{\"extensions\":\"rw\"}' ELSE substr(permissions, 1, "
	"length(permissions) - 1) || ',\"extensions\":\"rw\"}' END "
	"WHERE builtin = 1 AND permissions LIKE '%}' AND "
	"permissions NOT LIKE '%\"extensions\"%'",
	NULL
};

static const char *const m3_calls[] = {
	"CREATE TABLE calls ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" direction TEXT NOT NULL,"
	" caller TEXT NOT NULL,"
	" caller_name TEXT NOT NULL DEFAULT '',"
	" callee TEXT NOT NULL,"
	" answered_by TEXT NOT NULL DEFAULT '',"
	" start_at BIGINT NOT NULL,"
	" ring_at BIGINT,"
	" answer_at BIGINT,"
	" end_at BIGINT NOT NULL,"
	" duration BIGINT NOT NULL,"
	" talk_time BIGINT NOT NULL,"
	" end_status TEXT NOT NULL,"
	" hangup_side TEXT NOT NULL,"
	" trunk_id TEXT,"
	" sip_code INTEGER NOT NULL DEFAULT 0,"
	" sip_reason TEXT NOT NULL DEFAULT '')",
	"CREATE INDEX calls_time ON calls(tenant_id, start_at)",

	"CREATE TABLE call_legs ("
	" id TEXT PRIMARY KEY,"
	" call_id TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,"
	" tenant_id TEXT NOT NULL,"
	" seq INTEGER NOT NULL,"
	" role TEXT NOT NULL,"
	" endpoint TEXT NOT NULL,"
	" uri TEXT NOT NULL DEFAULT '',"
	" sip_call_id TEXT NOT NULL DEFAULT '',"
	" codec TEXT,"
	" start_at BIGINT NOT NULL,"
	" ring_at BIGINT,"
	" answer_at BIGINT,"
	" end_at BIGINT,"
	" sip_code INTEGER NOT NULL DEFAULT 0,"
	" rx_packets BIGINT NOT NULL DEFAULT 0,"
	" tx_packets BIGINT NOT NULL DEFAULT 0,"
	" lost BIGINT NOT NULL DEFAULT 0,"
	" jitter_ms DOUBLE PRECISION NOT NULL DEFAULT 0)",
	"CREATE INDEX call_legs_call ON call_legs(call_id)",
	NULL
};

/* Trunks, numbers, time groups, inbound/outbound routes, black/white lists
   and per-tenant/per-trunk call limits (src/route, src/sip/trunk_reg.c). */
#define ADD_PERM(k) \
	"UPDATE roles SET permissions = CASE WHEN permissions = '{}' THEN " \
	"'{\"" k "\":\"rw\"}' ELSE substr(permissions, 1, " \
	"length(permissions) - 1) || ',\"" k "\":\"rw\"}' END " \
	"WHERE builtin = 1 AND permissions LIKE '%}' AND " \
	"permissions NOT LIKE '%\"" k "\"%'"

static const char *const m4_routing[] = {
	"ALTER TABLE tenants ADD COLUMN max_calls INTEGER NOT NULL DEFAULT 0",

	"CREATE TABLE trunks ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" name TEXT NOT NULL,"
	" type TEXT NOT NULL,"
	" host TEXT NOT NULL,"
	" port INTEGER NOT NULL DEFAULT 5060,"
	" transport TEXT NOT NULL DEFAULT 'udp',"
	" username TEXT NOT NULL DEFAULT '',"
	" auth_username TEXT NOT NULL DEFAULT '',"
	" password TEXT NOT NULL DEFAULT '',"
	" realm TEXT NOT NULL DEFAULT '',"
	" expires INTEGER NOT NULL DEFAULT 3600,"
	" outbound_proxy TEXT NOT NULL DEFAULT '',"
	" peer_cidrs TEXT NOT NULL DEFAULT '[]',"
	" codecs TEXT NOT NULL DEFAULT '[\"PCMU\",\"PCMA\"]',"
	" caller_id_format TEXT NOT NULL DEFAULT 'as_is',"
	" country_code TEXT NOT NULL DEFAULT '',"
	" max_calls INTEGER NOT NULL DEFAULT 0,"
	" failover_group TEXT NOT NULL DEFAULT '',"
	" enabled INTEGER NOT NULL DEFAULT 1,"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL,"
	" UNIQUE (tenant_id, name))",

	"CREATE TABLE trunk_status ("
	" trunk_id TEXT PRIMARY KEY REFERENCES trunks(id) ON DELETE CASCADE,"
	" tenant_id TEXT NOT NULL,"
	" state TEXT NOT NULL,"
	" code INTEGER NOT NULL DEFAULT 0,"
	" reason TEXT NOT NULL DEFAULT '',"
	" updated_at BIGINT NOT NULL)",

	"CREATE TABLE numbers ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" number TEXT NOT NULL,"
	" digits TEXT NOT NULL UNIQUE,"
	" trunk_id TEXT REFERENCES trunks(id),"
	" description TEXT NOT NULL DEFAULT '',"
	" enabled INTEGER NOT NULL DEFAULT 1,"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL)",
	"CREATE INDEX numbers_tenant ON numbers(tenant_id)",

	"CREATE TABLE time_groups ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" name TEXT NOT NULL,"
	" rules TEXT NOT NULL DEFAULT '[]',"
	" holidays TEXT NOT NULL DEFAULT '[]',"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL,"
	" UNIQUE (tenant_id, name))",

	"CREATE TABLE inbound_routes ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" name TEXT NOT NULL,"
	" priority INTEGER NOT NULL DEFAULT 100,"
	" number TEXT NOT NULL DEFAULT '',"
	" caller_prefix TEXT NOT NULL DEFAULT '',"
	" time_group_id TEXT REFERENCES time_groups(id),"
	" time_match TEXT NOT NULL DEFAULT 'in',"
	" destination TEXT NOT NULL,"
	" enabled INTEGER NOT NULL DEFAULT 1,"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL,"
	" UNIQUE (tenant_id, name))",

	"CREATE TABLE outbound_routes ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" name TEXT NOT NULL,"
	" priority INTEGER NOT NULL DEFAULT 100,"
	" patterns TEXT NOT NULL,"
	" strip INTEGER NOT NULL DEFAULT 0,"
	" prepend TEXT NOT NULL DEFAULT '',"
	" caller_id_policy TEXT NOT NULL DEFAULT 'extension',"
	" caller_id_number TEXT NOT NULL DEFAULT '',"
	" caller_id_pool TEXT NOT NULL DEFAULT '[]',"
	" trunk_ids TEXT NOT NULL DEFAULT '[]',"
	" dial_permission TEXT NOT NULL DEFAULT 'local',"
	" enabled INTEGER NOT NULL DEFAULT 1,"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL,"
	" UNIQUE (tenant_id, name))",

	"CREATE TABLE number_lists ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" name TEXT NOT NULL,"
	" direction TEXT NOT NULL,"
	" type TEXT NOT NULL,"
	" entries TEXT NOT NULL DEFAULT '[]',"
	" enabled INTEGER NOT NULL DEFAULT 1,"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL,"
	" UNIQUE (tenant_id, name))",

	ADD_PERM("trunks"), ADD_PERM("numbers"), ADD_PERM("routes"),
	ADD_PERM("time_groups"), ADD_PERM("lists"),
	NULL
};

static const char *const m5_call_features[] = {
	"ALTER TABLE extensions ADD COLUMN dnd INTEGER NOT NULL DEFAULT 0",
	"ALTER TABLE extensions ADD COLUMN forward_always TEXT NOT NULL "
	"DEFAULT ''",
	"ALTER TABLE extensions ADD COLUMN forward_busy TEXT NOT NULL "
	"DEFAULT ''",
	"ALTER TABLE extensions ADD COLUMN forward_no_answer TEXT NOT NULL "
	"DEFAULT ''",
	"ALTER TABLE extensions ADD COLUMN no_answer_seconds INTEGER NOT NULL "
	"DEFAULT 20",
	NULL
};

/* Speed dial (ippbx.md §2.1.2): `*` + a short number dials the number. */
static const char *const m6_speed_dials[] = {
	"CREATE TABLE speed_dials ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" short_number TEXT NOT NULL,"
	" number TEXT NOT NULL,"
	" remark TEXT NOT NULL DEFAULT '',"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL,"
	" UNIQUE (tenant_id, short_number))",

	ADD_PERM("speed_dials"),
	NULL
};

static const char *const m7_voices[] = {
	"CREATE TABLE voices ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" name TEXT NOT NULL,"
	" remark TEXT NOT NULL DEFAULT '',"
	" format TEXT NOT NULL,"
	" original_rate INTEGER NOT NULL,"
	" original_channels INTEGER NOT NULL,"
	" duration_ms BIGINT NOT NULL,"
	" size_bytes BIGINT NOT NULL,"
	" status TEXT NOT NULL DEFAULT 'pending',"
	" review_reason TEXT NOT NULL DEFAULT '',"
	" reviewed_by TEXT NOT NULL DEFAULT '',"
	" reviewed_at BIGINT,"
	" created_by TEXT NOT NULL DEFAULT '',"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL,"
	" UNIQUE (tenant_id, name))",

	"CREATE TABLE moh_classes ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" name TEXT NOT NULL,"
	" remark TEXT NOT NULL DEFAULT '',"
	" mode TEXT NOT NULL DEFAULT 'sequential',"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL,"
	" UNIQUE (tenant_id, name))",

	/* A voice in a class cannot be deleted (no ON DELETE on voice_id):
	   "in use" is this table. */
	"CREATE TABLE moh_class_voices ("
	" class_id TEXT NOT NULL REFERENCES moh_classes(id) ON DELETE CASCADE,"
	" voice_id TEXT NOT NULL REFERENCES voices(id),"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" position INTEGER NOT NULL,"
	" PRIMARY KEY (class_id, position))",
	"CREATE INDEX moh_class_voices_voice ON moh_class_voices(voice_id)",

	ADD_PERM("voices"), ADD_PERM("moh"),
	NULL
};

/* Text to speech: each tenant's voice and rate (src/api/tts_api.c); no row
   means the defaults. Versions 6 and 7 come from other branches. */
static const char *const m8_tts[] = {
	"CREATE TABLE tenant_tts ("
	" tenant_id TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,"
	" voice TEXT NOT NULL,"
	" rate INTEGER NOT NULL,"
	" updated_at BIGINT NOT NULL)",
	ADD_PERM("tts"),
	NULL
};

/* Call recordings (src/record, src/media/recorder.c): one row per file,
   inserted when recording starts; each tenant's policy (no row: record
   nothing, WAV, stereo, 90 days); extensions and trunks may say always or
   never. call_id has no foreign key: the call's row is written when the
   call ends, after its recordings started. */
static const char *const m9_recordings[] = {
	"CREATE TABLE recordings ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" call_id TEXT NOT NULL,"
	" leg_id TEXT,"
	" seq INTEGER NOT NULL DEFAULT 1,"
	" path TEXT NOT NULL,"
	" format TEXT NOT NULL,"
	" channels TEXT NOT NULL,"
	" rate INTEGER NOT NULL,"
	" duration_ms BIGINT NOT NULL DEFAULT 0,"
	" paused_ms BIGINT NOT NULL DEFAULT 0,"
	" size_bytes BIGINT NOT NULL DEFAULT 0,"
	" started_at BIGINT NOT NULL,"
	" ended_at BIGINT,"
	" status TEXT NOT NULL DEFAULT 'recording',"
	" note TEXT NOT NULL DEFAULT '')",
	"CREATE INDEX recordings_call ON recordings(tenant_id, call_id)",
	"CREATE INDEX recordings_time ON recordings(tenant_id, started_at)",
	"CREATE INDEX recordings_status ON recordings(status)",

	"CREATE TABLE recording_policies ("
	" tenant_id TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,"
	" record_inbound INTEGER NOT NULL DEFAULT 0,"
	" record_outbound INTEGER NOT NULL DEFAULT 0,"
	" record_internal INTEGER NOT NULL DEFAULT 0,"
	" format TEXT NOT NULL DEFAULT 'wav',"
	" mode TEXT NOT NULL DEFAULT 'stereo',"
	" retention_days INTEGER NOT NULL DEFAULT 90,"
	" updated_at BIGINT NOT NULL)",

	"ALTER TABLE extensions ADD COLUMN record TEXT NOT NULL "
	"DEFAULT 'inherit'",
	"ALTER TABLE trunks ADD COLUMN record TEXT NOT NULL DEFAULT 'inherit'",
	ADD_PERM("recordings"),
	NULL
};

/* Call quality: the estimated MOS (E-model) of what each leg sent us. */
static const char *const m11_leg_mos[] = {
	"ALTER TABLE call_legs ADD COLUMN rx_mos REAL",
	NULL
};

/* Conference rooms (ippbx.md §2.1.11, §3.8) and voicemail (tencent-ccc.md
   语音信箱): configuration and message records; the call flow that uses them
   is the media engine's. A room's number and a tenant box's number share the
   extensions' numbering (checked by the API, src/api/dialplan.c). An
   extension's box has no number of its own (NULL: the extension's number) and
   goes with the extension; a greeting voice deleted anyway leaves the box
   without a greeting. Message files: DATA/voicemail/TENANT/BOX/ID.wav. */
static const char *const m10_conf_vm[] = {
	"CREATE TABLE conference_rooms ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" number TEXT NOT NULL,"
	" name TEXT NOT NULL,"
	" pin TEXT NOT NULL DEFAULT '',"
	" admin_pin TEXT NOT NULL DEFAULT '',"
	" max_members INTEGER NOT NULL DEFAULT 10,"
	" join_tones INTEGER NOT NULL DEFAULT 1,"
	" enabled INTEGER NOT NULL DEFAULT 1,"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL,"
	" UNIQUE (tenant_id, number))",

	"CREATE TABLE voicemail_boxes ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" extension_id TEXT UNIQUE REFERENCES extensions(id) ON DELETE CASCADE,"
	" number TEXT,"
	" name TEXT NOT NULL DEFAULT '',"
	" pin TEXT NOT NULL DEFAULT '',"
	" greeting_voice_id TEXT REFERENCES voices(id) ON DELETE SET NULL,"
	" max_message_s INTEGER NOT NULL DEFAULT 120,"
	" enabled INTEGER NOT NULL DEFAULT 1,"
	" notify INTEGER NOT NULL DEFAULT 0,"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL,"
	" UNIQUE (tenant_id, number))",
	"CREATE INDEX voicemail_boxes_voice ON voicemail_boxes"
	"(greeting_voice_id)",

	"CREATE TABLE voicemail_messages ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" box_id TEXT NOT NULL REFERENCES voicemail_boxes(id) ON DELETE CASCADE,"
	" call_id TEXT NOT NULL DEFAULT '',"
	" caller TEXT NOT NULL DEFAULT '',"
	" caller_name TEXT NOT NULL DEFAULT '',"
	" duration_ms BIGINT NOT NULL DEFAULT 0,"
	" path TEXT NOT NULL,"
	" status TEXT NOT NULL DEFAULT 'new',"
	" created_at BIGINT NOT NULL,"
	" read_at BIGINT)",
	"CREATE INDEX voicemail_messages_box ON voicemail_messages"
	"(tenant_id, box_id, created_at)",

	ADD_PERM("conferences"), ADD_PERM("voicemail"),
	NULL
};

/* Call quality from the far ends' RTCP: round trip, and the MOS of what
   each leg received from us. */
static const char *const m12_leg_rtcp[] = {
	"ALTER TABLE call_legs ADD COLUMN rtt_ms REAL",
	"ALTER TABLE call_legs ADD COLUMN tx_mos REAL",
	NULL
};

/* IVR flows (docs/ivr.md): flows, their versions (the graph as JSON
   text), each call's path through them and the key presses and anchor
   passes the IVR report counts. */
static const char *const m13_ivr[] = {
	"CREATE TABLE ivr_flows ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" name TEXT NOT NULL,"
	" description TEXT NOT NULL DEFAULT '',"
	" number TEXT NOT NULL DEFAULT '',"
	" published_version_id TEXT,"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL,"
	" UNIQUE (tenant_id, name))",

	"CREATE TABLE ivr_versions ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" flow_id TEXT NOT NULL REFERENCES ivr_flows(id) ON DELETE CASCADE,"
	" version INTEGER NOT NULL,"
	" note TEXT NOT NULL DEFAULT '',"
	" based_on TEXT,"
	" graph TEXT NOT NULL,"
	" status TEXT NOT NULL DEFAULT 'draft',"
	" published_at BIGINT,"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL,"
	" UNIQUE (flow_id, version))",

	"CREATE TABLE call_ivr_steps ("
	" call_id TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,"
	" tenant_id TEXT NOT NULL,"
	" seq INTEGER NOT NULL,"
	" flow_id TEXT NOT NULL,"
	" flow_name TEXT NOT NULL DEFAULT '',"
	" version INTEGER NOT NULL,"
	" node_id TEXT NOT NULL,"
	" node_name TEXT NOT NULL DEFAULT '',"
	" node_type TEXT NOT NULL,"
	" entered_at BIGINT NOT NULL,"
	" left_at BIGINT,"
	" exit_name TEXT,"
	" digits TEXT NOT NULL DEFAULT '',"
	" PRIMARY KEY (call_id, seq))",

	"CREATE TABLE ivr_events ("
	" call_id TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,"
	" seq INTEGER NOT NULL,"
	" tenant_id TEXT NOT NULL,"
	" flow_id TEXT NOT NULL,"
	" node_id TEXT NOT NULL,"
	" node_name TEXT NOT NULL DEFAULT '',"
	" kind TEXT NOT NULL,"
	" value TEXT NOT NULL,"
	" at BIGINT NOT NULL,"
	" PRIMARY KEY (call_id, seq))",
	"CREATE INDEX ivr_events_flow ON ivr_events(tenant_id, flow_id, at)",

	ADD_PERM("ivr"),
	NULL
};

/* ACD configuration (issue 6): skills, the tenant's busy reasons, agents
   (agent number, bound phone, skills with levels) and queues (strategy,
   members, skill requirements, timeouts, overflow limits), and the log of
   agent states from which state durations are derived. */
static const char *const m14_acd[] = {
	"CREATE TABLE skills ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" name TEXT NOT NULL,"
	" description TEXT NOT NULL DEFAULT '',"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL,"
	" UNIQUE (tenant_id, name))",

	"CREATE TABLE busy_reasons ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" name TEXT NOT NULL,"
	" sort INTEGER NOT NULL DEFAULT 0,"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL,"
	" UNIQUE (tenant_id, name))",

	"CREATE TABLE agents ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" agent_no TEXT NOT NULL,"
	" name TEXT NOT NULL,"
	" department_id TEXT REFERENCES departments(id) ON DELETE SET NULL,"
	" extension_id TEXT REFERENCES extensions(id) ON DELETE SET NULL,"
	" skills TEXT NOT NULL DEFAULT '[]',"
	" max_calls INTEGER NOT NULL DEFAULT 1,"
	" wrap_up_s INTEGER NOT NULL DEFAULT 5,"
	" busy_after_miss INTEGER NOT NULL DEFAULT 0,"
	" outbound INTEGER NOT NULL DEFAULT 1,"
	" monitor INTEGER NOT NULL DEFAULT 0,"
	" enabled INTEGER NOT NULL DEFAULT 1,"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL,"
	" UNIQUE (tenant_id, agent_no))",
	"CREATE INDEX agents_extension ON agents(extension_id)",

	"CREATE TABLE queues ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" name TEXT NOT NULL,"
	" number TEXT NOT NULL DEFAULT '',"
	" strategy TEXT NOT NULL DEFAULT 'longest_idle',"
	" members TEXT NOT NULL DEFAULT '[]',"
	" skills TEXT NOT NULL DEFAULT '[]',"
	" priority INTEGER NOT NULL DEFAULT 0,"
	" ring_timeout_s INTEGER NOT NULL DEFAULT 25,"
	" retry_delay_s INTEGER NOT NULL DEFAULT 2,"
	" max_waiting INTEGER NOT NULL DEFAULT 0,"
	" max_wait_s INTEGER NOT NULL DEFAULT 600,"
	" service_level_s INTEGER NOT NULL DEFAULT 20,"
	" wrap_up_s INTEGER NOT NULL DEFAULT 0,"
	" moh_class_id TEXT REFERENCES moh_classes(id) ON DELETE SET NULL,"
	" announce_position_s INTEGER NOT NULL DEFAULT 0,"
	" sticky_days INTEGER NOT NULL DEFAULT 0,"
	" sticky_strict INTEGER NOT NULL DEFAULT 0,"
	" enabled INTEGER NOT NULL DEFAULT 1,"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL,"
	" UNIQUE (tenant_id, name))",

	"CREATE TABLE agent_states ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" agent_id TEXT NOT NULL,"
	" state TEXT NOT NULL,"
	" reason TEXT NOT NULL DEFAULT '',"
	" started_at BIGINT NOT NULL,"
	" ended_at BIGINT)",
	"CREATE INDEX agent_states_agent ON agent_states"
	"(tenant_id, agent_id, started_at)",

	ADD_PERM("agents"), ADD_PERM("queues"),
	NULL
};

/* The queue a call waited in and the agent who took it, on its record. */
static const char *const m15_call_agent[] = {
	"ALTER TABLE calls ADD COLUMN queue_id TEXT",
	"ALTER TABLE calls ADD COLUMN agent_id TEXT",
	"ALTER TABLE calls ADD COLUMN agent_no TEXT NOT NULL DEFAULT ''",
	"CREATE INDEX calls_agent ON calls(tenant_id, agent_id, start_at)",
	NULL
};

/* What a caller lives through waiting in a queue (issue 6): caller
   priority from a VIP list, periodic announcements; what the agent
   hears and sees first (a whisper, the queue's name); where a call that
   reached the queue directly goes when the queue gives up; a key to leave
   the queue (for voicemail, or a callback request kept for agents). */
static const char *const m16_queue_waiting[] = {
	"ALTER TABLE queues ADD COLUMN vip_list_id TEXT"
	" REFERENCES number_lists(id) ON DELETE SET NULL",
	"ALTER TABLE queues ADD COLUMN vip_priority INTEGER NOT NULL DEFAULT 10",
	"ALTER TABLE queues ADD COLUMN announce_s INTEGER NOT NULL DEFAULT 0",
	"ALTER TABLE queues ADD COLUMN announce_prompt TEXT NOT NULL"
	" DEFAULT '[]'",
	"ALTER TABLE queues ADD COLUMN whisper_prompt TEXT NOT NULL"
	" DEFAULT '[]'",
	"ALTER TABLE queues ADD COLUMN agent_display_queue INTEGER NOT NULL"
	" DEFAULT 0",
	"ALTER TABLE queues ADD COLUMN overflow TEXT NOT NULL DEFAULT '{}'",
	"ALTER TABLE queues ADD COLUMN leave_key TEXT NOT NULL DEFAULT ''",
	"ALTER TABLE queues ADD COLUMN leave_to TEXT NOT NULL DEFAULT ''",
	"ALTER TABLE queues ADD COLUMN leave_box TEXT NOT NULL DEFAULT ''",
	"ALTER TABLE queues ADD COLUMN leave_prompt TEXT NOT NULL DEFAULT '[]'",

	"CREATE TABLE callback_requests ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" queue_id TEXT REFERENCES queues(id) ON DELETE SET NULL,"
	" call_id TEXT NOT NULL,"
	" caller TEXT NOT NULL,"
	" status TEXT NOT NULL DEFAULT 'pending',"
	" note TEXT NOT NULL DEFAULT '',"
	" agent_id TEXT REFERENCES agents(id) ON DELETE SET NULL,"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL)",
	"CREATE INDEX callback_requests_status ON callback_requests"
	"(tenant_id, status, created_at)",
	/* the sticky agent: who last served this caller */
	"CREATE INDEX calls_caller ON calls(tenant_id, caller, start_at)",
	NULL
};

/* An agent worked by a console user (the workbench, docs/ws.md): one
   agent per user; the link goes when the user does. */
static const char *const m17_agent_user[] = {
	"ALTER TABLE agents ADD COLUMN user_id TEXT REFERENCES users(id) "
	"ON DELETE SET NULL",
	"CREATE UNIQUE INDEX agents_user ON agents(user_id)",
	ADD_PERM("workbench"), ADD_PERM("monitor"),
	NULL
};

/* The queue call log (src/acd/qlog.c): one row per queue visit, refused
   entries included (queued 0); left_at NULL while the call waits. */
static const char *const m18_queue_calls[] = {
	"CREATE TABLE queue_calls ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" call_id TEXT NOT NULL,"
	" queue_id TEXT NOT NULL,"
	" caller TEXT NOT NULL DEFAULT '',"
	" entered_at BIGINT NOT NULL,"
	" queued INTEGER NOT NULL,"
	" outcome TEXT NOT NULL,"
	" answered_at BIGINT,"
	" left_at BIGINT,"
	" agent_id TEXT,"
	" wait_ms BIGINT)",
	"CREATE INDEX queue_calls_time ON queue_calls(tenant_id, entered_at)",
	"CREATE INDEX queue_calls_queue ON queue_calls"
	"(tenant_id, queue_id, entered_at)",
	"CREATE INDEX queue_calls_call ON queue_calls(call_id, left_at)",
	NULL
};

/* The workbench's screen pop (docs/guide.md, "The agent workbench"): a
   URL template per queue, filled in by the agent's browser. */
static const char *const m19_screen_pop[] = {
	"ALTER TABLE queues ADD COLUMN screen_pop_url TEXT NOT NULL DEFAULT ''",
	NULL
};

/* An agent's phone may answer queue calls by itself (auto-answer). */
static const char *const m20_agent_auto_answer[] = {
	"ALTER TABLE agents ADD COLUMN auto_answer INTEGER NOT NULL "
	"DEFAULT 0",
	NULL
};

/* An agent whose phone is an outside number (a mobile), rung through the
   tenant's outbound routes, showing external_caller_id ("": the route's). */
static const char *const m21_agent_external[] = {
	"ALTER TABLE agents ADD COLUMN external_number TEXT NOT NULL "
	"DEFAULT ''",
	"ALTER TABLE agents ADD COLUMN external_caller_id TEXT NOT NULL "
	"DEFAULT ''",
	NULL
};

/* An outbound route may let the calling extension choose its caller ID
   among the route's pool (the workbench's dial pad, decision 64). */
static const char *const m22_caller_id_choice[] = {
	"ALTER TABLE outbound_routes ADD COLUMN caller_id_choice INTEGER "
	"NOT NULL DEFAULT 0",
	NULL
};

/* The satisfaction survey an agent invites the customer to with one click
   on the workbench: an IVR flow per queue (NULL: none). */
static const char *const m23_queue_survey[] = {
	"ALTER TABLE queues ADD COLUMN survey_flow_id TEXT",
	NULL
};

/* When the agent's part of an answered queue call ended and how long the
   agent held the customer meanwhile: the queue report's talk, hold and
   wrap-up are apart (METRICS.md). */
static const char *const m24_queue_call_hold[] = {
	"ALTER TABLE queue_calls ADD COLUMN released_at BIGINT",
	"ALTER TABLE queue_calls ADD COLUMN hold_ms BIGINT NOT NULL DEFAULT 0",
	NULL
};

/* In version order: store_migrate() applies them in this order. */
static const struct migration migrations[] = {
	{1, m1_platform},
	{2, m2_sip},
	{3, m3_calls},
	{4, m4_routing},
	{5, m5_call_features},
	{6, m6_speed_dials},
	{7, m7_voices},
	{8, m8_tts},
	{9, m9_recordings},
	{10, m10_conf_vm},
	{11, m11_leg_mos},
	{12, m12_leg_rtcp},
	{13, m13_ivr},
	{14, m14_acd},
	{15, m15_call_agent},
	{16, m16_queue_waiting},
	{17, m17_agent_user},
	{18, m18_queue_calls},
	{19, m19_screen_pop},
	{20, m20_agent_auto_answer},
	{21, m21_agent_external},
	{22, m22_caller_id_choice},
	{23, m23_queue_survey},
	{24, m24_queue_call_hold},
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int current_version(struct db *db, int *versionp)
{
	json_t *rows = NULL;
	int err;

	err = db->be->query(db, NULL, "CREATE TABLE IF NOT EXISTS schema_version"
			    " (version INTEGER PRIMARY KEY,"
			    " applied_at BIGINT NOT NULL)", NULL);
	if (err)
		return err;
	err = db->be->query(db, &rows, "SELECT COALESCE(MAX(version), 0) AS v"
			    " FROM schema_version", NULL);
	if (err)
		return err;
	*versionp = (int)json_integer_value(
		json_object_get(json_array_get(rows, 0), "v"));
	json_decref(rows);
	return 0;
}

static int apply(struct db *db, const struct migration *m)
{
	json_t *params;
	int err;

	err = db->be->query(db, NULL, "BEGIN", NULL);
	if (err)
		return err;
	for (const char *const *s = m->stmts; *s; s++) {
		err = db->be->query(db, NULL, *s, NULL);
		if (err)
			goto fail;
	}
	params = json_pack("[iI]", m->version, now_ms());
	err = db->be->query(db, NULL, "INSERT INTO schema_version"
			    " (version, applied_at) VALUES (?, ?)", params);
	json_decref(params);
	if (err)
		goto fail;
	return db->be->query(db, NULL, "COMMIT", NULL);
fail:
	log_error("store", "migration %d failed: %s", m->version,
		  db->be->errmsg(db));
	db->be->query(db, NULL, "ROLLBACK", NULL);
	return err;
}

int store_migrate(struct db *db)
{
	int version, err;

	err = current_version(db, &version);
	if (err)
		return err;
	for (size_t i = 0; i < sizeof(migrations) / sizeof(*migrations); i++) {
		if (migrations[i].version <= version)
			continue;
		err = apply(db, &migrations[i]);
		if (err)
			return err;
		log_info("store", "applied schema migration %d",
			 migrations[i].version);
	}
	return 0;
}

/*
 * routes.c — the API's route table: method, path pattern, the menu
 * permission that guards it, and the handler. One line per endpoint.
 */
#include <stdlib.h>
#include <string.h>
#include "api.h"

#define P ROUTE_PUBLIC
#define OP ROUTE_OPERATOR
#define SES ROUTE_SESSION
#define W ROUTE_WRITE
#define TEL ROUTE_TELEPHONY
#define UP ROUTE_UPLOAD

static const struct route routes[] = {
	{"GET", "/api/v1/health", "health", NULL, P, NULL, health_get},
	{"POST", "/api/v1/auth/login", "auth.login", NULL, P | W,
	 auth_login_prepare, auth_login},
	{"POST", "/api/v1/auth/logout", "auth.logout", NULL, SES, NULL,
	 auth_logout},
	{"GET", "/api/v1/auth/me", "auth.me", NULL, 0, NULL, auth_me},
	{"POST", "/api/v1/auth/password", "auth.password", NULL, SES,
	 auth_password_prepare, auth_password},
	{"GET", "/api/v1/permissions", "permissions", NULL, 0, NULL,
	 permissions_list},

	{"GET", "/api/v1/tenants", "tenants.list", NULL, OP, NULL, tenants_list},
	{"POST", "/api/v1/tenants", "tenants.create", NULL, OP | TEL,
	 tenants_create_prepare, tenants_create},
	{"GET", "/api/v1/tenants/{id}", "tenants.get", NULL, OP, NULL,
	 tenants_get},
	{"PATCH", "/api/v1/tenants/{id}", "tenants.update", NULL, OP | TEL,
	 tenants_update_prepare, tenants_update},
	{"DELETE", "/api/v1/tenants/{id}", "tenants.delete", NULL, OP | TEL,
	 NULL, tenants_delete},

	{"GET", "/api/v1/departments", "departments.list", "departments", 0,
	 NULL, departments_list},
	{"POST", "/api/v1/departments", "departments.create", "departments",
	 0, NULL, departments_create},
	{"GET", "/api/v1/departments/{id}", "departments.get", "departments",
	 0, NULL, departments_get},
	{"PATCH", "/api/v1/departments/{id}", "departments.update",
	 "departments", 0, NULL, departments_update},
	{"DELETE", "/api/v1/departments/{id}", "departments.delete",
	 "departments", 0, NULL, departments_delete},

	{"GET", "/api/v1/users", "users.list", "users", 0, NULL, users_list},
	{"POST", "/api/v1/users", "users.create", "users", 0, users_prepare,
	 users_create},
	{"GET", "/api/v1/users/{id}", "users.get", "users", 0, NULL, users_get},
	{"PATCH", "/api/v1/users/{id}", "users.update", "users", 0,
	 users_prepare, users_update},
	{"DELETE", "/api/v1/users/{id}", "users.delete", "users", 0, NULL,
	 users_delete},

	{"GET", "/api/v1/roles", "roles.list", "roles", 0, NULL, roles_list},
	{"POST", "/api/v1/roles", "roles.create", "roles", 0, NULL,
	 roles_create},
	{"GET", "/api/v1/roles/{id}", "roles.get", "roles", 0, NULL, roles_get},
	{"PATCH", "/api/v1/roles/{id}", "roles.update", "roles", 0, NULL,
	 roles_update},
	{"DELETE", "/api/v1/roles/{id}", "roles.delete", "roles", 0, NULL,
	 roles_delete},

	{"GET", "/api/v1/api-keys", "api_keys.list", "api_keys", 0, NULL,
	 apikeys_list},
	{"POST", "/api/v1/api-keys", "api_keys.create", "api_keys", 0, NULL,
	 apikeys_create},
	{"GET", "/api/v1/api-keys/{id}", "api_keys.get", "api_keys", 0, NULL,
	 apikeys_get},
	{"DELETE", "/api/v1/api-keys/{id}", "api_keys.delete", "api_keys", 0,
	 NULL, apikeys_delete},

	{"GET", "/api/v1/security/ip-allowlist", "security.get", "security", 0,
	 NULL, allowlist_get},
	{"PUT", "/api/v1/security/ip-allowlist", "security.put", "security", 0,
	 NULL, allowlist_put},

	{"GET", "/api/v1/logs/operations", "logs.operations", "logs", 0, NULL,
	 oplog_list},
	{"GET", "/api/v1/logs/logins", "logs.logins", "logs", 0, NULL,
	 loginlog_list},

	{"GET", "/api/v1/extensions", "extensions.list", "extensions", 0, NULL,
	 extensions_list},
	{"POST", "/api/v1/extensions", "extensions.create", "extensions", TEL,
	 NULL, extensions_create},
	{"GET", "/api/v1/extensions/{id}", "extensions.get", "extensions", 0,
	 NULL, extensions_get},
	{"PATCH", "/api/v1/extensions/{id}", "extensions.update", "extensions",
	 TEL, NULL, extensions_update},
	{"DELETE", "/api/v1/extensions/{id}", "extensions.delete",
	 "extensions", TEL, NULL, extensions_delete},
	{"GET", "/api/v1/registrations", "registrations.list", "extensions", 0,
	 NULL, registrations_list},

	{"GET", "/api/v1/trunks", "trunks.list", "trunks", 0, NULL,
	 trunks_list},
	{"POST", "/api/v1/trunks", "trunks.create", "trunks", TEL, NULL,
	 trunks_create},
	{"GET", "/api/v1/trunks/{id}", "trunks.get", "trunks", 0, NULL,
	 trunks_get},
	{"PATCH", "/api/v1/trunks/{id}", "trunks.update", "trunks", TEL, NULL,
	 trunks_update},
	{"DELETE", "/api/v1/trunks/{id}", "trunks.delete", "trunks", TEL,
	 NULL, trunks_delete},
	{"GET", "/api/v1/numbers", "numbers.list", "numbers", 0, NULL,
	 numbers_list},
	{"POST", "/api/v1/numbers", "numbers.create", "numbers", TEL, NULL,
	 numbers_create},
	{"GET", "/api/v1/numbers/{id}", "numbers.get", "numbers", 0, NULL,
	 numbers_get},
	{"PATCH", "/api/v1/numbers/{id}", "numbers.update", "numbers", TEL, NULL,
	 numbers_update},
	{"DELETE", "/api/v1/numbers/{id}", "numbers.delete", "numbers", TEL,
	 NULL, numbers_delete},
	{"GET", "/api/v1/time-groups", "time_groups.list", "time_groups", 0, NULL,
	 timegroups_list},
	{"POST", "/api/v1/time-groups", "time_groups.create", "time_groups", TEL, NULL,
	 timegroups_create},
	{"GET", "/api/v1/time-groups/{id}", "time_groups.get", "time_groups", 0, NULL,
	 timegroups_get},
	{"PATCH", "/api/v1/time-groups/{id}", "time_groups.update", "time_groups", TEL, NULL,
	 timegroups_update},
	{"DELETE", "/api/v1/time-groups/{id}", "time_groups.delete", "time_groups", TEL,
	 NULL, timegroups_delete},
	{"GET", "/api/v1/inbound-routes", "inbound_routes.list", "routes", 0, NULL,
	 inroutes_list},
	{"POST", "/api/v1/inbound-routes", "inbound_routes.create", "routes", TEL, NULL,
	 inroutes_create},
	{"GET", "/api/v1/inbound-routes/{id}", "inbound_routes.get", "routes", 0, NULL,
	 inroutes_get},
	{"PATCH", "/api/v1/inbound-routes/{id}", "inbound_routes.update", "routes", TEL, NULL,
	 inroutes_update},
	{"DELETE", "/api/v1/inbound-routes/{id}", "inbound_routes.delete", "routes", TEL,
	 NULL, inroutes_delete},
	{"GET", "/api/v1/outbound-routes", "outbound_routes.list", "routes", 0, NULL,
	 outroutes_list},
	{"POST", "/api/v1/outbound-routes", "outbound_routes.create", "routes", TEL, NULL,
	 outroutes_create},
	{"GET", "/api/v1/outbound-routes/{id}", "outbound_routes.get", "routes", 0, NULL,
	 outroutes_get},
	{"PATCH", "/api/v1/outbound-routes/{id}", "outbound_routes.update", "routes", TEL, NULL,
	 outroutes_update},
	{"DELETE", "/api/v1/outbound-routes/{id}", "outbound_routes.delete", "routes", TEL,
	 NULL, outroutes_delete},
	{"GET", "/api/v1/lists", "lists.list", "lists", 0, NULL,
	 lists_list},
	{"POST", "/api/v1/lists", "lists.create", "lists", TEL, NULL,
	 lists_create},
	{"GET", "/api/v1/lists/{id}", "lists.get", "lists", 0, NULL,
	 lists_get},
	{"PATCH", "/api/v1/lists/{id}", "lists.update", "lists", TEL, NULL,
	 lists_update},
	{"DELETE", "/api/v1/lists/{id}", "lists.delete", "lists", TEL,
	 NULL, lists_delete},
	{"GET", "/api/v1/speed-dials", "speed_dials.list", "speed_dials", 0,
	 NULL, speeddials_list},
	{"POST", "/api/v1/speed-dials", "speed_dials.create", "speed_dials",
	 TEL, NULL, speeddials_create},
	{"GET", "/api/v1/speed-dials/{id}", "speed_dials.get", "speed_dials",
	 0, NULL, speeddials_get},
	{"PATCH", "/api/v1/speed-dials/{id}", "speed_dials.update",
	 "speed_dials", TEL, NULL, speeddials_update},
	{"DELETE", "/api/v1/speed-dials/{id}", "speed_dials.delete",
	 "speed_dials", TEL, NULL, speeddials_delete},

	{"GET", "/api/v1/skills", "skills.list", "agents", 0, NULL,
	 skills_list},
	{"POST", "/api/v1/skills", "skills.create", "agents", TEL, NULL,
	 skills_create},
	{"GET", "/api/v1/skills/{id}", "skills.get", "agents", 0, NULL,
	 skills_get},
	{"PATCH", "/api/v1/skills/{id}", "skills.update", "agents", TEL,
	 NULL, skills_update},
	{"DELETE", "/api/v1/skills/{id}", "skills.delete", "agents", TEL,
	 NULL, skills_delete},
	{"GET", "/api/v1/busy-reasons", "busy_reasons.list", "agents", 0, NULL,
	 busyreasons_list},
	{"POST", "/api/v1/busy-reasons", "busy_reasons.create", "agents", TEL, NULL,
	 busyreasons_create},
	{"GET", "/api/v1/busy-reasons/{id}", "busy_reasons.get", "agents", 0, NULL,
	 busyreasons_get},
	{"PATCH", "/api/v1/busy-reasons/{id}", "busy_reasons.update", "agents", TEL,
	 NULL, busyreasons_update},
	{"DELETE", "/api/v1/busy-reasons/{id}", "busy_reasons.delete", "agents", TEL,
	 NULL, busyreasons_delete},
	{"GET", "/api/v1/agents", "agents.list", "agents", 0, NULL,
	 agents_list},
	{"POST", "/api/v1/agents", "agents.create", "agents", TEL, NULL,
	 agents_create},
	{"GET", "/api/v1/agents/{id}", "agents.get", "agents", 0, NULL,
	 agents_get},
	{"PATCH", "/api/v1/agents/{id}", "agents.update", "agents", TEL,
	 NULL, agents_update},
	{"DELETE", "/api/v1/agents/{id}", "agents.delete", "agents", TEL,
	 NULL, agents_delete},
	{"GET", "/api/v1/queues", "queues.list", "queues", 0, NULL,
	 queues_list},
	{"POST", "/api/v1/queues", "queues.create", "queues", TEL, NULL,
	 queues_create},
	{"GET", "/api/v1/queues/{id}", "queues.get", "queues", 0, NULL,
	 queues_get},
	{"PATCH", "/api/v1/queues/{id}", "queues.update", "queues", TEL,
	 NULL, queues_update},
	{"DELETE", "/api/v1/queues/{id}", "queues.delete", "queues", TEL,
	 NULL, queues_delete},
	{"GET", "/api/v1/ivr-flows", "ivr_flows.list", "ivr", 0, NULL,
	 ivr_flows_list},
	{"POST", "/api/v1/ivr-flows", "ivr_flows.create", "ivr", TEL, NULL,
	 ivr_flows_create},
	{"GET", "/api/v1/ivr-flows/{id}", "ivr_flows.get", "ivr", 0, NULL,
	 ivr_flows_get},
	{"PATCH", "/api/v1/ivr-flows/{id}", "ivr_flows.update", "ivr", TEL,
	 NULL, ivr_flows_update},
	{"DELETE", "/api/v1/ivr-flows/{id}", "ivr_flows.delete", "ivr", TEL,
	 NULL, ivr_flows_delete},
	{"GET", "/api/v1/ivr-flows/{id}/versions", "ivr_versions.list", "ivr",
	 0, NULL, ivr_versions_list},
	{"POST", "/api/v1/ivr-flows/{id}/versions", "ivr_versions.create",
	 "ivr", ROUTE_WRITE, NULL, ivr_versions_create},
	{"GET", "/api/v1/ivr-flows/{id}/report", "ivr_flows.report", "ivr", 0,
	 NULL, ivr_flows_report},
	{"GET", "/api/v1/ivr-versions/{id}", "ivr_versions.get", "ivr", 0,
	 NULL, ivr_versions_get},
	{"PATCH", "/api/v1/ivr-versions/{id}", "ivr_versions.update", "ivr",
	 ROUTE_WRITE, NULL, ivr_versions_update},
	{"DELETE", "/api/v1/ivr-versions/{id}", "ivr_versions.delete", "ivr",
	 ROUTE_WRITE, NULL, ivr_versions_delete},
	{"POST", "/api/v1/ivr-versions/{id}/validate", "ivr_versions.validate",
	 "ivr", 0, NULL, ivr_versions_validate},
	{"POST", "/api/v1/ivr-versions/{id}/publish", "ivr_versions.publish",
	 "ivr", TEL, NULL, ivr_versions_publish},

	{"GET", "/api/v1/voices", "voices.list", "voices", 0, NULL,
	 voices_list},
	{"POST", "/api/v1/voices", "voices.create", "voices", UP,
	 voices_upload_prepare, voices_upload},
	{"GET", "/api/v1/voices/{id}", "voices.get", "voices", 0, NULL,
	 voices_get},
	{"PATCH", "/api/v1/voices/{id}", "voices.update", "voices", 0, NULL,
	 voices_update},
	{"DELETE", "/api/v1/voices/{id}", "voices.delete", "voices", 0, NULL,
	 voices_delete},
	{"GET", "/api/v1/voices/{id}/audio", "voices.audio", "voices", 0, NULL,
	 voices_audio},
	{"PUT", "/api/v1/voices/{id}/audio", "voices.replace", "voices", UP,
	 voices_replace_prepare, voices_replace},
	{"POST", "/api/v1/voices/{id}/review", "voices.review", "voices", 0,
	 NULL, voices_review},
	{"GET", "/api/v1/moh-classes", "moh.list", "moh", 0, NULL, moh_list},
	{"POST", "/api/v1/moh-classes", "moh.create", "moh", 0, NULL,
	 moh_create},
	{"GET", "/api/v1/moh-classes/{id}", "moh.get", "moh", 0, NULL,
	 moh_get},
	{"PATCH", "/api/v1/moh-classes/{id}", "moh.update", "moh", 0, NULL,
	 moh_update},
	{"DELETE", "/api/v1/moh-classes/{id}", "moh.delete", "moh", 0, NULL,
	 moh_delete},

	{"GET", "/api/v1/conference-rooms", "conference_rooms.list",
	 "conferences", 0, NULL, confrooms_list},
	{"POST", "/api/v1/conference-rooms", "conference_rooms.create",
	 "conferences", TEL, NULL, confrooms_create},
	{"GET", "/api/v1/conference-rooms/{id}", "conference_rooms.get",
	 "conferences", 0, NULL, confrooms_get},
	{"PATCH", "/api/v1/conference-rooms/{id}", "conference_rooms.update",
	 "conferences", TEL, NULL, confrooms_update},
	{"DELETE", "/api/v1/conference-rooms/{id}", "conference_rooms.delete",
	 "conferences", TEL, NULL, confrooms_delete},
	{"GET", "/api/v1/voicemail-boxes", "voicemail_boxes.list",
	 "voicemail", 0, NULL, vmboxes_list},
	{"POST", "/api/v1/voicemail-boxes", "voicemail_boxes.create",
	 "voicemail", TEL, NULL, vmboxes_create},
	{"GET", "/api/v1/voicemail-boxes/{id}", "voicemail_boxes.get",
	 "voicemail", 0, NULL, vmboxes_get},
	{"PATCH", "/api/v1/voicemail-boxes/{id}", "voicemail_boxes.update",
	 "voicemail", TEL, NULL, vmboxes_update},
	{"DELETE", "/api/v1/voicemail-boxes/{id}", "voicemail_boxes.delete",
	 "voicemail", TEL, NULL, vmboxes_delete},
	{"GET", "/api/v1/voicemail-messages", "voicemail_messages.list",
	 "voicemail", 0, NULL, vmmessages_list},
	{"GET", "/api/v1/voicemail-messages/{id}", "voicemail_messages.get",
	 "voicemail", 0, NULL, vmmessages_get},
	{"PATCH", "/api/v1/voicemail-messages/{id}",
	 "voicemail_messages.update", "voicemail", 0, NULL,
	 vmmessages_update},
	{"DELETE", "/api/v1/voicemail-messages/{id}",
	 "voicemail_messages.delete", "voicemail", 0, NULL,
	 vmmessages_delete},
	{"GET", "/api/v1/voicemail-messages/{id}/audio",
	 "voicemail_messages.audio", "voicemail", 0, NULL, vmmessages_audio},

	{"GET", "/api/v1/calls", "calls.list", "calls", 0, NULL, calls_list},
	{"GET", "/api/v1/calls/live", "calls.live", "calls", ROUTE_CONTROL,
	 NULL, NULL},
	{"DELETE", "/api/v1/calls/live/{id}", "calls.hangup", "calls",
	 ROUTE_CONTROL, NULL, NULL},
	{"POST", "/api/v1/calls/live/{id}/recording", "calls.recording",
	 "recordings", ROUTE_CONTROL, NULL, NULL},
	{"POST", "/api/v1/calls/live/{id}/conference", "calls.conference",
	 "conferences", ROUTE_CONTROL, NULL, NULL},
	{"GET", "/api/v1/conference-rooms/{id}/participants",
	 "conference_rooms.participants", "conferences", ROUTE_CONTROL, NULL,
	 NULL},
	{"GET", "/api/v1/calls/{id}", "calls.get", "calls", 0, NULL,
	 calls_get},

	{"GET", "/api/v1/recordings", "recordings.list", "recordings", 0, NULL,
	 recordings_list},
	{"POST", "/api/v1/recordings/cleanup", "recordings.cleanup",
	 "recordings", 0, NULL, recordings_cleanup},
	{"GET", "/api/v1/recordings/{id}", "recordings.get", "recordings", 0,
	 NULL, recordings_get},
	{"DELETE", "/api/v1/recordings/{id}", "recordings.delete",
	 "recordings", 0, NULL, recordings_delete},
	{"GET", "/api/v1/recordings/{id}/audio", "recordings.audio",
	 "recordings", 0, NULL, recordings_audio},
	{"GET", "/api/v1/recording-policy", "recording_policy.get",
	 "recordings", 0, NULL, recording_policy_get},
	{"PUT", "/api/v1/recording-policy", "recording_policy.put",
	 "recordings", TEL, NULL, recording_policy_put},

	{"GET", "/api/v1/tts/settings", "tts.settings_get", "tts", 0, NULL,
	 tts_settings_get},
	{"PUT", "/api/v1/tts/settings", "tts.settings_put", "tts",
	 ROUTE_TELEPHONY, NULL,
	 tts_settings_put},
	{"POST", "/api/v1/tts/preview", "tts.preview", "tts", ROUTE_CONTROL,
	 tts_preview_prepare, NULL},
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* Matches one pattern; a {id} segment captures up to the next '/'. */
static bool pattern_match(const char *pat, const char *path, const char **idp,
			  size_t *idlenp)
{
	while (*pat && *path) {
		if (!strncmp(pat, "{id}", 4)) {
			const char *end = strchr(path, '/');
			size_t len = end ? (size_t)(end - path) : strlen(path);

			if (len == 0)
				return false;
			*idp = path;
			*idlenp = len;
			pat += 4;
			path += len;
			continue;
		}
		if (*pat != *path)
			return false;
		pat++;
		path++;
	}
	return !*pat && !*path;
}

const struct route *route_match(const char *method, const char *path,
				char **idp, bool *method_mismatch)
{
	*method_mismatch = false;
	for (size_t i = 0; i < NROUTES; i++) {
		const char *id = NULL;
		size_t idlen = 0;

		if (!pattern_match(routes[i].pattern, path, &id, &idlen))
			continue;
		if (strcmp(routes[i].method, method)) {
			*method_mismatch = true;
			continue;
		}
		*idp = id ? strndup(id, idlen) : NULL;
		return &routes[i];
	}
	return NULL;
}

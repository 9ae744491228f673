/*
 * test_route.c — routing decisions over a directory built in memory: dial
 * patterns (every token and edge cases), strip/prepend, dial permissions,
 * caller-ID policies and formats, time groups across day boundaries and
 * holidays in Asia/Shanghai and America/New_York, route priority, black/
 * white list precedence, caller-prefix matching, trunks by source, speed
 * dial (short numbers per tenant, feature codes first).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "core/libre.h"
#include "route/route.h"
#include "route/tz.h"
#include "sip/directory.h"

static const char *const TABLES =
	"{\"tenants\": ["
	" {\"id\": \"t1\", \"code\": \"acme\", \"enabled\": 1,"
	"  \"timezone\": \"Asia/Shanghai\", \"max_calls\": 5},"
	" {\"id\": \"t2\", \"code\": \"ny\", \"enabled\": 1,"
	"  \"timezone\": \"America/New_York\"},"
	" {\"id\": \"t3\", \"code\": \"off\", \"enabled\": 0,"
	"  \"timezone\": \"UTC\"}],"
	"\"extensions\": ["
	" {\"id\": \"e1\", \"tenant_id\": \"t1\", \"number\": \"1001\","
	"  \"dial_permission\": \"local\", \"enabled\": 1},"
	" {\"id\": \"e2\", \"tenant_id\": \"t1\", \"number\": \"1002\","
	"  \"dial_permission\": \"international\", \"enabled\": 1},"
	" {\"id\": \"e3\", \"tenant_id\": \"t1\", \"number\": \"1003\","
	"  \"dial_permission\": \"internal\", \"enabled\": 1}],"
	"\"trunks\": ["
	" {\"id\": \"tr1\", \"tenant_id\": \"t1\", \"name\": \"carrier\","
	"  \"type\": \"register\", \"host\": \"192.0.2.10\", \"port\": 5080,"
	"  \"transport\": \"tcp\", \"username\": \"acme\", \"password\": \"pw\","
	"  \"caller_id_format\": \"e164\", \"country_code\": \"86\","
	"  \"max_calls\": 30, \"failover_group\": \"a\", \"enabled\": 1},"
	" {\"id\": \"tr2\", \"tenant_id\": \"t1\", \"name\": \"peer\","
	"  \"type\": \"peer\", \"host\": \"10.1.0.1\", \"port\": 5060,"
	"  \"peer_cidrs\": [\"10.0.0.0/8\"], \"caller_id_format\": \"national\","
	"  \"country_code\": \"86\", \"enabled\": 1},"
	" {\"id\": \"tr3\", \"tenant_id\": \"t2\", \"name\": \"other\","
	"  \"type\": \"peer\", \"host\": \"198.51.100.1\","
	"  \"peer_cidrs\": [\"198.51.100.0/24\"], \"enabled\": 1},"
	" {\"id\": \"tr4\", \"tenant_id\": \"t1\", \"name\": \"off\","
	"  \"type\": \"peer\", \"host\": \"172.16.0.1\","
	"  \"peer_cidrs\": [\"172.16.0.0/12\"], \"enabled\": 0}],"
	"\"numbers\": ["
	" {\"id\": \"n1\", \"tenant_id\": \"t1\", \"number\": \"+861088880000\","
	"  \"trunk_id\": \"tr1\", \"enabled\": 1},"
	" {\"id\": \"n2\", \"tenant_id\": \"t1\", \"number\": \"861088880001\","
	"  \"enabled\": 1},"
	" {\"id\": \"n3\", \"tenant_id\": \"t2\", \"number\": \"+12125550100\","
	"  \"enabled\": 1},"
	" {\"id\": \"n4\", \"tenant_id\": \"t1\", \"number\": \"861088880009\","
	"  \"enabled\": 0},"
	" {\"id\": \"n5\", \"tenant_id\": \"t3\", \"number\": \"4412345\","
	"  \"enabled\": 1}],"
	"\"time_groups\": ["
	" {\"id\": \"tg1\", \"tenant_id\": \"t1\", \"name\": \"office\","
	"  \"rules\": [{\"days\": [1,2,3,4,5], \"start\": \"09:00\","
	"   \"end\": \"18:00\"}],"
	"  \"holidays\": [{\"date\": \"2026-10-01\", \"name\": \"National\"}]},"
	" {\"id\": \"tg2\", \"tenant_id\": \"t1\", \"name\": \"friday night\","
	"  \"rules\": [{\"days\": [5], \"start\": \"22:00\", \"end\": \"06:00\"}]},"
	" {\"id\": \"tg3\", \"tenant_id\": \"t2\", \"name\": \"ny office\","
	"  \"rules\": [{\"days\": [1,2,3,4,5], \"start\": \"09:00\","
	"   \"end\": \"17:00\"}, {\"days\": [5], \"start\": \"20:00\","
	"   \"end\": \"23:00\"}]}],"
	"\"inbound_routes\": ["
	" {\"id\": \"in0\", \"tenant_id\": \"t1\", \"name\": \"off\","
	"  \"priority\": 1, \"destination\": {\"type\": \"hangup\"},"
	"  \"enabled\": 0},"
	" {\"id\": \"in1\", \"tenant_id\": \"t1\", \"name\": \"vip\","
	"  \"priority\": 10, \"number\": \"\", \"caller_prefix\": \"+139\","
	"  \"destination\": {\"type\": \"extension\", \"target\": \"1002\"},"
	"  \"enabled\": 1},"
	" {\"id\": \"in3\", \"tenant_id\": \"t1\", \"name\": \"night\","
	"  \"priority\": 30, \"number\": \"+861088880000\","
	"  \"time_group_id\": \"tg1\", \"time_match\": \"out\","
	"  \"destination\": {\"type\": \"external\","
	"   \"target\": \"13800000000\"}, \"enabled\": 1},"
	" {\"id\": \"in2\", \"tenant_id\": \"t1\", \"name\": \"day\","
	"  \"priority\": 20, \"number\": \"861088880000\","
	"  \"time_group_id\": \"tg1\", \"time_match\": \"in\","
	"  \"destination\": {\"type\": \"ring_group\","
	"   \"target\": [\"1001\", \"1002\"]}, \"enabled\": 1},"
	" {\"id\": \"in4\", \"tenant_id\": \"t1\", \"name\": \"sales\","
	"  \"priority\": 40, \"number\": \"861088880001\","
	"  \"time_group_id\": \"tg1\", \"time_match\": \"in\","
	"  \"destination\": {\"type\": \"extension\", \"target\": \"1001\"},"
	"  \"enabled\": 1},"
	" {\"id\": \"in6\", \"tenant_id\": \"t2\", \"name\": \"ny\","
	"  \"priority\": 10, \"number\": \"12125550100\","
	"  \"time_group_id\": \"tg3\", \"time_match\": \"in\","
	"  \"destination\": {\"type\": \"queue\", \"target\": \"q1\"},"
	"  \"enabled\": 1}],"
	"\"outbound_routes\": ["
	" {\"id\": \"o4\", \"tenant_id\": \"t1\", \"name\": \"disabled\","
	"  \"priority\": 5, \"patterns\": [\"X.\"], \"trunk_ids\": [\"tr1\"],"
	"  \"dial_permission\": \"internal\", \"enabled\": 0},"
	" {\"id\": \"o1\", \"tenant_id\": \"t1\", \"name\": \"local\","
	"  \"priority\": 10, \"patterns\": [\"_9NXXXXXXX\"], \"strip\": 1,"
	"  \"caller_id_policy\": \"fixed\", \"caller_id_number\": \"01088880000\","
	"  \"trunk_ids\": [\"tr1\", \"tr4\", \"tr3\", \"missing\", \"tr2\"],"
	"  \"dial_permission\": \"local\", \"enabled\": 1},"
	" {\"id\": \"o2\", \"tenant_id\": \"t1\", \"name\": \"national\","
	"  \"priority\": 20, \"patterns\": [\"0[1-9]XXXXXXXXX\","
	"   \"1[3-9]XXXXXXXXX\"], \"prepend\": \"\","
	"  \"caller_id_policy\": \"same_area\","
	"  \"caller_id_pool\": [\"02188880000\", \"01088880000\"],"
	"  \"trunk_ids\": [\"tr2\"], \"dial_permission\": \"long_distance\","
	"  \"enabled\": 1},"
	" {\"id\": \"o3\", \"tenant_id\": \"t1\", \"name\": \"intl\","
	"  \"priority\": 30, \"patterns\": [\"00.\"], \"strip\": 2,"
	"  \"prepend\": \"+\", \"caller_id_policy\": \"pool_random\","
	"  \"caller_id_pool\": [\"+861088880000\", \"+861088880001\"],"
	"  \"caller_id_choice\": 1,"
	"  \"trunk_ids\": [\"tr1\"], \"dial_permission\": \"international\","
	"  \"enabled\": 1},"
	" {\"id\": \"o5\", \"tenant_id\": \"t1\", \"name\": \"rest\","
	"  \"priority\": 40, \"patterns\": [\"X.\"], \"trunk_ids\": [\"tr3\"],"
	"  \"dial_permission\": \"internal\", \"enabled\": 1}],"
	"\"number_lists\": ["
	" {\"id\": \"l1\", \"tenant_id\": \"t1\", \"name\": \"spam\","
	"  \"direction\": \"inbound\", \"type\": \"black\","
	"  \"entries\": [\"13900000000\", \"400*\"], \"enabled\": 1},"
	" {\"id\": \"l2\", \"tenant_id\": \"t1\", \"name\": \"partners\","
	"  \"direction\": \"inbound\", \"type\": \"white\","
	"  \"entries\": [\"+4001234567\"], \"enabled\": 1},"
	" {\"id\": \"l3\", \"tenant_id\": \"t1\", \"name\": \"no\","
	"  \"direction\": \"outbound\", \"type\": \"black\","
	"  \"entries\": [\"110\", \"1380013*\"], \"enabled\": 1},"
	" {\"id\": \"l4\", \"tenant_id\": \"t1\", \"name\": \"yes\","
	"  \"direction\": \"outbound\", \"type\": \"white\","
	"  \"entries\": [\"13800138000\"], \"enabled\": 1},"
	" {\"id\": \"l5\", \"tenant_id\": \"t1\", \"name\": \"unused\","
	"  \"direction\": \"inbound\", \"type\": \"black\","
	"  \"entries\": [\"13700000000\"], \"enabled\": 0}],"
	"\"speed_dials\": ["
	" {\"tenant_id\": \"t1\", \"short_number\": \"9\","
	"  \"number\": \"13800000000\"},"
	" {\"tenant_id\": \"t1\", \"short_number\": \"12\","
	"  \"number\": \"1002\"},"
	" {\"tenant_id\": \"t1\", \"short_number\": \"123456\","
	"  \"number\": \"+861088880000\"},"
	" {\"tenant_id\": \"t2\", \"short_number\": \"1\","
	"  \"number\": \"+12125550100\"},"
	" {\"tenant_id\": \"t1\", \"short_number\": \"81\","
	"  \"number\": \"1001\"}]}";

static struct directory *dir;

static int setup(void **state)
{
	json_error_t jerr;
	json_t *tables = json_loads(TABLES, 0, &jerr);
	int err;

	(void)state;
	if (!tables) {
		print_error("test tables: %s (line %d)\n", jerr.text, jerr.line);
		return -1;
	}
	err = directory_from_json(&dir, tables);
	json_decref(tables);
	return err ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	directory_free(dir);
	return 0;
}

/* UTC time in ms. */
static int64_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
			.tm_hour = h, .tm_min = mi};

	return (int64_t)timegm(&tm) * 1000;
}

static const struct dir_extension *ext(const char *number)
{
	struct pl pl;

	pl_set_str(&pl, number);
	return directory_extension(dir, "t1", &pl);
}

static void patterns(void **state)
{
	(void)state;
	assert_true(dial_pattern_match("X", "0"));
	assert_true(dial_pattern_match("X", "9"));
	assert_false(dial_pattern_match("X", "*"));
	assert_false(dial_pattern_match("X", ""));
	assert_false(dial_pattern_match("X", "12"));
	assert_true(dial_pattern_match("Z", "1"));
	assert_false(dial_pattern_match("Z", "0"));
	assert_true(dial_pattern_match("N", "2"));
	assert_false(dial_pattern_match("N", "1"));
	assert_true(dial_pattern_match("n", "9"));
	assert_true(dial_pattern_match("[1-5]", "3"));
	assert_false(dial_pattern_match("[1-5]", "6"));
	assert_true(dial_pattern_match("[135]", "5"));
	assert_false(dial_pattern_match("[135]", "4"));
	assert_true(dial_pattern_match("[1-3,7]X", "70"));
	/* '.' is one or more: "X." needs two characters */
	assert_false(dial_pattern_match("X.", "1"));
	assert_true(dial_pattern_match("X.", "12"));
	assert_true(dial_pattern_match("X.", "12345"));
	assert_false(dial_pattern_match("X.", ""));
	assert_true(dial_pattern_match("0.", "0123"));
	assert_false(dial_pattern_match("0.", "0"));
	assert_true(dial_pattern_match("9!", "9"));
	assert_true(dial_pattern_match("9!", "9123"));
	assert_true(dial_pattern_match("_9NXXXXXXX", "923456789"));
	assert_false(dial_pattern_match("_9NXXXXXXX", "913456789"));
	assert_false(dial_pattern_match("_9NXXXXXXX", "9234567890"));
	assert_true(dial_pattern_match("1[3-9]XXXXXXXXX", "13812345678"));
	assert_false(dial_pattern_match("1[3-9]XXXXXXXXX", "12812345678"));
	assert_true(dial_pattern_match("*8", "*8"));
	assert_true(dial_pattern_match("+X.", "+8613800000000"));
	assert_true(dial_pattern_match("0.5", "0125"));
	assert_false(dial_pattern_match("0.5", "05"));
	assert_false(dial_pattern_match("X", NULL));
	assert_false(dial_pattern_match("[1-5", "3"));

	assert_null(dial_pattern_error("_X."));
	assert_null(dial_pattern_error("[1-5]XXX"));
	assert_non_null(dial_pattern_error(""));
	assert_non_null(dial_pattern_error("_"));
	assert_non_null(dial_pattern_error("[1-5"));
	assert_non_null(dial_pattern_error("[]"));
	assert_non_null(dial_pattern_error("[5-1]"));
	assert_non_null(dial_pattern_error("[a]"));
	assert_non_null(dial_pattern_error("9Y"));
	assert_non_null(dial_pattern_error(
		"XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"));
}

static void zones(void **state)
{
	struct tz *sh = NULL, *ny = NULL;
	struct tz_civil c;

	(void)state;
	assert_int_equal(tz_load(&sh, "Asia/Shanghai"), 0);
	assert_int_equal(tz_load(&ny, "America/New_York"), 0);
	assert_int_not_equal(tz_load(&ny, "../etc/passwd"), 0);
	assert_int_equal(tz_offset(sh, utc(2026, 7, 1, 0, 0) / 1000), 28800);
	assert_int_equal(tz_offset(ny, utc(2026, 7, 1, 0, 0) / 1000), -14400);
	assert_int_equal(tz_offset(ny, utc(2026, 12, 1, 0, 0) / 1000), -18000);
	/* DST starts 2026-03-08 07:00 UTC */
	assert_int_equal(tz_offset(ny, utc(2026, 3, 8, 6, 59) / 1000), -18000);
	assert_int_equal(tz_offset(ny, utc(2026, 3, 8, 7, 0) / 1000), -14400);
	assert_int_equal(tz_offset(NULL, 0), 0);
	tz_civil(utc(2026, 9, 30, 16, 30) / 1000, 28800, &c);
	assert_int_equal(c.year, 2026);
	assert_int_equal(c.month, 10);
	assert_int_equal(c.day, 1);
	assert_int_equal(c.wday, 4);          /* Thursday */
	assert_int_equal(c.minute, 30);
	tz_civil(utc(2024, 2, 29, 23, 0) / 1000, -18000, &c);
	assert_int_equal(c.day, 29);
	assert_int_equal(c.wday, 4);
	assert_int_equal(c.minute, 18 * 60);
	tz_free(sh);
	tz_free(ny);
}

static void time_groups(void **state)
{
	const struct dir_time_group *office = directory_time_group(dir, "tg1");
	const struct dir_time_group *night = directory_time_group(dir, "tg2");
	const struct dir_time_group *nyg = directory_time_group(dir, "tg3");
	const struct tz *sh = directory_tenant(dir, "t1")->tz;
	const struct tz *ny = directory_tenant(dir, "t2")->tz;

	(void)state;
	assert_non_null(office);
	assert_non_null(sh);
	/* Wed 2026-09-30 09:30 / 18:30 Shanghai */
	assert_true(time_group_active(office, sh, utc(2026, 9, 30, 1, 30)));
	assert_false(time_group_active(office, sh, utc(2026, 9, 30, 10, 30)));
	/* 09:00 is open, 18:00 is closed */
	assert_true(time_group_active(office, sh, utc(2026, 9, 30, 1, 0)));
	assert_false(time_group_active(office, sh, utc(2026, 9, 30, 10, 0)));
	/* the UTC day is still Wednesday, the local one a holiday */
	assert_false(time_group_active(office, sh, utc(2026, 10, 1, 2, 0)));
	/* Friday after the holiday; Saturday */
	assert_true(time_group_active(office, sh, utc(2026, 10, 2, 2, 0)));
	assert_false(time_group_active(office, sh, utc(2026, 10, 3, 2, 0)));
	/* Friday 22:00-06:00 runs into Saturday */
	assert_false(time_group_active(night, sh, utc(2026, 10, 2, 13, 0)));
	assert_true(time_group_active(night, sh, utc(2026, 10, 2, 15, 0)));
	assert_true(time_group_active(night, sh, utc(2026, 10, 2, 21, 59)));
	assert_false(time_group_active(night, sh, utc(2026, 10, 2, 22, 0)));
	assert_false(time_group_active(night, sh, utc(2026, 10, 3, 15, 0)));
	/* New York, summer (EDT) and winter (EST) */
	assert_true(time_group_active(nyg, ny, utc(2026, 7, 1, 13, 0)));
	assert_false(time_group_active(nyg, ny, utc(2026, 7, 1, 12, 59)));
	assert_false(time_group_active(nyg, ny, utc(2026, 12, 1, 13, 30)));
	assert_true(time_group_active(nyg, ny, utc(2026, 12, 1, 14, 30)));
	/* Friday 22:00 EDT is Saturday 02:00 UTC */
	assert_true(time_group_active(nyg, ny, utc(2026, 7, 4, 2, 0)));
	assert_false(time_group_active(nyg, ny, utc(2026, 7, 4, 3, 0)));
	assert_false(time_group_active(NULL, ny, 0));
}

static void inbound(void **state)
{
	struct inbound_decision d;
	int64_t wed_day = utc(2026, 9, 30, 1, 30), wed_eve = utc(2026, 9, 30,
								  10, 30);
	int64_t holiday = utc(2026, 10, 1, 2, 0);

	(void)state;
	/* caller prefix, before the time routes; the disabled one skipped */
	assert_int_equal(route_inbound(dir, "+861088880000", "+13912345678",
				       NULL, wed_eve, &d), 0);
	assert_int_equal(d.refusal.code, 0);
	assert_string_equal(d.route_id, "in1");
	assert_string_equal(d.tenant_id, "t1");
	assert_string_equal(d.number_id, "n1");
	assert_int_equal(d.dest, DEST_EXTENSION);
	assert_int_equal(d.ntargets, 1);
	assert_string_equal(d.targets[0], "1002");
	/* open: ring group; closed and holiday: external */
	route_inbound(dir, "861088880000", "13700000000", NULL, wed_day, &d);
	assert_string_equal(d.route_name, "day");
	assert_int_equal(d.dest, DEST_RING_GROUP);
	assert_int_equal(d.ntargets, 2);
	assert_string_equal(d.targets[1], "1002");
	route_inbound(dir, "861088880000", "13700000000", NULL, wed_eve, &d);
	assert_string_equal(d.route_id, "in3");
	assert_int_equal(d.dest, DEST_EXTERNAL);
	assert_string_equal(d.targets[0], "13800000000");
	route_inbound(dir, "861088880000", "13700000000", NULL, holiday, &d);
	assert_string_equal(d.route_id, "in3");
	/* only a time route: closed */
	route_inbound(dir, "861088880001", "13700000000", NULL, wed_eve, &d);
	assert_int_equal(d.refusal.code, 480);
	assert_string_equal(d.refusal.end_status, "closed");
	route_inbound(dir, "+861088880001", "", NULL, wed_day, &d);
	assert_int_equal(d.refusal.code, 0);
	assert_string_equal(d.route_id, "in4");
	/* black list beats the route, white list beats the black list */
	route_inbound(dir, "861088880000", "13900000000", NULL, wed_day, &d);
	assert_int_equal(d.refusal.code, 603);
	assert_string_equal(d.refusal.end_status, "blacklisted");
	route_inbound(dir, "861088880000", "4005556666", NULL, wed_day, &d);
	assert_int_equal(d.refusal.code, 603);
	route_inbound(dir, "861088880000", "4001234567", NULL, wed_day, &d);
	assert_int_equal(d.refusal.code, 0);
	/* a disabled list does nothing */
	route_inbound(dir, "861088880000", "13700000000", NULL, wed_day, &d);
	assert_int_equal(d.refusal.code, 0);
	/* unknown, disabled numbers; tenant disabled */
	route_inbound(dir, "999", "1", NULL, wed_day, &d);
	assert_int_equal(d.refusal.code, 404);
	assert_string_equal(d.refusal.end_status, "no_route");
	route_inbound(dir, "861088880009", "1", NULL, wed_day, &d);
	assert_int_equal(d.refusal.code, 404);
	route_inbound(dir, "4412345", "1", NULL, wed_day, &d);
	assert_int_equal(d.refusal.code, 403);
	/* trunks: n1 only via tr1; n2 via any trunk of its tenant */
	route_inbound(dir, "861088880000", "1", "tr2", wed_day, &d);
	assert_int_equal(d.refusal.code, 404);
	route_inbound(dir, "861088880000", "1", "tr1", wed_day, &d);
	assert_int_equal(d.refusal.code, 0);
	route_inbound(dir, "861088880001", "1", "tr2", wed_day, &d);
	assert_int_equal(d.refusal.code, 0);
	route_inbound(dir, "861088880001", "1", "tr3", wed_day, &d);
	assert_int_equal(d.refusal.code, 404);
	/* New York tenant, its own zone */
	route_inbound(dir, "+12125550100", "1", NULL, utc(2026, 7, 1, 13, 30),
		      &d);
	assert_int_equal(d.refusal.code, 0);
	assert_int_equal(d.dest, DEST_QUEUE);
	assert_string_equal(d.targets[0], "q1");
	route_inbound(dir, "+12125550100", "1", NULL, utc(2026, 7, 1, 12, 30),
		      &d);
	assert_int_equal(d.refusal.code, 480);
	assert_int_equal(route_inbound(NULL, "1", "2", NULL, 0, &d), EINVAL);
}

static void outbound(void **state)
{
	struct outbound_decision d;

	(void)state;
	/* strip 1, fixed caller ID; trunks: disabled, foreign, unknown
	   skipped; per-trunk caller-ID formats */
	assert_int_equal(route_outbound(dir, ext("1001"), "923456789", NULL, 0, &d),
			 0);
	assert_int_equal(d.refusal.code, 0);
	assert_string_equal(d.route_id, "o1");
	assert_string_equal(d.dialed, "23456789");
	assert_string_equal(d.caller_id, "01088880000");
	assert_int_equal(d.ntrunks, 2);
	assert_string_equal(d.trunks[0].id, "tr1");
	assert_string_equal(d.trunks[0].host, "192.0.2.10");
	assert_int_equal(d.trunks[0].port, 5080);
	assert_string_equal(d.trunks[0].transport, "tcp");
	assert_string_equal(d.trunks[0].auth_username, "acme");
	assert_string_equal(d.trunks[0].password, "pw");
	assert_string_equal(d.trunks[0].caller_id, "+861088880000");
	assert_int_equal(d.trunks[0].max_calls, 30);
	assert_string_equal(d.trunks[1].id, "tr2");
	assert_string_equal(d.trunks[1].caller_id, "01088880000");
	/* permission: local may not call long distance */
	route_outbound(dir, ext("1001"), "01088886666", NULL, 0, &d);
	assert_int_equal(d.refusal.code, 403);
	assert_string_equal(d.refusal.end_status, "permission_denied");
	/* same area */
	route_outbound(dir, ext("1002"), "01088886666", NULL, 0, &d);
	assert_int_equal(d.refusal.code, 0);
	assert_string_equal(d.route_id, "o2");
	assert_string_equal(d.caller_id, "01088880000");
	route_outbound(dir, ext("1002"), "02155556666", NULL, 0, &d);
	assert_string_equal(d.caller_id, "02188880000");
	route_outbound(dir, ext("1002"), "07551234567", NULL, 0, &d);
	assert_string_equal(d.caller_id, "02188880000");
	/* international: strip "00", prepend "+", random pool number */
	route_outbound(dir, ext("1002"), "0044123456", NULL, 0, &d);
	assert_int_equal(d.refusal.code, 0);
	assert_string_equal(d.dialed, "+44123456");
	assert_true(!strcmp(d.caller_id, "+861088880000") ||
		    !strcmp(d.caller_id, "+861088880001"));
	assert_string_equal(d.trunks[0].caller_id, d.caller_id);
	route_outbound(dir, ext("1001"), "0044123456", NULL, 0, &d);
	assert_int_equal(d.refusal.code, 403);
	/* the caller's own choice: in the pool of a route that allows it
	   ("+" or not), else refused; "" is the policy's */
	route_outbound(dir, ext("1002"), "0044123456", "861088880001", 0, &d);
	assert_int_equal(d.refusal.code, 0);
	assert_string_equal(d.caller_id, "+861088880001");   /* as pooled */
	assert_string_equal(d.trunks[0].caller_id, "+861088880001");
	route_outbound(dir, ext("1002"), "0044123456", "+861088880000", 0, &d);
	assert_string_equal(d.caller_id, "+861088880000");
	route_outbound(dir, ext("1002"), "0044123456", "02188880000", 0, &d);
	assert_int_equal(d.refusal.code, 403);
	assert_string_equal(d.refusal.end_status, "caller_id_not_allowed");
	route_outbound(dir, ext("1002"), "01088886666", "01088880000", 0, &d);
	assert_int_equal(d.refusal.code, 403);    /* o2: no choice there */
	assert_string_equal(d.refusal.end_status, "caller_id_not_allowed");
	route_outbound(dir, ext("1002"), "01088886666", "", 0, &d);
	assert_int_equal(d.refusal.code, 0);
	/* lists: black, black prefix, white beats black */
	route_outbound(dir, ext("1002"), "110", NULL, 0, &d);
	assert_int_equal(d.refusal.code, 403);
	assert_string_equal(d.refusal.end_status, "blacklisted");
	route_outbound(dir, ext("1002"), "13800139999", NULL, 0, &d);
	assert_string_equal(d.refusal.end_status, "blacklisted");
	route_outbound(dir, ext("1002"), "13800138000", NULL, 0, &d);
	assert_int_equal(d.refusal.code, 0);
	assert_string_equal(d.route_id, "o2");
	/* no route; a route whose trunks are all unusable */
	route_outbound(dir, ext("1003"), "*123", NULL, 0, &d);
	assert_int_equal(d.refusal.code, 404);
	assert_string_equal(d.refusal.end_status, "no_route");
	route_outbound(dir, ext("1003"), "55", NULL, 0, &d);
	assert_int_equal(d.refusal.code, 503);
	assert_string_equal(d.refusal.end_status, "no_trunk");
	/* internal may not use a local route */
	route_outbound(dir, ext("1003"), "923456789", NULL, 0, &d);
	assert_string_equal(d.refusal.end_status, "permission_denied");
	assert_int_equal(route_outbound(dir, NULL, "1", NULL, 0, &d), EINVAL);
}

static void formats(void **state)
{
	char out[40];

	(void)state;
	route_format_number(CID_AS_IS, "86", "01088880000", out, sizeof(out));
	assert_string_equal(out, "01088880000");
	route_format_number(CID_E164, "86", "01088880000", out, sizeof(out));
	assert_string_equal(out, "+861088880000");
	route_format_number(CID_E164, "86", "13800000000", out, sizeof(out));
	assert_string_equal(out, "+8613800000000");
	route_format_number(CID_E164, "86", "+12125550100", out, sizeof(out));
	assert_string_equal(out, "+12125550100");
	route_format_number(CID_E164, "", "0012125550100", out, sizeof(out));
	assert_string_equal(out, "+12125550100");
	route_format_number(CID_NATIONAL, "86", "+8613800000000", out,
			    sizeof(out));
	assert_string_equal(out, "13800000000");
	route_format_number(CID_NATIONAL, "86", "+12125550100", out,
			    sizeof(out));
	assert_string_equal(out, "0012125550100");
	route_format_number(CID_NATIONAL, "86", "", out, sizeof(out));
	assert_string_equal(out, "");
}

static void lookups(void **state)
{
	struct sa src;
	size_t n;
	const struct dir_trunk *t;

	(void)state;
	sa_set_str(&src, "10.9.8.7", 5060);
	t = directory_trunk_for_source(dir, &src);
	assert_non_null(t);
	assert_string_equal(t->id, "tr2");
	sa_set_str(&src, "192.0.2.10", 5060);
	assert_string_equal(directory_trunk_for_source(dir, &src)->id, "tr1");
	sa_set_str(&src, "172.16.1.1", 5060);   /* disabled trunk */
	assert_null(directory_trunk_for_source(dir, &src));
	sa_set_str(&src, "203.0.113.1", 5060);
	assert_null(directory_trunk_for_source(dir, &src));
	assert_string_equal(directory_number(dir, "+861088880001")->id, "n2");
	assert_null(directory_number(dir, "+8610"));
	assert_null(directory_trunk(dir, "nope"));
	directory_trunks(dir, &n);
	assert_int_equal(n, 4);
	directory_tenant_numbers(dir, "t1", &n);
	assert_int_equal(n, 3);
	directory_inroutes(dir, "t2", &n);
	assert_int_equal(n, 1);
	directory_outroutes(dir, "nobody", &n);
	assert_int_equal(n, 0);
	assert_int_equal(directory_tenant(dir, "t1")->max_calls, 5);
	assert_non_null(directory_tenant(dir, "t3")->tz);
}

static void speed_dials(void **state)
{
	char num[33] = "x";

	(void)state;
	assert_string_equal(directory_speed_dial(dir, "t1", "12")->number,
			    "1002");
	assert_string_equal(directory_speed_dial(dir, "t1", "9")->number,
			    "13800000000");
	assert_null(directory_speed_dial(dir, "t2", "12"));  /* per tenant */
	assert_null(directory_speed_dial(dir, "t1", "1234567"));

	assert_true(route_speed_dial(dir, "t1", "*123456", num, sizeof(num)));
	assert_string_equal(num, "+861088880000");
	assert_true(route_speed_dial(dir, "t2", "*1", num, sizeof(num)));
	assert_string_equal(num, "+12125550100");
	/* '*' + 1-6 digits unknown to the tenant: a speed dial to nowhere */
	assert_true(route_speed_dial(dir, "t1", "*1", num, sizeof(num)));
	assert_string_equal(num, "");
	assert_true(route_speed_dial(dir, "t2", "*12", num, sizeof(num)));
	assert_string_equal(num, "");
	/* not the speed-dial namespace: routed as dialled */
	assert_false(route_speed_dial(dir, "t1", "12", num, sizeof(num)));
	assert_false(route_speed_dial(dir, "t1", "*", num, sizeof(num)));
	assert_false(route_speed_dial(dir, "t1", "*1234567", num,
				      sizeof(num)));
	assert_false(route_speed_dial(dir, "t1", "*12#", num, sizeof(num)));
	assert_false(route_speed_dial(dir, "t1", "*+12", num, sizeof(num)));
	/* feature codes win, even over a stored short number */
	assert_false(route_speed_dial(dir, "t1", "*81", num, sizeof(num)));
	assert_false(route_speed_dial(dir, "t1", "*8", num, sizeof(num)));
	assert_false(route_speed_dial(dir, "t1", "*8411001", num,
				      sizeof(num)));
	assert_false(route_speed_dial(dir, "t1", "*853", num, sizeof(num)));

	assert_true(route_short_number_reserved("8"));
	assert_true(route_short_number_reserved("88"));
	assert_true(route_short_number_reserved("841"));
	assert_true(route_short_number_reserved("84399"));
	assert_true(route_short_number_reserved("852"));
	assert_false(route_short_number_reserved("84"));
	assert_false(route_short_number_reserved("85"));
	assert_false(route_short_number_reserved("89"));
	assert_false(route_short_number_reserved("854"));
	assert_false(route_short_number_reserved("8100"));
	assert_false(route_short_number_reserved("1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(patterns),
		cmocka_unit_test(zones),
		cmocka_unit_test(time_groups),
		cmocka_unit_test(inbound),
		cmocka_unit_test(outbound),
		cmocka_unit_test(formats),
		cmocka_unit_test(lookups),
		cmocka_unit_test(speed_dials),
	};

	return cmocka_run_group_tests_name("route", tests, setup, teardown);
}

/*
 * libre.h — all of libre's headers, once. libre's own headers have no
 * include guards, and its umbrella <re.h> brings re_json.h, whose names
 * clash with jansson's; include this instead of any <re*.h>.
 */
#ifndef HOTLINE_LIBRE_H
#define HOTLINE_LIBRE_H

#include <re_types.h>
#include <re_fmt.h>
#include <re_mbuf.h>
#include <re_msg.h>
#include <re_list.h>
#include <re_sa.h>
#include <re_aes.h>
#include <re_base64.h>
#include <re_conf.h>
#include <re_crc32.h>
#include <re_dns.h>
#include <re_hash.h>
#include <re_hmac.h>
#include <re_http.h>
#include <re_httpauth.h>
#include <re_jbuf.h>
#include <re_lock.h>
#include <re_main.h>
#include <re_md5.h>
#include <re_mem.h>
#include <re_mqueue.h>
#include <re_net.h>
#include <re_rtp.h>
#include <re_sdp.h>
#include <re_uri.h>
#include <re_sip.h>
#include <re_sipevent.h>
#include <re_sipreg.h>
#include <re_sipsess.h>
#include <re_stun.h>
#include <re_srtp.h>
#include <re_sys.h>
#include <re_tcp.h>
#include <re_telev.h>
#include <re_tmr.h>
#include <re_tls.h>
#include <re_udp.h>
#include <re_websock.h>

#endif

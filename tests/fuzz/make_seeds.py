#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_sip under tests/fuzz/corpus/: normal
REGISTER / INVITE / OPTIONS / BYE / CANCEL traffic (some authenticated with
the $NONCE$ / $RESP$ placeholders that fuzz_sip.c fills in) and messages
modelled on RFC 4475 (SIP torture test messages), valid and invalid.
Run again after editing; the files are committed."""
import pathlib

OUT = pathlib.Path(__file__).resolve().parent / "corpus"

V = "Via: SIP/2.0/UDP 127.0.0.1:5999;rport;branch=z9hG4bK"


def msg(lines, body=""):
    text = "\r\n".join(lines) + "\r\n\r\n" + body
    return text.encode("latin-1") if isinstance(text, str) else text


def req(method, ruri, *extra, cseq=None, body="", fromu="1001", tou=None, ctype=None,
        clen=None, branch="seed1"):
    tou = tou or fromu
    h = [f"{method} {ruri} SIP/2.0", V + branch, "Max-Forwards: 70",
         f"From: <sip:{fromu}@demo>;tag=ft1", f"To: <sip:{tou}@demo>",
         f"Call-ID: seed-{method.lower()}-{branch}@127.0.0.1",
         f"CSeq: {cseq or 1} {method}"]
    h += list(extra)
    if ctype:
        h.append(f"Content-Type: {ctype}")
    h.append(f"Content-Length: {len(body.encode()) if clen is None else clen}")
    return msg(h, body)


SDP = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       "m=audio 6000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
       "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=sendrecv\r\n")


def auth(user, uri, hdr="Authorization", alg=None, qop=True):
    a = (f'{hdr}: Digest username="{user}", realm="demo", nonce="$NONCE$", '
         f'uri="{uri}", response="$RESP$"')
    if alg:
        a += f", algorithm={alg}"
    if qop:
        a += ', qop=auth, nc=00000001, cnonce="0a4f113b"'
    return a


S = {}
# ---- normal traffic
S["options"] = req("OPTIONS", "sip:demo", "Accept: application/sdp")
S["register_noauth"] = req("REGISTER", "sip:demo", "Contact: <sip:1001@127.0.0.1:5999>",
                           "Expires: 300")
S["register_auth_1001"] = req("REGISTER", "sip:demo", "Contact: <sip:1001@127.0.0.1:5999>",
                              auth("1001", "sip:demo"), "Expires: 300", cseq=2)
S["register_auth_1002"] = req("REGISTER", "sip:demo", "Contact: <sip:1002@127.0.0.1:5998>;expires=60",
                              auth("1002", "sip:demo", qop=False), fromu="1002", cseq=2)
S["register_auth_sha256"] = req("REGISTER", "sip:demo", "Contact: <sip:1001@127.0.0.1:5999>",
                                auth("1001", "sip:demo", alg="SHA-256"), cseq=3)
S["register_unregister_star"] = req("REGISTER", "sip:demo", "Contact: *",
                                    auth("1001", "sip:demo"), "Expires: 0", cseq=4)
S["register_query"] = req("REGISTER", "sip:demo", auth("1001", "sip:demo"), cseq=5)
S["register_multi_contact"] = req(
    "REGISTER", "sip:demo",
    'Contact: "A" <sip:1001@127.0.0.1:5999;transport=udp>;q=0.7;expires=120, <sip:1001@127.0.0.2:5999>',
    "Contact: <sip:1001@[::1]:5999>", auth("1001", "sip:demo"), cseq=6)
S["register_unknown_user"] = req("REGISTER", "sip:demo", "Contact: <sip:9999@127.0.0.1:5999>",
                                 fromu="9999")
S["register_bad_auth"] = req("REGISTER", "sip:demo", "Contact: <sip:1001@127.0.0.1:5999>",
                             'Authorization: Digest username="1001", realm="demo", nonce="00", '
                             'uri="sip:demo", response="0123456789abcdef0123456789abcdef"')
S["invite_noauth"] = req("INVITE", "sip:1002@demo", "Contact: <sip:1001@127.0.0.1:5999>",
                         tou="1002", ctype="application/sdp", body=SDP)
S["invite_auth"] = req("INVITE", "sip:1002@demo", "Contact: <sip:1001@127.0.0.1:5999>",
                       auth("1001", "sip:1002@demo", hdr="Proxy-Authorization"), tou="1002",
                       cseq=2, ctype="application/sdp", body=SDP, branch="inv2")
S["invite_auth_nosdp"] = req("INVITE", "sip:1002@demo", "Contact: <sip:1001@127.0.0.1:5999>",
                             auth("1001", "sip:1002@demo", hdr="Proxy-Authorization"),
                             tou="1002", cseq=2, branch="inv3")
S["invite_auth_unknown_callee"] = req("INVITE", "sip:5555@demo",
                                      "Contact: <sip:1001@127.0.0.1:5999>",
                                      auth("1001", "sip:5555@demo", hdr="Proxy-Authorization"),
                                      tou="5555", cseq=2, ctype="application/sdp", body=SDP,
                                      branch="inv4")
S["ack"] = req("ACK", "sip:1002@demo", tou="1002")
S["bye_no_dialog"] = req("BYE", "sip:1002@127.0.0.1", tou="1002")
S["cancel_no_tx"] = req("CANCEL", "sip:1002@demo", tou="1002", branch="inv2")
S["info_dtmf"] = req("INFO", "sip:1002@demo", tou="1002", ctype="application/dtmf-relay",
                     body="Signal=5\r\nDuration=160\r\n")
S["refer"] = req("REFER", "sip:1002@demo", "Refer-To: <sip:1003@demo>", tou="1002")
S["subscribe"] = req("SUBSCRIBE", "sip:1002@demo", "Event: presence", "Expires: 60", tou="1002")
S["message"] = req("MESSAGE", "sip:1002@demo", tou="1002", ctype="text/plain", body="hello")
S["unknown_method"] = req("FOO", "sip:1002@demo", tou="1002")
S["response_200"] = msg([f"SIP/2.0 200 OK", V + "resp", "From: <sip:1001@demo>;tag=a",
                         "To: <sip:1002@demo>;tag=b", "Call-ID: nothing@x", "CSeq: 1 INVITE",
                         "Content-Length: 0"])

# ---- RFC 4475 §3.1.1 valid messages (modelled on the RFC's examples)
S["4475_wsinv"] = (
    "INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0\r\n"
    "TO :\r\n sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n\r\n"
    "from   : \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n  ;\r\n  tag = 98asjd8\r\n"
    "MaX-fOrWaRdS: 0068\r\nCall-ID: wsinv.ndaksdj@192.0.2.1\r\nContent-Length   : 150\r\n"
    "cseq: 0009\r\n  INVITE\r\n"
    "Via  : SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;rport;branch=390skdjuw\r\n"
    "s :\r\nNewFangledHeader:   newfangled value\r\n continued newfangled value\r\n"
    "UnknownHeaderWithUnusualValue: ;;,,;;,;\r\nContent-Type: application/sdp\r\n"
    "Route:\r\n <sip:services.example.com;lr;unknownwith=value;unknown-no-value>\r\n"
    "v:  SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   z9hG4bK9ikj8  ,\r\n"
    " SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n z9hG4bK30239\r\n"
    "m:\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =\r\n"
    "      newvalue ;\r\n  secondparam ; q = 0.33\r\n\r\n"
    "v=0\r\no=mhandley 29739 7272939 IN IP4 192.0.2.3\r\ns=-\r\nc=IN IP4 192.0.2.4\r\n"
    "t=0 0\r\nm=audio 49217 RTP/AVP 0 12\r\nm=video 3227 RTP/AVP 31\r\na=rtpmap:31 LPC\r\n").encode()
S["4475_intmeth"] = (
    "!interesting-Method0123456789_*+`.%indeed'~ sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5999;rport;branch=z9hG4bK-.!%66*_+`'~\r\n"
    "To: \"BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f\" <sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com>\r\n"
    "From: token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%=\"\xd1\x80\xd0\xb0\xd0\xb1\xd0\xbe\xd1\x82\xd0\xb0\xd1\x8e\xd1\x89\xd0\xb8\xd0\xb9\";tag=_token~1'+`*%!-.\r\n"
    "Call-ID: intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{\r\n"
    "CSeq: 139122385 !interesting-Method0123456789_*+`.%indeed'~\r\nMax-Forwards: 255\r\n"
    "extensionHeader-!.%*+_`'~:\xef\xbb\xbf\xe5\xa4\xa7\xe5\x81\x9c\xe9\x9b\xbb\r\nContent-Length: 0\r\n\r\n").encode("latin-1")
S["4475_esc01"] = req("INVITE", "sip:sips%3Auser%40example.com@example.net", tou="sips%3Auser%40example.com",
                      ctype="application/sdp", body=SDP)
S["4475_escnull"] = req("REGISTER", "sip:example.com", "Contact: <sip:%00@host5.example.com>",
                        "Contact: <sip:%00%00@host5.example.com>", fromu="null-%00-null")
S["4475_esc02"] = req("RE%47IST%45R", "sip:registrar.example.com",
                      "Contact: <sip:%D8%00@192.0.2.1>")
S["4475_lwsdisp"] = msg(["OPTIONS sip:user@example.com SIP/2.0", V + "lwsdisp",
                         "To: sip:user@example.com", "From: caller<sip:caller@example.com>;tag=323",
                         "Max-Forwards: 70", "Call-ID: lwsdisp.1234abcd@funky.example.com",
                         "CSeq: 60 OPTIONS", "l: 0"])
S["4475_longreq"] = req("INVITE", "sip:user@example.com",
                        "Via: SIP/2.0/TCP sip33.example.com;branch=" + "very" * 70 + "longbranchvalue",
                        "X-" + "Long" * 200 + ": " + "v" * 3000, "Route: " + ", ".join(
                            f"<sip:host{i}.example.com;lr>" for i in range(60)),
                        tou="user" + "x" * 400, ctype="application/sdp", body=SDP)
S["4475_dblreq"] = req("REGISTER", "sip:example.com", "Contact: <sip:1001@127.0.0.1:5999>") + \
    req("INVITE", "sip:1002@demo", tou="1002", ctype="application/sdp", body=SDP)
S["4475_semiuri"] = req("OPTIONS", "sip:user;par=u%40example.net@example.com", tou="user;par=u%40example.net")
S["4475_transports"] = req("OPTIONS", "sip:user@example.com",
                           "Via: SIP/2.0/SCTP t1.example.com;branch=z9hG4bKkdjuw",
                           "Via: SIP/2.0/TLS t2.example.com;branch=z9hG4bKklasjdhf",
                           "Via: SIP/2.0/UNKNOWN t3.example.com;branch=z9hG4bK2980unddj")
S["4475_mpart01"] = req("MESSAGE", "sip:kumiko@example.org", tou="kumiko",
                        ctype='multipart/mixed;boundary=7a9cbec02ceef655',
                        body="--7a9cbec02ceef655\r\nContent-Type: text/plain\r\n\r\nHello\r\n"
                             "--7a9cbec02ceef655\r\nContent-Type: application/sdp\r\n\r\n" + SDP +
                             "--7a9cbec02ceef655--\r\n")
S["4475_unreason"] = msg(["SIP/2.0 200 = 2**3 * 5**2 \xd0\xbd\xd0\xbe", V + "unreason",
                          "Call-ID: unreason.1234ksdfak3j2erwedfsASdf", "CSeq: 35 INVITE",
                          "From: sip:user@example.com;tag=11141343", "To: sip:user@example.com;tag=2229",
                          "Content-Length: 0"])
S["4475_noreason"] = msg(["SIP/2.0 100 ", V + "noreason", "Call-ID: noreason.asndj@example.com",
                          "CSeq: 1 INVITE", "From: <sip:user@example.com>;tag=a",
                          "To: <sip:user@example.com>", "Content-Length: 0"])
S["4475_unknown_scheme"] = req("OPTIONS", "nobodyKnowsThisScheme:totallyopaquecontent")
S["4475_cseq_big"] = req("OPTIONS", "sip:demo", cseq="4294967295")
# ---- RFC 4475 §3.1.2 invalid messages
S["4475_badinv01"] = msg(["INVITE sip:user@example.com SIP/2.0", "To: sip:j.user@example.com",
                          "From: sip:caller@example.net;tag=134161461246", "Max-Forwards: 7",
                          "Call-ID: badinv01.0ha0isndaksdjasdf3234nas", "CSeq: 8 INVITE",
                          "Via: SIP/2.0/UDP 192.0.2.15;;,;,,", "Contact: \"Joe\" <sip:joe@example.org>;;;;",
                          "Content-Length: 152", "Content-Type: application/sdp"], SDP)
S["4475_clerr"] = req("INVITE", "sip:user@example.com", ctype="application/sdp", body=SDP, clen=9999)
S["4475_scalar02"] = req("REGISTER", "sip:example.com", "Contact: <sip:user@host129.example.com>;expires=280297596632815",
                         "Expires: 1" + "0" * 30)
S["4475_ncl"] = req("INVITE", "sip:user@example.com", ctype="application/sdp", body=SDP, clen=-999)
S["4475_lwsruri"] = msg(["INVITE sip:user@example.com; lr SIP/2.0", V + "lwsruri",
                         "To: sip:user@example.com", "From: sip:caller@example.com;tag=2", "Call-ID: lwsruri",
                         "CSeq: 1 INVITE", "Content-Length: 0"])
S["4475_lwsstart"] = msg(["INVITE  sip:user@example.com  SIP/2.0", V + "lwsstart",
                          "To: sip:user@example.com", "From: sip:caller@example.com;tag=2",
                          "Call-ID: lwsstart", "CSeq: 1 INVITE", "Content-Length: 0"])
S["4475_trws"] = b"OPTIONS sip:remote-target@example.com SIP/2.0  \r\n" + req("OPTIONS", "x").split(b"\r\n", 1)[1]
S["4475_escruri"] = req("INVITE", "sip:user@example.com?Route=%3Csip:example.com%3E")
S["4475_regbadct"] = req("REGISTER", "sip:example.com", "Contact: sip:user@example.com?Route=%3Csip:sip.example.com%3E")
S["4475_badaspec"] = req("OPTIONS", "sip:user@example.org", "To: sip:user@example.org",
                         'From: "Bell, Alexander" <sip:a.g.bell@example.com>;tag=43', "Route: <sip:badaspec  >")
S["4475_baddn"] = req("OPTIONS", "sip:t.watson@example.org",
                      'From: Bell, Alexander <sip:a.g.bell@example.com>;tag=43')
S["4475_badvers"] = req("OPTIONS", "sip:t.watson@example.org").replace(b"SIP/2.0\r\n", b"SIP/7.0\r\n", 1)
S["4475_mismatch01"] = req("OPTIONS", "sip:user@example.com").replace(b"CSeq: 1 OPTIONS", b"CSeq: 1 INVITE")
S["4475_mismatch02"] = req("NEWMETHOD", "sip:user@example.com").replace(b"CSeq: 1 NEWMETHOD", b"CSeq: 1 INVITE")
S["4475_multi01"] = req("INVITE", "sip:user@company.com", "To: sip:other@company.com",
                        "From: sip:caller2@university.edu;tag=3", "Call-ID: second@x", "CSeq: 2 INVITE")
S["4475_bext01"] = req("OPTIONS", "sip:user@example.com", "Require: nothingSupportsThis, nothingSupportsThisEither",
                       "Proxy-Require: noProxiesSupportThis")
S["4475_invut"] = req("INVITE", "sip:1002@demo", tou="1002", ctype="application/unknownformat",
                      body="<audio> <pcmu port=\"443\"/> </audio>\r\n")
S["4475_regaut01"] = req("REGISTER", "sip:example.com", "Contact: <sip:1001@127.0.0.1:5999>",
                         'Authorization: Digest username="1001", realm="demo", nonce="$NONCE$", '
                         'uri="sip:demo", response="$RESP$", algorithm=MD5, opaque="1234", '
                         'qop=auth-int, nc=0000000a, cnonce="x"')
S["4475_sdp01"] = req("INVITE", "sip:1002@demo", "Accept: text/nobodyKnowsThis", tou="1002",
                      ctype="application/sdp", body=SDP.replace("RTP/AVP 0 8 101", "RTP/AVP 96"))
S["4475_zeromf"] = req("OPTIONS", "sip:user@example.com").replace(b"Max-Forwards: 70", b"Max-Forwards: 0")
S["missing_callid"] = b"\r\n".join(l for l in req("OPTIONS", "sip:demo").split(b"\r\n") if not l.startswith(b"Call-ID"))
S["missing_via"] = b"\r\n".join(l for l in req("OPTIONS", "sip:demo").split(b"\r\n") if not l.startswith(b"Via"))
S["nul_bytes"] = req("OPTIONS", "sip:demo").replace(b"Max-Forwards: 70", b"Max-Forwards: 7\x000")
S["garbage_start"] = b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03GET / HTTP/1.1\r\n\r\n"
S["truncated"] = req("INVITE", "sip:1002@demo", tou="1002", ctype="application/sdp", body=SDP)[:180]
S["keepalive_crlf"] = b"\r\n\r\n"

OUT.mkdir(exist_ok=True)
for old in OUT.glob("*.sip"):
    old.unlink()
for name, data in S.items():
    (OUT / f"{name}.sip").write_bytes(data if isinstance(data, bytes) else data.encode())
print(f"{len(S)} seeds in {OUT}")

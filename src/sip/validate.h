/*
 * validate.h — refuses malformed or unsupported SIP requests first.
 */
#ifndef HOTLINE_SIP_VALIDATE_H
#define HOTLINE_SIP_VALIDATE_H

struct sip;
struct sip_lsnr;

/* Install before any other listener. */
int sip_validator_install(struct sip_lsnr **lsnrp, struct sip *sip);

#endif

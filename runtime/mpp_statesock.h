/* mpp_statesock.h: the bytes of a large migrated state over a TCP
 * connection of the PVM layer's own (docs/PROTOCOL.md, step 6), not
 * through libpvm3: the destination listens and names its address in a
 * DATAPORT control message, the source connects and writes a header (the
 * 16-byte token of its STATE message, then the length as 8 big-endian
 * bytes) and the bytes straight from the state; the destination reads
 * them straight into one buffer. Plain C over the socket API, so that it
 * is tested without a PVM daemon. */
#ifndef MPP_STATESOCK_H
#define MPP_STATESOCK_H

#include <stdint.h>

#define MPP_STATESOCK_TOKEN 16 /* bytes */
#define MPP_STATESOCK_HEAD (MPP_STATESOCK_TOKEN + 8)

struct mpp_statesock {
	int fd;      /* the listening socket, or -1 */
	uint32_t ip; /* this host's IPv4 address (network order) */
	int port;    /* the port listened on (host order) */
};

/* Listens on a port of this host's own, for one state: 0, or MPP_EIO with
 * a message (no socket, or this host's name has no IPv4 address; the
 * caller then takes the bytes another way). */
int mpp_statesock_listen(struct mpp_statesock *l);

/* Connects to ip:port (network order, host order), within 10 s, and
 * writes the header and the len bytes at p. Returns 0 when all is written
 * (the destination may still die before it reads it); 1, with a message,
 * when no connection was made (nothing sent: the caller may send the
 * bytes another way); MPP_EIO with a message when the connection broke
 * (the destination gone). Never raises SIGPIPE. */
int mpp_statesock_send(uint32_t ip, int port, const unsigned char token[MPP_STATESOCK_TOKEN], const void *p,
                       uint64_t len);

/* Takes the state: accepts connections until one starts with the token
 * and the length len, then reads the len bytes into buf. A connection with
 * another header (or none within 5 s) is closed with a warning and the
 * next one is awaited. Every 100 ms of waiting, give_up(arg) is asked:
 * nonzero ends the wait (the source ended). Returns 0 when the bytes are
 * in buf; 1 when given up; MPP_EIO with a message when the connection
 * ended before the last byte (the source died, or gave up on this
 * destination). The listening socket stays open: mpp_statesock_close. */
int mpp_statesock_take(struct mpp_statesock *l, const unsigned char token[MPP_STATESOCK_TOKEN], void *buf, uint64_t len,
                       int (*give_up)(void *), void *arg);

void mpp_statesock_close(struct mpp_statesock *l);

#endif

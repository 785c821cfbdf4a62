/* partial.c: a message read bit by bit, with migration points between the
 * reads, so that tasks move while their receive buffer is half read. The
 * root spawns a worker (this same program) and sends it 4 messages,
 * alternately XDR (PvmDataDefault) and raw: a count, then per item an int,
 * a double, a string and 6 ints unpacked with a stride (pvm_upkint, or
 * pvm_unpackf in some messages), then a message packed inside the
 * message (pvm_pkmesg) and an int. The worker unpacks the inner message
 * with pvm_upkmesg, reads it (the outer one waiting aside, half read),
 * then goes back to the outer one for the int, with migration points
 * between all of these: buffers the program keeps aside travel too. The worker sums what
 * it read and answers; the root prints each answer. A copy of the buffer
 * read again from its start at a destination gives other sums.
 * Run: partial. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pvm3.h>

#define NMSG 4
#define NITEM 40
#define TAG_WORK 61
#define TAG_ANSWER 62

static void worker(int root)
{
	for (int m = 0; m < NMSG; m++) {
		long sum = 0;
		int n = 0;
		pvm_recv(root, TAG_WORK);
		pvm_upkint(&n, 1, 1);
		for (int i = 0; i < n; i++) {
			int k = 0, a[12] = {0};
			double d = 0;
			char s[32] = "";
			if (m < 2)
				pvm_upkint(&k, 1, 1);
			else
				pvm_unpackf("%d", &k);
#pragma mpp point
			pvm_upkdouble(&d, 1, 1);
			pvm_upkstr(s);
#pragma mpp point
			if (m % 2)
				pvm_upkint(a, 6, 2);
			else
				pvm_unpackf("%*.*d", 6, 2, a);
			sum = sum * 31 + k + (long)(d * 8) + (long)strlen(s) * 1000 + s[1];
			for (int j = 0; j < 12; j++)
				sum = (sum * 7 + a[j]) % 1000000007L; /* no overflow */
			sum %= 1000000007L;
		}
		/* the inner message and then the outer one wait aside (not the
		 * active receive buffer) across points; the outer one is read
		 * to its end after them */
		int inner = pvm_upkmesg();
#pragma mpp point
		int outer = pvm_setrbuf(inner);
#pragma mpp point
		short h[3] = {0};
		pvm_upkshort(h, 3, 1);
#pragma mpp point
		char tail[32] = "";
		pvm_upkstr(tail);
		pvm_setrbuf(outer);
		pvm_freebuf(inner);
#pragma mpp point
		int trailer = 0;
		pvm_upkint(&trailer, 1, 1);
		sum = (sum * 13 + trailer) % 1000000007L;
		pvm_initsend(PvmDataDefault);
		pvm_pklong(&sum, 1, 1);
		pvm_pkshort(h, 3, 1);
		pvm_pkstr(tail);
		pvm_pkint(&n, 1, 1);
		pvm_send(root, TAG_ANSWER);
	}
	pvm_exit();
}

int main(int argc, char **argv)
{
	int root = pvm_parent();
	(void)argc;
	if (root > 0) {
		worker(root);
		return 0;
	}
	int tid;
	if (pvm_spawn(argv[0], NULL, PvmTaskDefault, "", 1, &tid) != 1) {
		fprintf(stderr, "partial: cannot spawn the worker\n");
		pvm_exit();
		return 1;
	}
	for (int m = 0; m < NMSG; m++) {
		int enc = m % 2 ? PvmDataRaw : PvmDataDefault;
		/* the message inside the message */
		int inner = pvm_mkbuf(enc), outer = pvm_setsbuf(inner);
		short h[3] = {(short)(m + 1), (short)(-7 * m), 300};
		char tail[32];
		snprintf(tail, sizeof tail, "tail-%d", m);
		pvm_pkshort(h, 3, 1);
		pvm_pkstr(tail);
		pvm_setsbuf(outer);
		pvm_initsend(enc);
		int n = NITEM + m;
		pvm_pkint(&n, 1, 1);
		for (int i = 0; i < n; i++) {
			int k = i * 3 + m, a[6];
			double d = i / 4.0 + m;
			char s[32];
			snprintf(s, sizeof s, "%c%d-%d", 'a' + i % 26, i, m);
			for (int j = 0; j < 6; j++)
				a[j] = i * 10 + j - m;
			pvm_pkint(&k, 1, 1);
			pvm_pkdouble(&d, 1, 1);
			pvm_pkstr(s);
			pvm_pkint(a, 6, 1);
		}
		pvm_pkmesg(inner);
		pvm_freebuf(inner);
		int trailer = 1000 + m;
		pvm_pkint(&trailer, 1, 1);
		pvm_send(tid, TAG_WORK);
	}
	for (int m = 0; m < NMSG; m++) {
		long sum = 0;
		short h[3];
		char tail[32];
		pvm_recv(tid, TAG_ANSWER);
		pvm_upklong(&sum, 1, 1);
		pvm_upkshort(h, 3, 1);
		pvm_upkstr(tail);
		int n = 0;
		pvm_upkint(&n, 1, 1);
		printf("answer %d: %d items, sum %ld, inner %d %d %d %s\n", m, n, sum, h[0], h[1], h[2], tail);
	}
	pvm_exit();
	return 0;
}

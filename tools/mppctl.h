/* mppctl.h: what the parts of mppctl share. */
#ifndef MPPCTL_H
#define MPPCTL_H

extern int mppctl_json; /* --json */
/* "mppctl: MESSAGE" on stderr, leave PVM, exit status 1 */
void mppctl_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void mppctl_json_str(const char *s); /* a JSON string on stdout */
int mppctl_log(void);                /* mppctl_log.c */
int mppctl_plot(const char *png);

#endif

/* mppjob.h: what mppctl, the scheduler and its agents share: message
 * tags and kinds (docs/PROTOCOL.md, "Steering a job from outside"), the
 * job files that mpprun writes, and the tasks of a job found in its PVM
 * mailbox class. */
#ifndef MPPJOB_H
#define MPPJOB_H

#define MPPJ_TAG_CTL 0x4d505001   /* to a task: control messages */
#define MPPJ_TAG_INFO 0x4d505004  /* from a task: status replies, events */
#define MPPJ_TAG_REQ 0x4d505010   /* to the scheduler: a command line */
#define MPPJ_TAG_REP 0x4d505011   /* from the scheduler: status, text */
#define MPPJ_TAG_AGENT 0x4d505012 /* from an agent: a host's report */
#define MPPJ_TAG_GONE 0x4d505013  /* pvm_notify: an agent or the scheduler ended */
#define MPPJ_K_CTL_MIGRATE 11     /* secret[2], host */
#define MPPJ_K_STATUS 12          /* secret[2] */
#define MPPJ_K_CTL_PREPARE 13     /* secret[2], host */
#define MPPJ_INFO_STATUS 1
#define MPPJ_INFO_EVENT 2
#define MPPJ_SCHED_MBOX "mpp.sched"

struct mppj_job {
	unsigned job;  /* mpprun's tid: the job's name */
	int secret[2]; /* high and low 32 bits */
	char program[256];
};

struct mppj_task {
	unsigned job;
	int vtid, rtid, host; /* host: the pvmd's tid */
};

/* The directory of job files: MPP_JOBDIR, else /tmp/mpp-<uid>. */
const char *mppj_dir(void);
/* Jobs whose mpprun still runs on this virtual machine; *out is malloc'd.
 * Returns the count, or -1 (message in *err) when the directory is not
 * readable. Files of ended jobs are skipped. */
int mppj_jobs(struct mppj_job **out, const char **err);
/* Tasks of job j: appended to *t (count *n). Each mpp task owns an entry
 * in the mailbox class "mpp.vt.<job>.<vtid>" (read by owner, not value). */
int mppj_tasks(const struct mppj_job *j, struct mppj_task **t, int *n);
/* The real tid serving virtual task vtid of job, other than skip (a
 * process known to have ended); 0 when none. */
int mppj_find(unsigned job, int vtid, int skip);
/* The scheduler's tid from its mailbox entry, 0 when none runs. */
int mppj_sched(void);
/* Send one control message with the job's secret to rtid. */
int mppj_ctl(const struct mppj_job *j, int rtid, int kind, const char *host);
/* "t40002", "40002" or "0x40002" -> tid; -1 when not a tid. */
int mppj_parse_tid(const char *s);
/* The name of host tid h in the virtual machine ("?" when unknown). */
const char *mppj_host_name(int h);
/* The pvmd tid of host name, 0 when no such host. */
int mppj_host_tid(const char *name);

#endif

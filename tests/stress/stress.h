/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stress.h - the xpmem stress driver: the shared board through which the
 * worker processes publish their segments, the worker's private state,
 * and the operations (stress.c runs the workers, worker.c does the xpmem
 * calls, memops.c changes exported and attached memory and forks,
 * touch.c reads and writes attachments and checks what it sees).
 *
 * Every exported slot carries a sequence count: odd while its owner
 * changes it, bumped by 2 by the master before it kills the owner. A
 * check that saw the same even count before and after an access, on a
 * slot that is live and not dying, knows the exporter's state did not
 * change meanwhile: then a SIGBUS on readable memory, a wrong byte or a
 * wrong errno is a failure, not a race.
 */
#ifndef XPMEM_STRESS_H
#define XPMEM_STRESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common.h"

#define MAX_WORKERS	16
#define SLOTS		4	/* exports per worker */
#define MAX_PERMITS	12	/* per worker */
#define MAX_ATTS	20	/* per worker */
#define RESERVE_PAGES	512	/* per worker, for fixed attaches */
#define MAX_DATA_PAGES	48
#define PATTERN_WORDS	256	/* first half of a page: the exporter's pattern */
#define SCRATCH_WORDS	256	/* second half: attachers' tokens */
#define CHILD_WID	MAX_WORKERS	/* writer ids of forked children: + wid */
#define MAX_FAIL_MSGS	12
#define NO_RACER	0x1	/* board.flags: no racer threads */
#define TRACE_LINES	32	/* per process, on the board */
#define TRACE_LEN	160

/* slot flags */
#define SF_LIVE		0x01	/* segid names a live segment */
#define SF_DYING	0x02	/* the owner is being killed or is exiting */
#define SF_GONE		0x04	/* removed, or its owner died: SIGBUS, ENOENT */

/* what an attacher must see on one data page (slot.pstate) */
enum page_state {
	PS_DATA,		/* the pattern of seed (and tokens) */
	PS_ZERO,		/* dropped private memory: zeros (and tokens) */
	PS_GONE,		/* unmapped in the exporter: SIGBUS */
	PS_NONE,		/* PROT_NONE in the exporter: SIGBUS */
};
#define PS_RO		0x10	/* read-only in the exporter: writes SIGBUS */
#define PS_MASK		0x0f

enum slot_kind { K_PLAIN, K_SHARED, K_HOLED, K_WHOLE, N_KINDS };

struct slot {
	uint64_t seq;
	uint32_t flags;
	uint32_t mode;
	int64_t segid;
	uint64_t base;		/* exporter's address of data page 0 */
	uint64_t seg_off;	/* attach offset of data page 0 */
	uint32_t pages;		/* data pages, the hole included */
	int32_t hole;		/* data page that is a hole, or -1 */
	uint64_t seed;
	uint32_t owner_pid;
	uint32_t owner_uid;
	uint32_t kind;
	uint8_t pstate[MAX_DATA_PAGES];
};

struct wstate {
	pid_t pid;
	uint32_t uid;
	uint64_t heartbeat;	/* now_ns() after each operation */
	uint32_t op;		/* the operation under way */
	uint32_t spawns;
	uint64_t ops;
};

/* the main thread's operations, and the tally rows of the calls */
enum op {
	OP_MAKE, OP_GET, OP_ATTACH, OP_TOUCH, OP_WRITE, OP_DETACH, OP_RELEASE,
	OP_REMOVE, OP_REFILL, OP_VERIFY, OP_FORK, OP_EXIT, OP_EXP_MREMAP,
	OP_EXP_MPROTECT, OP_EXP_MUNMAP, OP_EXP_DONTNEED, OP_ATT_MREMAP,
	OP_ATT_MPROTECT, OP_ATT_DONTNEED, OP_ATT_MUNMAP, OP_BAD,
	N_OPS,
	/* only as tally rows */
	R_GET_RDONLY = N_OPS, R_GET_RDWR, R_ATTACH_FIXED, R_ATTACH_SAME,
	R_MAKE_WHOLE, R_BAD_REMOVE_FOREIGN, R_BAD_RELEASE_TWICE,
	R_BAD_GET_FLAGS, R_BAD_ATTACH_RANGE, R_BAD_DETACH, R_BAD_MAKE,
	R_BAD_FIXED_OVERLAP, R_CHILD_OLD_FD, R_CHILD_GET, R_CHILD_ATTACH,
	R_CHILD_MAKE, R_RACER_GET, R_RACER_RELEASE, R_CLEANUP,
	R_SYS_ATT_DONTNEED, R_SYS_EXP_MREMAP,
	N_ROWS
};

/* tally rows of the memory checks; their buckets are signal numbers */
enum check {
	C_READ, C_READ_HOLE, C_WRITE, C_WRITE_RDONLY, C_EXPORTER_SEES,
	C_RELEASED_GONE, C_DETACHED_GONE, C_MUNMAPPED_GONE, C_CHILD_INHERITS,
	C_CHILD_COW, C_RACER_READ, C_RACER_MPROTECT,
	C_ATT_MREMAP_MOVE, C_ATT_MREMAP_GROW, C_ATT_MREMAP_SHRINK,
	C_ATT_MPROTECT_RW, C_EXPORTER_VERIFY, C_KILL, C_EXIT, C_FORK,
	N_CHECKS
};

extern const char *const op_names[N_ROWS];
extern const char *const check_names[N_CHECKS];

struct board {
	int stop;
	int nworkers;
	uint64_t seed;
	uint32_t op_mask;	/* operations the workers may pick */
	uint32_t flags;		/* NO_RACER */
	struct wstate w[MAX_WORKERS];
	struct slot s[MAX_WORKERS][SLOTS];
	uint64_t op_count[N_OPS];	/* operations started */
	struct tally calls;	/* rows: enum op; buckets: errno */
	struct tally checks;	/* rows: enum check; buckets: signal */
	uint64_t unexpected;	/* failures (messages: the first few) */
	uint64_t stable_checks;	/* checks made on a stable slot */
	uint64_t writers;	/* processes started: each one's token range */
	char msg[MAX_FAIL_MSGS][256];
	unsigned int trace_next[2 * MAX_WORKERS];
	char trace[2 * MAX_WORKERS][TRACE_LINES][TRACE_LEN];
};

extern struct board *board;

/* ---- a worker's own state (per process) ---- */

struct permit {
	bool used;
	int64_t apid;
	int64_t segid;
	int w, s;		/* the slot it came from */
	int flags;		/* XPMEM_RDONLY or XPMEM_RDWR */
	uint64_t seg_off;	/* the slot's data area at GET time */
	uint32_t pages;
	uint32_t kind;
};

struct att {
	bool used;
	uint64_t lseq;		/* odd while a thread changes the mapping */
	uint64_t addr, len;
	uint64_t off;		/* attach offset of addr */
	int permit;
	int64_t segid;
	int w, s;
	bool rw;		/* mapped writable (an RDWR permit) */
	bool fixed;		/* inside our reserve: re-reserve when it goes */
};

struct worker {
	int wid;		/* board index; CHILD_WID + wid in a child */
	int fd;
	bool root;
	struct rng rng;
	pthread_mutex_t lock;	/* permits and atts (racer thread vs main) */
	struct permit p[MAX_PERMITS];
	struct att a[MAX_ATTS];
	uint64_t reserve;	/* RESERVE_PAGES of PROT_NONE for fixed attaches */
	uint64_t tokens;	/* tokens written, for unique values */
	pthread_t racer;
	bool racer_running;
	int racer_quit;
};

/* ---- reporting ---- */

__attribute__((format(printf, 1, 2)))
void fail(const char *fmt, ...);
/* the same, about a segment of worker owner: its trace is shown too */
__attribute__((format(printf, 2, 3)))
void fail_about(int owner, const char *fmt, ...);
/* a call's result must be 0 or one of the errnos listed (-1 ends the list) */
bool expect(int row, long ret, const int *ok_errnos, const char *what);
#define EXPECT(row, ret, what, ...) \
	expect((row), (ret), (const int[]){ 0, __VA_ARGS__, -1 }, (what))
#define EXPECT_OK(row, ret, what) \
	expect((row), (ret), (const int[]){ 0, -1 }, (what))
/* a call that must fail with exactly err */
void expect_exactly(int row, long ret, int err, const char *what);
void count_check(int check, int sig);
/*
 * The last operations of this process, for a failure's report: trace()
 * keeps one line, trace_dump() prints them as "# " lines (once).
 */
__attribute__((format(printf, 1, 2)))
void trace(const char *fmt, ...);
void trace_init(int ring);		/* wid, or CHILD_WID + wid */
void trace_dump(int other);		/* ours, and other's ring if >= 0 */

/* ---- slots (touch.c) ---- */

/* snapshot a slot; returns its sequence count (even) */
uint64_t slot_snap(int w, int s, struct slot *copy);
/* the slot's state is still the one snapshot at seq, and usable */
bool slot_stable(int w, int s, uint64_t seq, int64_t segid);
void slot_begin(int w, int s);		/* owner: seq odd */
void slot_end(int w, int s);		/* owner: seq even */
void slot_set(int w, int s, uint32_t set, uint32_t clear);
void slot_mark_dying(int w);		/* master or owner: every slot */

/* ---- data (touch.c) ---- */

uint64_t pattern_word(uint64_t seed, uint32_t page, uint32_t word);
void pattern_fill(void *page, uint64_t seed, uint32_t page_index);
uint64_t make_token(int wid, uint64_t n);
uint64_t first_token(void);
bool token_valid(uint64_t v);

/* ---- operations ---- */

void worker_main(int wid);		/* never returns */
void worker_init_slots(int wid);
void op_make(struct worker *wk);
void op_get(struct worker *wk);
void op_attach(struct worker *wk);
void op_detach(struct worker *wk);
void op_release(struct worker *wk);
void op_remove(struct worker *wk);
void op_bad(struct worker *wk);
void worker_cleanup(struct worker *wk);
int pick_att(struct worker *wk, struct rng *r);	/* a used att, or -1 */
int pick_permit(struct worker *wk);		/* a used permit, or -1 */
/* [addr, addr+len) overlaps an attachment we know of */
bool overlaps_att(struct worker *wk, uint64_t addr, uint64_t len);
/*
 * A GET's result against the segment's mode bits (snapshot sl at seq):
 * granted beyond them, or refused within them, is a failure.
 */
void check_get(int row, long ret, const struct slot *sl, uint64_t seq,
	       int w, int s, int flags);
/* unmap bookkeeping: drop att i (caller holds the lock), re-reserve */
void att_forget(struct worker *wk, int i, bool unmapped);
void att_lseq_bump(struct att *a);
/* before unmapping att: its sequence goes odd (att_forget makes it even) */
void att_going(struct att *a);
void atts_still_mapped(struct worker *wk, const char *what);
/* PROT_NONE again over the pages of [addr, addr+len) no attachment covers */
void reserve_gaps(struct worker *wk, uint64_t addr, uint64_t len);

void op_touch(struct worker *wk, bool write);
void op_refill(struct worker *wk);
void op_verify(struct worker *wk);
void racer_start(struct worker *wk);
void racer_stop(struct worker *wk);
/* read page pg of att i (copy a) and check it; returns the signal seen */
int touch_page(struct worker *wk, int i, const struct att *a, uint64_t pg,
	       int check_row);

void op_exp_mremap(struct worker *wk);
void op_exp_mprotect(struct worker *wk);
void op_exp_munmap(struct worker *wk);
void op_exp_dontneed(struct worker *wk);
void op_att_mremap(struct worker *wk);
void op_att_mprotect(struct worker *wk);
void op_att_dontneed(struct worker *wk);
void att_dontneed(struct worker *wk, const struct att *a);
void op_att_munmap(struct worker *wk);
void op_fork(struct worker *wk);
/* a slot of ours that is live, or -1 */
int own_live_slot(struct worker *wk);

#endif /* XPMEM_STRESS_H */

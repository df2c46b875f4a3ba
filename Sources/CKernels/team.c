/* team.c -- persistent helper threads for splitting one job (bb_team_*). */
#include "internal.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

#if BB_X86
#include <immintrin.h>
#define BB_PAUSE() _mm_pause()
#else
#define BB_PAUSE() ((void)0)
#endif

/* how long a helper spins for the next job before sleeping: longer than the gaps between
   a batch-1 image's layers, short enough not to hold a core across images */
#define BB_SPIN_NS 200000L

static long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000000000L + ts.tv_nsec;
}

struct bb_team {
    int threads;
    pthread_t *helpers;
    _Atomic unsigned gen;     /* bumped once per job */
    _Atomic int stop;
    _Atomic size_t next;      /* next part to hand out */
    _Atomic size_t done;      /* parts finished */
    bb_task_fn fn;            /* job fields: written before `next` is reset, read after a */
    void *ctx;                /* part is claimed (seq_cst atomics order them) */
    _Atomic size_t parts;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    _Atomic int sleepers;
};

static void work(bb_team *t) {
    for (;;) {
        const size_t p = atomic_fetch_add(&t->next, 1);
        if (p >= atomic_load(&t->parts)) return;
        t->fn(t->ctx, p);
        atomic_fetch_add(&t->done, 1);
    }
}

static void *helper(void *arg) {
    bb_team *t = (bb_team *)arg;
    unsigned seen = 0;
    for (;;) {
        unsigned spins = 0;
        long start = 0;
        while (atomic_load(&t->gen) == seen && !atomic_load(&t->stop)) {
            if ((++spins & 63) != 0) {
                BB_PAUSE();
                continue;
            }
            const long now = now_ns();
            if (start == 0) start = now;
            if (now - start < BB_SPIN_NS) continue;
            pthread_mutex_lock(&t->mu);
            atomic_fetch_add(&t->sleepers, 1);
            while (atomic_load(&t->gen) == seen && !atomic_load(&t->stop)) pthread_cond_wait(&t->cv, &t->mu);
            atomic_fetch_sub(&t->sleepers, 1);
            pthread_mutex_unlock(&t->mu);
        }
        if (atomic_load(&t->stop)) return NULL;
        seen = atomic_load(&t->gen);
        work(t);
    }
}

bb_team *bb_team_create(int threads) {
    bb_team *t = (bb_team *)calloc(1, sizeof *t);
    if (t == NULL) return NULL;
    t->threads = threads < 1 ? 1 : threads;
    atomic_init(&t->gen, 0);
    atomic_init(&t->stop, 0);
    atomic_init(&t->next, 0);
    atomic_init(&t->done, 0);
    atomic_init(&t->sleepers, 0);
    atomic_init(&t->parts, 0); /* nothing to claim until the first job */
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    t->helpers = (pthread_t *)calloc((size_t)t->threads, sizeof(pthread_t));
    if (t->helpers == NULL) {
        free(t);
        return NULL;
    }
    for (int i = 0; i + 1 < t->threads; i++) {
        if (pthread_create(&t->helpers[i], NULL, helper, t) != 0) {
            t->threads = i + 1; /* join the ones started */
            bb_team_free(t);
            return NULL;
        }
    }
    return t;
}

int bb_team_threads(const bb_team *t) { return t->threads; }

void bb_team_run(bb_team *t, size_t parts, bb_task_fn fn, void *ctx) {
    if (parts == 0) return;
    if (t->threads == 1 || parts == 1) {
        for (size_t p = 0; p < parts; p++) fn(ctx, p);
        return;
    }
    t->fn = fn;
    t->ctx = ctx;
    atomic_store(&t->parts, parts);
    atomic_store(&t->done, 0);
    atomic_store(&t->next, 0); /* from here a straggling helper may already claim part 0.. */
    atomic_fetch_add(&t->gen, 1);
    if (atomic_load(&t->sleepers) > 0) {
        pthread_mutex_lock(&t->mu);
        pthread_cond_broadcast(&t->cv);
        pthread_mutex_unlock(&t->mu);
    }
    work(t);
    while (atomic_load(&t->done) < parts) BB_PAUSE();
    /* exhaust the counter so no helper can claim a part of this job again */
    atomic_store(&t->next, (size_t)-1 / 2);
}

void bb_team_free(bb_team *t) {
    if (t == NULL) return;
    pthread_mutex_lock(&t->mu);
    atomic_store(&t->stop, 1);
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
    for (int i = 0; i + 1 < t->threads; i++) pthread_join(t->helpers[i], NULL);
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
    free(t->helpers);
    free(t);
}

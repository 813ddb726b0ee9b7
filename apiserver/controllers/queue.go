package controllers

import (
	"context"
	"log/slog"
	stdsync "sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// newQueue is a rate-limited work queue of namespace/name keys with client-go's default
// controller rate limiter (per-item exponential back-off from 5ms to 1000s, overall 10 qps
// burst 100).
func newQueue(name string) workqueue.TypedRateLimitingInterface[string] {
	return workqueue.NewTypedRateLimitingQueueWithConfig(
		workqueue.DefaultTypedControllerRateLimiter[string](),
		workqueue.TypedRateLimitingQueueConfig[string]{Name: name},
	)
}

// keyOf is the queue key of an object (namespace/name), or "" when obj has no metadata.
func keyOf(obj any) string {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		return ""
	}
	return key
}

// workLoop runs workers that take keys from queue and pass them to sync, until ctx ends. It
// waits for the informers behind synced to fill their caches before the first key, and for
// its workers before it returns.
type workLoop struct {
	queue  workqueue.TypedRateLimitingInterface[string]
	sync   func(ctx context.Context, key string) error
	synced []cache.InformerSynced
	log    *slog.Logger

	mu      stdsync.Mutex
	failing map[string]bool // keys whose failure was logged at Info or above
}

func (l *workLoop) run(ctx context.Context, workers int) {
	defer l.queue.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), l.synced...) {
		return
	}
	l.log.Debug("caches synced, starting workers", "workers", workers)
	var wg stdsync.WaitGroup
	for range workers {
		wg.Go(func() {
			for l.next(ctx) {
			}
		})
	}
	<-ctx.Done()
	l.queue.ShutDown()
	wg.Wait()
}

// next processes one key: Forget on success, AddRateLimited on an error. A key that keeps
// failing is logged once at Info (Debug for conflicts and races with deletion; Warn at the
// fifth retry), then at Debug, and once more at Info when it recovers.
func (l *workLoop) next(ctx context.Context) bool {
	key, quit := l.queue.Get()
	if quit {
		return false
	}
	defer l.queue.Done(key)
	err := l.sync(ctx, key)
	retries := l.queue.NumRequeues(key)
	switch {
	case err == nil:
		if l.noteFailing(key, false) {
			l.log.Info("recovered", "key", key, "retries", retries)
		}
		l.queue.Forget(key)
	case ctx.Err() != nil:
		l.queue.Forget(key)
	default:
		level := slog.LevelDebug
		if retries == 0 && !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) && !apierrors.IsAlreadyExists(err) {
			level = slog.LevelInfo
		}
		if retries == 5 {
			level = slog.LevelWarn
		}
		if level >= slog.LevelInfo {
			l.noteFailing(key, true)
		}
		l.log.Log(ctx, level, "sync failed, retrying", "key", key, "retries", retries, "err", err)
		l.queue.AddRateLimited(key)
	}
	return true
}

// noteFailing records whether key's failure was logged loudly; it reports whether it was before.
func (l *workLoop) noteFailing(key string, failing bool) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	was := l.failing[key]
	if failing {
		if l.failing == nil {
			l.failing = map[string]bool{}
		}
		l.failing[key] = true
	} else {
		delete(l.failing, key)
	}
	return was
}

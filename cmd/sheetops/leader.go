package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"

	"github.com/sheetops/sheetops/sync"
)

// leading is 1 while this process holds the lease (always 1 without leader election).
var leading = prometheus.NewGauge(prometheus.GaugeOpts{
	Namespace: "sheetops",
	Name:      "leader",
	Help:      "1 while this process is the active replica (holds the lease), 0 on standby.",
})

// errLostLease ends the daemon when another replica took the lease: the process exits
// non-zero and comes back (restarted by Kubernetes) as a standby, with a clean slate.
var errLostLease = errors.New("lost the leader lease; exiting so that only one replica writes (a restart comes back as standby)")

// saNamespaceFile is where a pod finds its namespace.
const saNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

// leaseNamespace is leaderElection.namespace, else the pod's namespace, else "default".
func leaseNamespace(cfg sync.LeaderElectionConfig) string {
	if cfg.Namespace != "" {
		return cfg.Namespace
	}
	if ns := os.Getenv("POD_NAMESPACE"); ns != "" {
		return ns
	}
	if data, err := os.ReadFile(saNamespaceFile); err == nil && strings.TrimSpace(string(data)) != "" {
		return strings.TrimSpace(string(data))
	}
	return "default"
}

// identity names this replica in the lease: the pod (host) name and a random suffix, so
// that a restarted process never mistakes the lease of its previous life for its own.
func identity() string {
	host := os.Getenv("POD_NAME")
	if host == "" {
		host, _ = os.Hostname()
	}
	b := make([]byte, 4)
	rand.Read(b)
	return host + "_" + hex.EncodeToString(b)
}

// lead runs work while this process holds the lease, and waits as a standby until then.
// It returns nil when ctx ends (the lease is released for a fast failover), errLostLease
// when the lease was lost, or work's error.
func lead(ctx context.Context, cfg sync.LeaderElectionConfig, c *cluster, log *slog.Logger, work func(ctx context.Context) error) error {
	id := identity()
	ns := leaseNamespace(cfg)
	log = log.With("component", "leader-election", "lease", ns+"/"+cfg.Name, "identity", id)
	lock := &heldLock{Interface: &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: ns, Name: cfg.Name},
		Client:     c.cs.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: id},
	}}
	var workErr error
	done := make(chan struct{})
	le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:            lock,
		LeaseDuration:   cfg.LeaseDuration.Duration,
		RenewDeadline:   cfg.RenewDeadline.Duration,
		RetryPeriod:     cfg.RetryPeriod.Duration,
		ReleaseOnCancel: true,
		Name:            cfg.Name,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(ctx context.Context) {
				defer close(done)
				log.Info("leading: this replica now polls the sheet and applies edits")
				leading.Set(1)
				workErr = work(ctx)
				leading.Set(0)
			},
			OnStoppedLeading: func() {
				leading.Set(0)
			},
			OnNewLeader: func(current string) {
				if current != id {
					log.Info("standby: another replica leads", "leader", current)
				}
			},
		},
	})
	if err != nil {
		return usagef("leaderElection: %v", err)
	}
	log.Info("standby: waiting for the lease")
	le.Run(ctx) // returns when ctx ends or the lease is lost; work may still be finishing
	if !lock.held.Load() {
		return nil // never led: ctx ended while standing by
	}
	<-done // the pass in flight finishes and the state is saved
	if workErr != nil {
		return workErr
	}
	if ctx.Err() == nil {
		log.Error("lost the lease")
		return errLostLease
	}
	return nil
}

// heldLock remembers whether this process ever acquired the lease, so that lead knows
// whether work started (client-go starts it on a goroutine of its own).
type heldLock struct {
	resourcelock.Interface
	held atomic.Bool
}

func (l *heldLock) Create(ctx context.Context, r resourcelock.LeaderElectionRecord) error {
	err := l.Interface.Create(ctx, r)
	if err == nil && r.HolderIdentity == l.Identity() {
		l.held.Store(true)
	}
	return err
}

func (l *heldLock) Update(ctx context.Context, r resourcelock.LeaderElectionRecord) error {
	err := l.Interface.Update(ctx, r)
	if err == nil && r.HolderIdentity == l.Identity() {
		l.held.Store(true)
	}
	return err
}

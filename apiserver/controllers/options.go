package controllers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	stdsync "sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Who the controllers are to the API server: the user agent of their requests and the field
// manager of their writes.
const (
	controllerManagerName = "sheetops-controller-manager"
	kubeletName           = "sheetops-kubelet"
)

// informerResync is how often the shared informers replay their caches to the handlers: a last
// line of defence against a lost event, rare enough to cost nothing.
const informerResync = 10 * time.Minute

// Options configure Run. The zero value of each field means its default.
type Options struct {
	// NodeName is the simulated node the kubelet registers and binds pods to; default "sheetops-node".
	NodeName string
	// StartDelay is the length of each step a pod takes from bound to Pending, ContainerCreating
	// and Running (and of each step of a crash loop or an image pull back-off); default 500ms.
	StartDelay time.Duration
	// TerminationDelay is the longest a terminating pod lingers before the kubelet removes it
	// (a pod's own shorter grace period wins); default 1s.
	TerminationDelay time.Duration
	// Workers is the number of workers of each controller; default 2.
	Workers int
	// Logger receives the controllers' logs; default slog.Default().
	Logger *slog.Logger
	// Now is the cron job controller's clock, which decides when schedules are due (tests
	// step a fake one); default time.Now.
	Now func() time.Time
}

// DefaultOptions returns the options Run uses when given the zero Options.
func DefaultOptions() Options {
	var o Options
	o.setDefaults()
	return o
}

func (o *Options) setDefaults() {
	if o.NodeName == "" {
		o.NodeName = "sheetops-node"
	}
	if o.StartDelay == 0 {
		o.StartDelay = 500 * time.Millisecond
	}
	if o.TerminationDelay == 0 {
		o.TerminationDelay = time.Second
	}
	if o.Workers == 0 {
		o.Workers = 2
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// ErrInvalidOption is what every OptionError matches with errors.Is.
var ErrInvalidOption = errors.New("invalid option")

// OptionError names an option whose value Run cannot use.
type OptionError struct {
	Field  string // the Options field, as spelled in Go
	Value  any    // the value given
	Reason string // what is wrong with it
}

func (e *OptionError) Error() string {
	return fmt.Sprintf("controllers: option %s=%v: %s", e.Field, e.Value, e.Reason)
}

// Is makes errors.Is(err, ErrInvalidOption) true.
func (e *OptionError) Is(target error) bool { return target == ErrInvalidOption }

// Validate reports the first option Run cannot use, as an *OptionError. Zero values are
// valid: they mean the defaults.
func (o Options) Validate() error {
	if o.NodeName != "" {
		if errs := validation.IsDNS1123Subdomain(o.NodeName); len(errs) > 0 {
			return &OptionError{Field: "NodeName", Value: o.NodeName, Reason: errs[0]}
		}
	}
	switch {
	case o.StartDelay < 0:
		return &OptionError{Field: "StartDelay", Value: o.StartDelay, Reason: "must not be negative"}
	case o.TerminationDelay < 0:
		return &OptionError{Field: "TerminationDelay", Value: o.TerminationDelay, Reason: "must not be negative"}
	case o.Workers < 0:
		return &OptionError{Field: "Workers", Value: o.Workers, Reason: "must not be negative"}
	}
	return nil
}

// clientFor is cfg with the user agent of one component and client-side rate limits like
// kube-controller-manager's and the kubelet's (50 QPS, burst 100) unless cfg sets its own;
// the controller manager's client drops the API server's warnings, as upstream's does.
func clientFor(cfg *rest.Config, userAgent string) (kubernetes.Interface, error) {
	c := rest.CopyConfig(cfg)
	c.UserAgent = userAgent
	if c.QPS == 0 {
		c.QPS = 50
	}
	if c.Burst == 0 {
		c.Burst = 100
	}
	if userAgent == controllerManagerName {
		// As kube-controller-manager: the deprecation warnings the API server sends for the
		// resources a controller must use (v1 Endpoints) are not news to anyone.
		c.WarningHandler = rest.NoWarnings{}
	}
	cs, err := kubernetes.NewForConfig(c)
	if err != nil {
		return nil, fmt.Errorf("client for %s: %w", userAgent, err)
	}
	return cs, nil
}

// Run starts the informers and all controllers and blocks until ctx ends (then waits for its goroutines).
//
// It returns an *OptionError for unusable options, an error when cfg cannot make a client,
// and nil once ctx has ended and everything it started has stopped.
func Run(ctx context.Context, cfg *rest.Config, opts Options) error {
	if err := opts.Validate(); err != nil {
		return err
	}
	opts.setDefaults()
	log := opts.Logger.With("component", "controllers")

	managerClient, err := clientFor(cfg, controllerManagerName)
	if err != nil {
		return err
	}
	kubeletClient, err := clientFor(cfg, kubeletName)
	if err != nil {
		return err
	}

	// The controllers never read managed fields; dropping them from the caches halves their
	// memory. Updates sent without managed fields keep the stored ones, as upstream.
	factory := informers.NewSharedInformerFactoryWithOptions(managerClient, informerResync,
		informers.WithTransform(func(obj any) (any, error) {
			if m, ok := obj.(metav1.Object); ok {
				m.SetManagedFields(nil)
			}
			return obj, nil
		}))
	rsc := newReplicaSetController(managerClient, factory, log.With("controller", "replicaset"))
	dc := newDeploymentController(managerClient, factory, log.With("controller", "deployment"))
	kl := newKubelet(kubeletClient, factory, opts, log.With("controller", "kubelet", "node", opts.NodeName))
	sac := newServiceAccountController(managerClient, factory, log.With("controller", "serviceaccount"))
	jc := newJobController(managerClient, factory, log.With("controller", "job"))
	ssc := newStatefulSetController(managerClient, factory, log.With("controller", "statefulset"))
	epc := newEndpointsController(managerClient, factory, log.With("controller", "endpoints"))
	dsc := newDaemonSetController(managerClient, factory, log.With("controller", "daemonset"))
	cjc := newCronJobController(managerClient, factory, log.With("controller", "cronjob"), opts.Now)

	factory.Start(ctx.Done())
	var wg stdsync.WaitGroup
	wg.Go(func() { rsc.run(ctx, opts.Workers) })
	wg.Go(func() { dc.run(ctx, opts.Workers) })
	wg.Go(func() { kl.run(ctx, opts.Workers) })
	wg.Go(func() { sac.run(ctx, opts.Workers) })
	wg.Go(func() { jc.run(ctx, opts.Workers) })
	wg.Go(func() { ssc.run(ctx, opts.Workers) })
	wg.Go(func() { epc.run(ctx, opts.Workers) })
	wg.Go(func() { dsc.run(ctx, opts.Workers) })
	wg.Go(func() { cjc.run(ctx, opts.Workers) })
	log.Info("controllers started", "workers", opts.Workers, "node", opts.NodeName)
	wg.Wait()
	factory.Shutdown()
	log.Info("controllers stopped")
	return nil
}

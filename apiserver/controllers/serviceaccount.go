package controllers

import (
	"context"
	"log/slog"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// defaultServiceAccount is the ServiceAccount every namespace has.
const defaultServiceAccount = "default"

// serviceAccountController is upstream's serviceaccounts-controller: every active namespace
// has a ServiceAccount named "default", created when the namespace is and again when it
// is deleted. Keys are namespace names.
type serviceAccountController struct {
	client   kubernetes.Interface
	nsLister corelisters.NamespaceLister
	saLister corelisters.ServiceAccountLister
	queue    workqueue.TypedRateLimitingInterface[string]
	loop     *workLoop
}

func newServiceAccountController(client kubernetes.Interface, factory informers.SharedInformerFactory, log *slog.Logger) *serviceAccountController {
	nsInformer := factory.Core().V1().Namespaces()
	saInformer := factory.Core().V1().ServiceAccounts()
	c := &serviceAccountController{
		client: client, nsLister: nsInformer.Lister(), saLister: saInformer.Lister(),
		queue: newQueue("serviceaccount"),
	}
	nsInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { c.enqueueNamespace(obj) },
		UpdateFunc: func(_, cur any) { c.enqueueNamespace(cur) },
	})
	saInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		DeleteFunc: func(obj any) {
			if sa, ok := obj.(*corev1.ServiceAccount); ok && sa.Name == defaultServiceAccount {
				c.queue.Add(sa.Namespace)
			} else if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				if sa, ok := tomb.Obj.(*corev1.ServiceAccount); ok && sa.Name == defaultServiceAccount {
					c.queue.Add(sa.Namespace)
				}
			}
		},
	})
	c.loop = &workLoop{
		queue: c.queue, sync: c.sync, log: log,
		synced: []cache.InformerSynced{nsInformer.Informer().HasSynced, saInformer.Informer().HasSynced},
	}
	return c
}

func (c *serviceAccountController) enqueueNamespace(obj any) {
	if ns, ok := obj.(*corev1.Namespace); ok {
		c.queue.Add(ns.Name)
	}
}

func (c *serviceAccountController) run(ctx context.Context, workers int) { c.loop.run(ctx, workers) }

// sync makes sure namespace name has its default ServiceAccount, unless it is gone or
// terminating (where creates are refused).
func (c *serviceAccountController) sync(ctx context.Context, name string) error {
	ns, err := c.nsLister.Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if ns.DeletionTimestamp != nil || ns.Status.Phase == corev1.NamespaceTerminating {
		return nil
	}
	if _, err := c.saLister.ServiceAccounts(name).Get(defaultServiceAccount); err == nil {
		return nil
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: defaultServiceAccount, Namespace: name}}
	_, err = c.client.CoreV1().ServiceAccounts(name).Create(ctx, sa, metav1.CreateOptions{FieldManager: controllerManagerName})
	if apierrors.IsAlreadyExists(err) || apierrors.IsForbidden(err) || apierrors.IsNotFound(err) {
		return nil // made meanwhile, or the namespace is terminating or gone
	}
	return err
}

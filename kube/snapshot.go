package kube

import (
	"context"
	"errors"
	"fmt"
	"sort"
	stdsync "sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/pager"
)

// snapshotPageSize is the limit of each list page a snapshot asks for: large pages keep the
// round trips few, and the API server still answers each in one piece. (A variable for
// tests.)
var snapshotPageSize int64 = 5000

// Snapshot is a ClusterView of one read of each source: paged lists (protobuf for built-in
// kinds, as the typed informers), no informers, no watches. A command that writes a file
// once (export) needs nothing more, and a list decodes several times faster than the
// JSON watch events an informer's initial sync can arrive as. Objects are read-only.
type Snapshot struct {
	objects map[Resource][]runtime.Object
	uids    map[Resource]map[types.UID]runtime.Object
	changed chan struct{}
}

// TakeSnapshot lists every source once, concurrently. Built-in kinds are read with a
// protobuf client made from rc; any other resource (a custom resource) with dyn. A refused
// list is an *AccessError, as the view's.
func TakeSnapshot(ctx context.Context, rc *rest.Config, dyn dynamic.Interface, sources []Source) (*Snapshot, error) {
	s := &Snapshot{objects: map[Resource][]runtime.Object{}, uids: map[Resource]map[types.UID]runtime.Object{}, changed: make(chan struct{})}
	reads, err := expand(sources)
	if err != nil {
		return nil, err
	}
	var (
		mu    stdsync.Mutex
		wg    stdsync.WaitGroup
		first error
	)
	for _, rd := range reads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			objs, err := listAll(ctx, rc, dyn, rd.src.Resource, rd.key.namespace, rd.key.selector)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if first == nil {
					first = err
				}
				return
			}
			s.objects[rd.src.Resource] = append(s.objects[rd.src.Resource], objs...)
		}()
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	for r, objs := range s.objects {
		keys := make([]string, len(objs))
		uids := make(map[types.UID]runtime.Object, len(objs))
		for i, o := range objs {
			if m, err := meta.Accessor(o); err == nil {
				keys[i] = m.GetNamespace() + "/" + m.GetName()
				uids[m.GetUID()] = o
			}
		}
		sort.Sort(byKey{objs, keys})
		s.uids[r] = uids
	}
	return s, nil
}

// listAll reads every object of r in namespace ("" for all) matching selector, page by page.
func listAll(ctx context.Context, rc *rest.Config, dyn dynamic.Interface, r Resource, namespace, selector string) ([]runtime.Object, error) {
	list, err := lister(rc, dyn, r, namespace)
	if err != nil {
		return nil, err
	}
	p := pager.New(list)
	p.PageSize = snapshotPageSize
	var out []runtime.Object
	err = p.EachListItem(ctx, metav1.ListOptions{LabelSelector: selector}, func(obj runtime.Object) error {
		if m, err := meta.Accessor(obj); err == nil {
			m.SetManagedFields(nil)
		}
		out = append(out, obj)
		return nil
	})
	if apierrors.IsForbidden(err) {
		return nil, &AccessError{Verb: "list", Resource: r.Resource, Namespace: namespace, Err: err}
	}
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", r, err)
	}
	return out, nil
}

// lister is one page's list call for r: through a protobuf REST client when client-go's
// scheme has r's list type, else through dyn.
func lister(rc *rest.Config, dyn dynamic.Interface, r Resource, namespace string) (pager.ListPageFunc, error) {
	listGVK := r.GroupVersionKind()
	listGVK.Kind += "List"
	if !scheme.Scheme.Recognizes(listGVK) {
		if dyn == nil {
			return nil, fmt.Errorf("list %s: not a built-in resource, and no dynamic client", r)
		}
		c := dyn.Resource(r.GroupVersionResource).Namespace(namespace)
		return func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			return c.List(ctx, opts)
		}, nil
	}
	if rc == nil {
		return nil, errors.New("snapshot: no REST config")
	}
	cfg := rest.CopyConfig(rc)
	gv := r.GroupVersion()
	cfg.GroupVersion = &gv
	cfg.APIPath = "/apis"
	if gv.Group == "" {
		cfg.APIPath = "/api"
	}
	cfg.NegotiatedSerializer = scheme.Codecs.WithoutConversion()
	cfg.ContentType = runtime.ContentTypeProtobuf
	cfg.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
	client, err := rest.RESTClientFor(cfg)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		into, err := scheme.Scheme.New(listGVK)
		if err != nil {
			return nil, err
		}
		err = client.Get().NamespaceIfScoped(namespace, r.Namespaced && namespace != "").Resource(r.Resource).
			VersionedParams(&opts, scheme.ParameterCodec).Do(ctx).Into(into)
		return into, err
	}, nil
}

// Objects returns the objects of a resource sorted by namespace and name.
func (s *Snapshot) Objects(r Resource) []runtime.Object { return s.objects[r] }

// ByUID finds an object of a resource by UID.
func (s *Snapshot) ByUID(r Resource, uid types.UID) (runtime.Object, bool) {
	o, ok := s.uids[r][uid]
	return o, ok
}

// Changed never fires: a snapshot does not change.
func (s *Snapshot) Changed() <-chan struct{} { return s.changed }

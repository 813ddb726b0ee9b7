package apiserver

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	stdsync "sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionshelpers "k8s.io/apiextensions-apiserver/pkg/apihelpers"
	apiextensionsinternal "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsinstall "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/install"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/controller/openapi/builder"
	"k8s.io/apiextensions-apiserver/pkg/registry/customresourcedefinition"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/version"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"

	"sigs.k8s.io/yaml"

	"github.com/sheetops/sheetops/apiserver/openapi"
	"github.com/sheetops/sheetops/apiserver/printers"
	"github.com/sheetops/sheetops/apiserver/storage"
)

// CustomResourceDefinitions: the apiextensions.k8s.io/v1 kind, served through the generic
// registry with upstream's CRD strategy (defaults, validation, status handling), and what
// kube-apiserver's apiextensions controllers do with it: names accepted and the CRD
// established at once, its custom resources served from then on (custom.go), and a
// deleted CRD's objects deleted before it goes (the customresourcecleanup finalizer).

// crdScheme converts CRDs between v1 and the internal version upstream's strategy and
// validation take, and defaults them.
var crdScheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	apiextensionsinstall.Install(s)
	return s
}()

var crdGVR = apiextensionsv1.SchemeGroupVersion.WithResource("customresourcedefinitions")

const crdStoreKey = "customresourcedefinitions.apiextensions.k8s.io"

// extensionKinds are the kinds of apiextensions.k8s.io.
var extensionKinds = []*resource{
	{
		gvr: crdGVR, kind: "CustomResourceDefinition", singular: "customresourcedefinition",
		shortNames: []string{"crd", "crds"}, categories: []string{"api-extensions"}, subs: []string{subStatus},
		strategy: crdStrategy{}, returnDeleted: true,
		newObj:  func() storage.Marshaler { return &apiextensionsv1.CustomResourceDefinition{} },
		newList: func() runtime.Object { return &apiextensionsv1.CustomResourceDefinitionList{} },
	},
}

// crdStrategy is upstream's CRD strategy and status strategy, run on the internal version.
type crdStrategy struct{}

var (
	crdUpstream       = customresourcedefinition.NewStrategy(crdScheme)
	crdUpstreamStatus = customresourcedefinition.NewStatusStrategy(crdScheme)
)

func toInternalCRD(obj runtime.Object) *apiextensionsinternal.CustomResourceDefinition {
	out := &apiextensionsinternal.CustomResourceDefinition{}
	if err := crdScheme.Convert(obj, out, nil); err != nil {
		panic(fmt.Sprintf("convert CRD: %v", err))
	}
	return out
}

// fromInternalCRD writes in back into obj.
func fromInternalCRD(in *apiextensionsinternal.CustomResourceDefinition, obj runtime.Object) {
	out := &apiextensionsv1.CustomResourceDefinition{}
	if err := crdScheme.Convert(in, out, nil); err != nil {
		panic(fmt.Sprintf("convert CRD: %v", err))
	}
	*obj.(*apiextensionsv1.CustomResourceDefinition) = *out
}

func (crdStrategy) Default(obj runtime.Object) { crdScheme.Default(obj) }

func (crdStrategy) PrepareForCreate(obj runtime.Object) {
	in := toInternalCRD(obj)
	crdUpstream.PrepareForCreate(context.Background(), in)
	fromInternalCRD(in, obj)
}

func (crdStrategy) ValidateCreate(obj runtime.Object) field.ErrorList {
	return crdUpstream.Validate(context.Background(), toInternalCRD(obj))
}

func (crdStrategy) PrepareForUpdate(obj, old runtime.Object) {
	in := toInternalCRD(obj)
	crdUpstream.PrepareForUpdate(context.Background(), in, toInternalCRD(old))
	fromInternalCRD(in, obj)
}

func (crdStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	return crdUpstream.ValidateUpdate(context.Background(), toInternalCRD(obj), toInternalCRD(old))
}

func (crdStrategy) PrepareForStatusUpdate(obj, old runtime.Object) {
	in := toInternalCRD(obj)
	crdUpstreamStatus.PrepareForUpdate(context.Background(), in, toInternalCRD(old))
	fromInternalCRD(in, obj)
}

func (crdStrategy) ValidateStatusUpdate(obj, old runtime.Object) field.ErrorList {
	return crdUpstreamStatus.ValidateUpdate(context.Background(), toInternalCRD(obj), toInternalCRD(old))
}

// A CRD is deleted as upstream's CRD storage does: marked, with the cleanup finalizer and
// a Terminating condition; the collector deletes its objects, then the finalizer.
func (crdStrategy) checkDelete(string) error { return nil }

func (crdStrategy) gracePeriod(runtime.Object, *metav1.DeleteOptions) int64 { return -1 }

func (crdStrategy) markDeleting(obj runtime.Object) bool {
	crd := obj.(*apiextensionsv1.CustomResourceDefinition)
	if !apiextensionshelpers.CRDHasFinalizer(crd, apiextensionsv1.CustomResourceCleanupFinalizer) {
		crd.Finalizers = append(crd.Finalizers, apiextensionsv1.CustomResourceCleanupFinalizer)
	}
	apiextensionshelpers.SetCRDCondition(crd, apiextensionsv1.CustomResourceDefinitionCondition{
		Type: apiextensionsv1.Terminating, Status: apiextensionsv1.ConditionTrue,
		Reason: "InstanceDeletionPending", Message: "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon",
	})
	return true
}

var _ rest.RESTCreateStrategy = crdUpstream

// customSet is what the CRDs serve at one moment: an immutable snapshot, swapped whole
// when a CRD changes (Server.custom), read without locks by routing, discovery, the
// collector and the OpenAPI documents.
type customSet struct {
	served  map[schema.GroupVersionResource]*resource // the routed views, by served version
	storage map[string]*resource                      // the storage resources, by store key
	byKind  map[schema.GroupVersionKind]*resource     // storage resource by the kind of any served version
	crds    map[string]*apiextensionsv1.CustomResourceDefinition
	list    []*resource           // served, in discovery order
	gvs     []schema.GroupVersion // served group versions, in discovery order
	allGVs  []schema.GroupVersion // the built-in group versions, then gvs
	built   map[string]*builtCRD  // by CRD name
}

// builtCRD caches the resources built from one state of a CRD.
type builtCRD struct {
	key     string
	storage *resource
	served  []*resource
}

func emptyCustomSet() *customSet {
	return &customSet{served: map[schema.GroupVersionResource]*resource{}, storage: map[string]*resource{},
		byKind: map[schema.GroupVersionKind]*resource{}, crds: map[string]*apiextensionsv1.CustomResourceDefinition{}, built: map[string]*builtCRD{}}
}

// noCustom is the set before any CRD is served.
var noCustom = emptyCustomSet()

func (s *Server) customSet() *customSet {
	if c := s.custom.Load(); c != nil {
		return c
	}
	return noCustom
}

// lookup is the routed resource of gvr: a built-in one or a custom resource's version.
func (s *Server) lookup(gvr schema.GroupVersionResource) *resource {
	if r := index[gvr]; r != nil {
		return r
	}
	return s.customSet().served[gvr]
}

// storeResource is the resource whose objects the store holds under key.
func (s *Server) storeResource(key string) *resource {
	if r := byStoreKey[key]; r != nil {
		return r
	}
	return s.customSet().storage[key]
}

// servedResources is every routed resource, built-in then custom.
func (s *Server) servedResources() []*resource {
	c := s.customSet()
	if len(c.list) == 0 {
		return resources
	}
	out := make([]*resource, 0, len(resources)+len(c.list))
	return append(append(out, resources...), c.list...)
}

// allStoredResources is storedResources and every CRD's storage resource.
func (s *Server) allStoredResources() []*resource {
	out := storedResources()
	c := s.customSet()
	keys := make([]string, 0, len(c.storage))
	for k := range c.storage {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, c.storage[k])
	}
	return out
}

// crdKey is what a CRD's resources are built from: a new key builds them again.
func crdKey(crd *apiextensionsv1.CustomResourceDefinition) string {
	return fmt.Sprintf("%s/%d/%v", crd.UID, crd.Generation, crd.Status.AcceptedNames)
}

// rebuildCustom builds the set of served custom resources from the stored CRDs: those
// whose names are accepted.
func (s *Server) rebuildCustom() {
	s.customMu.Lock()
	defer s.customMu.Unlock()
	old := s.customSet()
	page, err := s.store.List(crdStoreKey, storage.ListOptions{})
	if err != nil {
		return
	}
	var static map[string]*spec.Schema
	next := emptyCustomSet()
	groups := map[string][]*resource{}
	for _, obj := range page.Items {
		crd := obj.(*apiextensionsv1.CustomResourceDefinition)
		if !apiextensionshelpers.IsCRDConditionTrue(crd, apiextensionsv1.Established) && !apiextensionshelpers.IsCRDConditionTrue(crd, apiextensionsv1.NamesAccepted) {
			continue
		}
		b := old.built[crd.Name]
		if b == nil || b.key != crdKey(crd) {
			if static == nil {
				static = openapi.MetaSchemas()
			}
			st, served, err := customResources(crd, static)
			if err != nil {
				s.log.Error("serve custom resource", "crd", crd.Name, "err", err)
				continue
			}
			b = &builtCRD{key: crdKey(crd), storage: st, served: served}
		}
		next.built[crd.Name] = b
		next.crds[b.storage.storeKey] = crd
		next.storage[b.storage.storeKey] = b.storage
		for _, r := range b.served {
			next.served[r.gvr] = r
			next.byKind[r.gvk()] = b.storage
			groups[r.gvr.Group] = append(groups[r.gvr.Group], r)
		}
		next.byKind[b.storage.gvk()] = b.storage
	}
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	sort.Strings(names)
	for _, g := range names {
		rs := groups[g]
		sort.SliceStable(rs, func(i, j int) bool {
			if rs[i].gvr.Version != rs[j].gvr.Version {
				return version.CompareKubeAwareVersionStrings(rs[i].gvr.Version, rs[j].gvr.Version) > 0
			}
			return rs[i].gvr.Resource < rs[j].gvr.Resource
		})
		for _, r := range rs {
			next.list = append(next.list, r)
			if gv := r.gvr.GroupVersion(); len(next.gvs) == 0 || next.gvs[len(next.gvs)-1] != gv {
				next.gvs = append(next.gvs, gv)
			}
		}
	}
	next.allGVs = append(slices.Clone(servedGroupVersions()), next.gvs...)
	s.custom.Store(next)
	s.updateCustomOpenAPI(next)
}

// acceptNames sets a CRD's accepted names and its NamesAccepted condition, as upstream's
// naming controller does; with establish, the Established condition too, as its
// establishing controller does once the names are served.
func (s *Server) acceptNames(name string, establish bool) error {
	ri := requestInfo{verb: "update", res: index[crdGVR], gvr: crdGVR, name: name, subresource: subStatus}
	obj, err := s.store.Get(crdStoreKey, "", name)
	if err != nil {
		return err
	}
	conflict := s.nameConflict(obj.(*apiextensionsv1.CustomResourceDefinition)) // outside the store's write lock
	_, err = s.updateObject(ri, writeOptions{fieldManager: "kube-apiserver", fieldValidation: "Ignore"}, func(cur runtime.Object) (runtime.Object, error) {
		crd := cur.(*apiextensionsv1.CustomResourceDefinition)
		if crd.DeletionTimestamp != nil {
			return cur, nil
		}
		next := crd.DeepCopy()
		if conflict == "" {
			next.Status.AcceptedNames = crd.Spec.Names
			if next.Status.AcceptedNames.ListKind == "" {
				next.Status.AcceptedNames.ListKind = crd.Spec.Names.Kind + "List"
			}
			if next.Status.AcceptedNames.Singular == "" {
				next.Status.AcceptedNames.Singular = strings.ToLower(crd.Spec.Names.Kind)
			}
			setCondition(next, apiextensionsv1.NamesAccepted, apiextensionsv1.ConditionTrue, "NoConflicts", "no conflicts found")
			if establish && !apiextensionshelpers.IsCRDConditionTrue(crd, apiextensionsv1.Established) {
				setCondition(next, apiextensionsv1.Established, apiextensionsv1.ConditionTrue, "InitialNamesAccepted", "the initial names have been accepted")
			}
		} else {
			setCondition(next, apiextensionsv1.NamesAccepted, apiextensionsv1.ConditionFalse, "NameConflict", conflict)
			if !apiextensionshelpers.IsCRDConditionTrue(crd, apiextensionsv1.Established) {
				setCondition(next, apiextensionsv1.Established, apiextensionsv1.ConditionFalse, "NotAccepted", "not all names are accepted")
			}
		}
		if equalCRDStatus(crd, next) {
			return cur, nil
		}
		return next, nil
	})
	return err
}

func equalCRDStatus(a, b *apiextensionsv1.CustomResourceDefinition) bool {
	if fmt.Sprint(a.Status.AcceptedNames) != fmt.Sprint(b.Status.AcceptedNames) || len(a.Status.Conditions) != len(b.Status.Conditions) {
		return false
	}
	for i := range a.Status.Conditions {
		x, y := a.Status.Conditions[i], b.Status.Conditions[i]
		if x.Type != y.Type || x.Status != y.Status || x.Reason != y.Reason || x.Message != y.Message {
			return false
		}
	}
	return true
}

func setCondition(crd *apiextensionsv1.CustomResourceDefinition, t apiextensionsv1.CustomResourceDefinitionConditionType, status apiextensionsv1.ConditionStatus, reason, msg string) {
	apiextensionshelpers.SetCRDCondition(crd, apiextensionsv1.CustomResourceDefinitionCondition{Type: t, Status: status, Reason: reason, Message: msg})
}

// nameConflict reports a name of crd that another CRD of its group has accepted, or a
// built-in resource of the group has.
func (s *Server) nameConflict(crd *apiextensionsv1.CustomResourceDefinition) string {
	page, err := s.store.List(crdStoreKey, storage.ListOptions{})
	if err != nil {
		return ""
	}
	n := crd.Spec.Names
	for _, obj := range page.Items {
		other := obj.(*apiextensionsv1.CustomResourceDefinition)
		if other.Name == crd.Name || other.Spec.Group != crd.Spec.Group {
			continue
		}
		a := other.Status.AcceptedNames
		switch {
		case n.Plural == a.Plural || n.Plural == a.Singular:
			return fmt.Sprintf("%q is already in use", n.Plural)
		case n.Singular != "" && (n.Singular == a.Plural || n.Singular == a.Singular):
			return fmt.Sprintf("%q is already in use", n.Singular)
		case n.Kind == a.Kind:
			return fmt.Sprintf("%q is already in use", n.Kind)
		case n.ListKind != "" && n.ListKind == a.ListKind:
			return fmt.Sprintf("%q is already in use", n.ListKind)
		}
		for _, sn := range n.ShortNames {
			for _, o := range a.ShortNames {
				if sn == o {
					return fmt.Sprintf("%q is already in use", sn)
				}
			}
		}
	}
	return ""
}

// runCRDs follows the stored CRDs: names are accepted, the served set rebuilt, and the
// collector follows the owner references of every custom resource served.
func (s *Server) runCRDs(ctx context.Context) {
	var followers stdsync.WaitGroup
	defer followers.Wait()
	followed := map[string]bool{}
	follow := func() {
		for key, r := range s.customSet().storage {
			if !followed[key] {
				followed[key] = true
				followers.Go(func() { s.collector.follow(ctx, r) })
			}
		}
	}
	sync := func() {
		s.syncCRDs()
		follow()
	}
	s.followStore(ctx, crdStoreKey, s.fromNow, sync, func([]storage.Event) { sync() })
}

// syncCRDs accepts the names of every CRD that waits for it, rebuilds the served set,
// and then marks the CRDs whose resources are served Established.
func (s *Server) syncCRDs() {
	s.acceptAll(false)
	s.rebuildCustom()
	s.acceptAll(true)
}

func (s *Server) acceptAll(establish bool) {
	page, err := s.store.List(crdStoreKey, storage.ListOptions{})
	if err != nil {
		return
	}
	for _, obj := range page.Items {
		crd := obj.(*apiextensionsv1.CustomResourceDefinition)
		if crd.DeletionTimestamp != nil {
			continue
		}
		if crd.Status.AcceptedNames.Kind != crd.Spec.Names.Kind || crd.Status.AcceptedNames.Plural != crd.Spec.Names.Plural ||
			fmt.Sprint(crd.Status.AcceptedNames) != fmt.Sprint(acceptedFor(crd)) ||
			!apiextensionshelpers.IsCRDConditionTrue(crd, apiextensionsv1.Established) {
			if err := s.acceptNames(crd.Name, establish); err != nil && !apierrors.IsNotFound(err) {
				s.log.Error("accept CRD names", "crd", crd.Name, "err", err)
			}
		}
	}
}

// acceptedFor is the accepted names a CRD without a conflict gets.
func acceptedFor(crd *apiextensionsv1.CustomResourceDefinition) apiextensionsv1.CustomResourceDefinitionNames {
	n := crd.Spec.Names
	if n.ListKind == "" {
		n.ListKind = n.Kind + "List"
	}
	if n.Singular == "" {
		n.Singular = strings.ToLower(n.Kind)
	}
	return n
}

// finalizeCRD is the customresourcecleanup finalizer of a CRD being deleted: every object
// of it is deleted; once none is left, the finalizer goes (and with it the CRD).
func (c *collector) finalizeCRD(it collectorItem) bool {
	s := c.s
	obj, err := s.store.Get(crdStoreKey, "", it.name)
	if err != nil {
		return true
	}
	crd := obj.(*apiextensionsv1.CustomResourceDefinition)
	if crd.UID != it.uid || crd.DeletionTimestamp == nil {
		return true
	}
	if !apiextensionshelpers.CRDHasFinalizer(crd, apiextensionsv1.CustomResourceCleanupFinalizer) {
		return true
	}
	key := schema.GroupResource{Group: crd.Spec.Group, Resource: crd.Status.AcceptedNames.Plural}.String()
	res := s.customSet().storage[key]
	left := 0
	if res != nil && crd.Status.AcceptedNames.Plural != "" {
		page, err := s.store.List(key, storage.ListOptions{})
		if err != nil {
			return false
		}
		for _, o := range page.Items {
			left++
			m, _ := meta.Accessor(o)
			if m.GetDeletionTimestamp() != nil {
				continue
			}
			bg := metav1.DeletePropagationBackground
			c.s.deleteObject(requestInfo{res: res, gvr: res.gvr, namespace: m.GetNamespace(), name: m.GetName()}, &metav1.DeleteOptions{PropagationPolicy: &bg})
		}
		if left > 0 {
			c.setCRDTerminating(it.name, "InstanceDeletionInProgress", "CustomResource deletion is in progress")
			return false
		}
	}
	_, _, err = s.store.Update(crdStoreKey, "", it.name, func(cur runtime.Object) (runtime.Object, error) {
		next := cur.(*apiextensionsv1.CustomResourceDefinition).DeepCopy()
		if next.UID != it.uid {
			return cur, nil
		}
		apiextensionshelpers.CRDRemoveFinalizer(next, apiextensionsv1.CustomResourceCleanupFinalizer)
		setCondition(next, apiextensionsv1.Terminating, apiextensionsv1.ConditionTrue, "InstanceDeletionCompleted", "removed all instances")
		return next, nil
	})
	s.rebuildCustom() // a CRD gone is no longer served, at once
	return err == nil || apierrors.IsNotFound(err)
}

func (c *collector) setCRDTerminating(name, reason, msg string) {
	c.s.store.Update(crdStoreKey, "", name, func(cur runtime.Object) (runtime.Object, error) {
		crd := cur.(*apiextensionsv1.CustomResourceDefinition)
		if cond := apiextensionshelpers.FindCRDCondition(crd, apiextensionsv1.Terminating); cond != nil && cond.Reason == reason {
			return cur, nil
		}
		next := crd.DeepCopy()
		setCondition(next, apiextensionsv1.Terminating, apiextensionsv1.ConditionTrue, reason, msg)
		return next, nil
	})
}

// customTerminating refuses a create of a custom object while its CRD is being deleted,
// as upstream does.
func (s *Server) customTerminating(res *resource) error {
	crd := s.customSet().crds[res.storeKey]
	if crd == nil || crd.DeletionTimestamp == nil {
		return nil
	}
	return apierrors.NewForbidden(res.groupResource(), "", errors.New("create not allowed while custom resource definition is terminating"))
}

// updateCustomOpenAPI serves the OpenAPI documents of the custom resources in c: one v3
// document per group version (every CRD of it merged), and their definitions and paths
// merged into the v2 document, as upstream's openapi controllers build them. The
// documents are built when first asked for.
func (s *Server) updateCustomOpenAPI(c *customSet) {
	byGV := map[string][]*resource{}
	for _, r := range c.list {
		p := "apis/" + r.gvr.Group + "/" + r.gvr.Version
		byGV[p] = append(byGV[p], r)
	}
	v3 := map[string]func() (*spec3.OpenAPI, error){}
	for p, rs := range byGV {
		v3[p] = func() (*spec3.OpenAPI, error) {
			var docs []*spec3.OpenAPI
			for _, r := range rs {
				doc, err := builder.BuildOpenAPIV3(r.custom.crd, r.gvr.Version, builder.Options{V2: false, IncludeSelectableFields: true})
				if err != nil {
					return nil, fmt.Errorf("openapi v3 of %s: %w", r.gvr, err)
				}
				docs = append(docs, doc)
			}
			return builder.MergeSpecsV3(docs...)
		}
	}
	list := c.list
	s.docs.SetExtra(v3, func(static *spec.Swagger) (*spec.Swagger, error) {
		var v2 []*spec.Swagger
		for _, r := range list {
			doc, err := builder.BuildOpenAPIV2(r.custom.crd, r.gvr.Version, builder.Options{V2: true, IncludeSelectableFields: true})
			if err != nil {
				return nil, fmt.Errorf("openapi v2 of %s: %w", r.gvr, err)
			}
			v2 = append(v2, doc)
		}
		return builder.MergeSpecs(static, v2...)
	})
}

// demoCRDManifest is the WorkerPool CRD --demo seeds.
//
//go:embed demo-workerpools.yaml
var demoCRDManifest []byte

// DemoCRD is the CustomResourceDefinition --demo seeds: workerpools.demo.sheetops.io.
func DemoCRD() *apiextensionsv1.CustomResourceDefinition {
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.UnmarshalStrict(demoCRDManifest, crd); err != nil {
		panic(fmt.Sprintf("demo CRD: %v", err))
	}
	return crd
}

// demoWorkerPools are the WorkerPools --demo seeds.
var demoWorkerPools = []struct {
	namespace, name, queue string
	replicas               int64
}{
	{"shop", "orders", "orders", 3},
	{"shop", "emails", "emails", 2},
	{"api", "reports", "reports", 1},
}

// seedDemoCustom creates the demo CRD, waits for it to be served, and creates its objects.
func (s *Server) seedDemoCustom() error {
	crd := DemoCRD()
	if err := s.createInternal(crd); err != nil {
		return fmt.Errorf("demo CRD: %w", err)
	}
	s.syncCRDs()
	gvr := schema.GroupVersionResource{Group: crd.Spec.Group, Version: crd.Spec.Versions[0].Name, Resource: crd.Spec.Names.Plural}
	for _, wp := range demoWorkerPools {
		if err := s.createInternal(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: wp.namespace}}); err != nil {
			return fmt.Errorf("demo namespace %s: %w", wp.namespace, err)
		}
		obj := map[string]interface{}{
			"apiVersion": gvr.GroupVersion().String(), "kind": crd.Spec.Names.Kind,
			"metadata": map[string]interface{}{"name": wp.name, "namespace": wp.namespace},
			"spec":     map[string]interface{}{"replicas": wp.replicas, "queue": wp.queue},
		}
		if err := s.createCustom(gvr, obj); err != nil {
			return fmt.Errorf("demo %s %s/%s: %w", crd.Spec.Names.Kind, wp.namespace, wp.name, err)
		}
	}
	return nil
}

// createCustom creates a custom object (its content, in gvr's version) through the create
// pipeline, as the engine itself.
func (s *Server) createCustom(gvr schema.GroupVersionResource, content map[string]interface{}) error {
	served := s.lookup(gvr)
	if served == nil || served.custom == nil {
		return fmt.Errorf("no custom resource serves %s", gvr)
	}
	obj := &customObject{}
	obj.Object = content
	if _, err := served.custom.coerce(&obj.Unstructured, served.gvk().GroupKind()); err != nil {
		return err
	}
	stored := served.view.fromView(obj)
	ri := requestInfo{verb: "create", res: served.view.storage, gvr: gvr, namespace: obj.GetNamespace(), view: served}
	_, err := s.createObjectManaged(ri, stored, internalWrite, false)
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// crdColumns are kube-apiserver's Table columns of CustomResourceDefinitions.
var crdColumns = []metav1.TableColumnDefinition{
	{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
	{Name: "Scope", Type: "string", Description: "scope indicates whether the defined custom resource is cluster- or namespace-scoped."},
	{Name: "Versions", Type: "string", Description: "versions is the list of all API versions of the defined custom resource; the storage version is marked."},
	{Name: "Created At", Type: "date", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]},
	{Name: "Group", Type: "string", Priority: 1, Description: "group is the API group of the defined custom resource."},
	{Name: "Kind", Type: "string", Priority: 1, Description: "kind is the serialized kind of the resource."},
	{Name: "ShortNames", Type: "string", Priority: 1, Description: "shortNames are short names for the resource."},
	{Name: "Established", Type: "boolean", Priority: 1, Description: "whether the custom resource is served."},
}

// crdTable is the Table of a CRD or a list of them.
func crdTable(obj runtime.Object, opts printers.Options) (*metav1.Table, error) {
	var items []*apiextensionsv1.CustomResourceDefinition
	t := &metav1.Table{}
	switch o := obj.(type) {
	case *apiextensionsv1.CustomResourceDefinition:
		items = append(items, o)
	case *apiextensionsv1.CustomResourceDefinitionList:
		for i := range o.Items {
			items = append(items, &o.Items[i])
		}
		t.ResourceVersion, t.Continue, t.RemainingItemCount = o.ResourceVersion, o.Continue, o.RemainingItemCount
	}
	t.APIVersion, t.Kind = "meta.k8s.io/v1", "Table"
	if !opts.NoHeaders {
		t.ColumnDefinitions = crdColumns
	}
	t.Rows = []metav1.TableRow{}
	for _, crd := range items {
		var versions []string
		for _, v := range crd.Spec.Versions {
			if v.Storage {
				versions = append(versions, v.Name+"(storage)")
			} else {
				versions = append(versions, v.Name)
			}
		}
		t.Rows = append(t.Rows, metav1.TableRow{
			Cells: []interface{}{crd.Name, string(crd.Spec.Scope), strings.Join(versions, ","),
				crd.CreationTimestamp.UTC().Format(time.RFC3339), crd.Spec.Group, crd.Spec.Names.Kind,
				strings.Join(crd.Spec.Names.ShortNames, ","), apiextensionshelpers.IsCRDConditionTrue(crd, apiextensionsv1.Established)},
			Object: runtime.RawExtension{Object: withTypeMeta(crd)},
		})
	}
	if err := attachRowObjects(t, opts.IncludeObject); err != nil {
		return nil, err
	}
	return t, nil
}

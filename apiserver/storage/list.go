package storage

import (
	"sort"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
)

// Predicate selects objects (namespace, label and field selectors).
type Predicate func(obj runtime.Object) bool

// ListOptions select what List returns.
type ListOptions struct {
	// Namespace limits the list to one namespace; empty lists all.
	Namespace string
	// Match selects objects; nil selects all.
	Match Predicate
	// Limit is the most objects to return; 0 means all.
	Limit int64
	// After continues a paged list: only keys ("namespace/name") greater than it.
	After string
	// AtRV lists the state at that revision (a paged list's snapshot); 0 means now.
	AtRV uint64
	// Raw returns each item's protobuf encoding (ListResult.Raw) instead of the decoded
	// object: an item is decoded only when Match needs it.
	Raw bool
	// MetaOnly decodes only each object's metadata, without its managed fields: Match
	// sees, and Items hold, *metav1.PartialObjectMetadata (no TypeMeta). For readers of
	// metadata only, at a fraction of the cost of decoding whole objects.
	MetaOnly bool
}

// ListResult is one page.
type ListResult struct {
	// Items are the objects, decoded from their encodings (each a new object); nil with
	// ListOptions.Raw.
	Items []runtime.Object
	// Raw, with ListOptions.Raw, holds each item's protobuf encoding (the generated
	// Marshal, as stored). The bytes are shared: read only.
	Raw [][]byte
	// RV is the revision the page reflects.
	RV uint64
	// Next is the key of the last item returned when more items remain; empty otherwise.
	Next string
	// Remaining counts the objects after this page when Match is nil; -1 otherwise.
	Remaining int64
}

// listed is an object a list may return: its key and stored encoding.
type listed struct {
	key  string
	data []byte
}

// List returns the objects of a resource in key order, as of opts.AtRV (or now). A revision
// older than the kept history fails with ErrExpired. The encodings are taken under the
// read lock; decoding and matching them happen after it is released.
func (s *Store) List(resource string, opts ListOptions) (ListResult, error) {
	cands, res, err := s.listed(resource, opts)
	if err != nil {
		return res, err
	}
	n := 0
	if opts.Match == nil {
		n = len(cands)
		if opts.Limit > 0 && int64(n) > opts.Limit {
			n = int(opts.Limit)
		}
	}
	if opts.Raw {
		res.Raw = make([][]byte, 0, n)
	} else {
		res.Items = make([]runtime.Object, 0, n)
	}
	count, lastKey := int64(0), ""
	for i, c := range cands {
		var obj runtime.Object
		switch {
		case opts.MetaOnly && (opts.Match != nil || !opts.Raw):
			pm := &metav1.PartialObjectMetadata{}
			if err := s.decodeMeta(resource, c.key, c.data, &pm.ObjectMeta); err != nil {
				return res, apierrors.NewInternalError(err)
			}
			obj = pm
		case opts.Match != nil || !opts.Raw:
			if obj, err = s.decode(resource, c.key, c.data); err != nil {
				return res, apierrors.NewInternalError(err)
			}
		}
		if obj != nil {
			if opts.Match != nil && !opts.Match(obj) {
				continue
			}
		}
		if opts.Limit > 0 && count == opts.Limit {
			res.Next = lastKey
			if opts.Match == nil {
				res.Remaining += int64(len(cands) - i)
			}
			break
		}
		if opts.Raw {
			res.Raw = append(res.Raw, c.data)
		} else {
			res.Items = append(res.Items, obj)
		}
		count++
		lastKey = c.key
	}
	if opts.Match != nil || res.Next == "" {
		res.Remaining = -1
	}
	return res, nil
}

// listed returns, under the read lock, the keys and encodings a list goes through: those
// of the namespace after opts.After, as of opts.AtRV. Without Match, at most one past
// opts.Limit, with res.Remaining counting the others.
func (s *Store) listed(resource string, opts ListOptions) ([]listed, ListResult, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	res := ListResult{RV: s.rev}
	r := s.items[resource]
	if r == nil {
		r = newResourceItems()
	}
	prefix := ""
	if opts.Namespace != "" {
		prefix = opts.Namespace + "/"
	}
	from := rangeStart(prefix, opts.After)
	take := -1 // every candidate
	if opts.Match == nil && opts.Limit > 0 {
		take = int(opts.Limit) + 1
	}
	var cands []listed
	if take > 0 {
		cands = make([]listed, 0, min(take, r.order.Len()))
	}
	full := func() bool { return take >= 0 && len(cands) >= take }
	// visit takes the key k with its encoding at the list's revision (nil: absent then).
	visit := func(k string, data []byte) {
		switch {
		case data == nil:
		case full():
			res.Remaining++ // counted with the candidates left after the page
		default:
			cands = append(cands, listed{key: k, data: data})
		}
	}
	// visitNow is visit for a key there now and unchanged since: one past the page is
	// counted without looking up its encoding.
	visitNow := func(k string) bool {
		if full() {
			res.Remaining++
		} else {
			visit(k, r.raw[k])
		}
		return true
	}

	if opts.AtRV != 0 && opts.AtRV < s.rev {
		past, err := s.stateAt(resource, opts.AtRV)
		if err != nil {
			return nil, res, err
		}
		res.RV = opts.AtRV
		if len(past) > 0 {
			// The keys of the range that changed since opts.AtRV, in order, merged into
			// the walk of the keys there now; each with its encoding then (nil: absent).
			var changed []string
			for k := range past {
				if strings.HasPrefix(k, prefix) && k >= from {
					changed = append(changed, k)
				}
			}
			sort.Strings(changed)
			r.ascend(prefix, from, func(k string) bool {
				for len(changed) > 0 && changed[0] < k { // absent now
					visit(changed[0], past[changed[0]])
					changed = changed[1:]
				}
				if len(changed) > 0 && changed[0] == k {
					changed = changed[1:]
					visit(k, past[k])
					return true
				}
				return visitNow(k)
			})
			for _, k := range changed {
				visit(k, past[k])
			}
			return cands, res, nil
		}
	}
	r.ascend(prefix, from, visitNow)
	return cands, res, nil
}

// stateAt returns, for every key of resource changed after rv, its encoding at rv (nil: absent).
func (s *Store) stateAt(resource string, rv uint64) (map[string][]byte, error) {
	past := map[string][]byte{}
	err := s.historySince(rv, resource, func(h *histEvent) error {
		if _, seen := past[h.key]; !seen {
			past[h.key] = h.old // nil when added since
		}
		return nil
	})
	return past, err
}

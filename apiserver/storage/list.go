package storage

import (
	"sort"
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
	// Raw also returns each item's protobuf encoding (ListResult.Raw).
	Raw bool
}

// ListResult is one page.
type ListResult struct {
	Items []runtime.Object
	// Raw, with ListOptions.Raw, holds each item's protobuf encoding (the generated
	// Marshal) where the store has it: nil for past states of a snapshot list.
	Raw [][]byte
	// RV is the revision the page reflects.
	RV uint64
	// Next is the key of the last item returned when more items remain; empty otherwise.
	Next string
	// Remaining counts the objects after this page when Match is nil; -1 otherwise.
	Remaining int64

	lastKey string
}

// List returns the objects of a resource in key order, as of opts.AtRV (or now). A revision
// older than the kept history fails with ErrExpired.
func (s *Store) List(resource string, opts ListOptions) (ListResult, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	res := ListResult{RV: s.rev, Remaining: -1}
	r := s.items[resource]
	if r == nil {
		r = newResourceItems()
	}
	keys := r.keys()
	get := func(k string) (runtime.Object, bool) { o, ok := r.objects[k]; return o, ok }
	raw := func(k string, o runtime.Object) []byte { return r.raw[k] }

	if opts.AtRV != 0 && opts.AtRV < s.rev {
		past, err := s.stateAt(resource, opts.AtRV)
		if err != nil {
			return res, err
		}
		res.RV = opts.AtRV
		if len(past) > 0 {
			merged := make([]string, 0, len(keys)+len(past))
			merged = append(merged, keys...)
			for k := range past {
				if _, ok := r.objects[k]; !ok {
					merged = append(merged, k)
				}
			}
			sort.Strings(merged)
			keys = merged
			get = func(k string) (runtime.Object, bool) {
				if o, ok := past[k]; ok {
					return o, o != nil
				}
				o, ok := r.objects[k]
				return o, ok
			}
			raw = func(k string, o runtime.Object) []byte {
				if r.objects[k] != o {
					return nil
				}
				return r.raw[k]
			}
		}
	}

	prefix := ""
	if opts.Namespace != "" {
		prefix = opts.Namespace + "/"
	}
	start := sort.SearchStrings(keys, prefix)
	if opts.After != "" && opts.After >= prefix {
		start = sort.Search(len(keys), func(i int) bool { return keys[i] > opts.After })
	}
	if opts.Match == nil && opts.Limit == 0 && len(keys) > start {
		// every key of the namespace is listed (past states aside): size the page once
		end := len(keys)
		if prefix != "" {
			end = start + sort.Search(len(keys)-start, func(i int) bool { return !strings.HasPrefix(keys[start+i], prefix) && keys[start+i] > prefix })
		}
		res.Items = make([]runtime.Object, 0, end-start)
		if opts.Raw {
			res.Raw = make([][]byte, 0, end-start)
		}
	}
	for i := start; i < len(keys); i++ {
		k := keys[i]
		if prefix != "" && !strings.HasPrefix(k, prefix) {
			break
		}
		obj, ok := get(k)
		if !ok || (opts.Match != nil && !opts.Match(obj)) {
			continue
		}
		if opts.Limit > 0 && int64(len(res.Items)) == opts.Limit {
			res.Next = res.lastKey
			if opts.Match == nil {
				res.Remaining = countPrefix(keys[i:], prefix, get)
			}
			break
		}
		res.Items = append(res.Items, obj)
		if opts.Raw {
			res.Raw = append(res.Raw, raw(k, obj))
		}
		res.lastKey = k
	}
	return res, nil
}

func countPrefix(keys []string, prefix string, get func(string) (runtime.Object, bool)) int64 {
	var n int64
	for _, k := range keys {
		if prefix != "" && !strings.HasPrefix(k, prefix) {
			break
		}
		if _, ok := get(k); ok {
			n++
		}
	}
	return n
}

// stateAt returns, for every key of resource changed after rv, its object at rv (nil: absent).
func (s *Store) stateAt(resource string, rv uint64) (map[string]runtime.Object, error) {
	past := map[string]runtime.Object{}
	err := s.historySince(rv, resource, func(h *histEvent) error {
		if _, seen := past[h.key]; seen {
			return nil
		}
		if h.old == nil {
			past[h.key] = nil // added since
			return nil
		}
		old, err := s.decodeAt(resource, h.key, h.old)
		past[h.key] = old
		return err
	})
	return past, err
}

package storage

import (
	"fmt"
	stdsync "sync"

	"google.golang.org/protobuf/encoding/protowire"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// decodedCacheSize is how many decoded objects the store keeps beside the encodings: the
// objects got, created and updated last. A running pod decodes into about 6 KB, so this is
// a few MB whatever the store's size.
const decodedCacheSize = 512

// decode decodes an object of resource from data, its stored encoding. The object is new:
// nothing else refers to it.
func (s *Store) decode(resource, key string, data []byte) (runtime.Object, error) {
	obj, ok := s.opts.New(resource)
	if !ok {
		return nil, fmt.Errorf("decode %s %s: no such resource", resource, key)
	}
	if err := obj.Unmarshal(data); err != nil {
		return nil, fmt.Errorf("decode %s %s: %w", resource, key, err)
	}
	return obj, nil
}

// decodeCached is the object whose stored encoding is data: one decoded last, or decoded
// now and kept among them (its managed fields pointing into data, see shareEncoding).
// Called with or without the store's lock.
func (s *Store) decodeCached(resource, key string, data []byte) (runtime.Object, error) {
	if obj, ok := s.decoded.get(resource, key, data); ok {
		return obj, nil
	}
	obj, err := s.decode(resource, key, data)
	if err != nil {
		return nil, err
	}
	shareEncoding(obj, data)
	s.decoded.put(resource, key, data, obj)
	return obj, nil
}

// decodedCache keeps the objects decoded last (and those written last), each with the
// encoding it was decoded from: an entry answers only for that very encoding, so one left
// behind by a later write is never returned. Handing out the same object for the same
// state lets Encoded recognize it (a response copies the stored bytes instead of encoding
// the object again), and saves decoding an object read again soon after.
type decodedCache struct {
	mu      stdsync.Mutex
	entries map[cacheKey]cachedObject
	ring    [decodedCacheSize]cacheKey // insertion order, for eviction
	next    int                        // the ring's slot to fill next
}

type cacheKey struct{ resource, key string }

type cachedObject struct {
	data []byte
	obj  runtime.Object
}

// sameBytes reports whether a and b are the same slice (not merely equal bytes).
func sameBytes(a, b []byte) bool {
	return len(a) == len(b) && len(a) > 0 && &a[0] == &b[0]
}

// get returns the object decoded from data, if it is kept.
func (c *decodedCache) get(resource, key string, data []byte) (runtime.Object, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[cacheKey{resource, key}]
	if !ok || !sameBytes(e.data, data) {
		return nil, false
	}
	return e.obj, true
}

// put keeps obj, decoded from (or encoded as) data, in place of what was kept for its key.
func (c *decodedCache) put(resource, key string, data []byte, obj runtime.Object) {
	k := cacheKey{resource, key}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = make(map[cacheKey]cachedObject, decodedCacheSize)
	}
	if _, ok := c.entries[k]; !ok {
		if old := c.ring[c.next]; old != (cacheKey{}) {
			delete(c.entries, old)
		}
		c.ring[c.next] = k
		c.next = (c.next + 1) % len(c.ring)
	}
	c.entries[k] = cachedObject{data: data, obj: obj}
}

// forget drops what is kept for key (a deletion).
func (c *decodedCache) forget(resource, key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, cacheKey{resource, key})
}

// decodeMeta decodes only the metadata of an object of resource from data, its stored
// encoding, without the managed fields: a fraction of the cost and size of the whole
// object, for those who read no more (the garbage collector, selectors on labels). The
// result (into, empty) is new. An encoding that is not a generated type's protobuf (custom
// resources are stored as JSON) is decoded whole.
func (s *Store) decodeMeta(resource, key string, data []byte, into *metav1.ObjectMeta) error {
	if ok, err := unmarshalMetadata(data, into); ok {
		if err != nil {
			return fmt.Errorf("decode the metadata of %s %s: %w", resource, key, err)
		}
		return nil
	}
	obj, err := s.decode(resource, key, data)
	if err != nil {
		return err
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return fmt.Errorf("decode %s %s: %w", resource, key, err)
	}
	*into = metav1.ObjectMeta{
		Name: m.GetName(), GenerateName: m.GetGenerateName(), Namespace: m.GetNamespace(),
		UID: m.GetUID(), ResourceVersion: m.GetResourceVersion(), Generation: m.GetGeneration(),
		CreationTimestamp: m.GetCreationTimestamp(), DeletionTimestamp: m.GetDeletionTimestamp(),
		DeletionGracePeriodSeconds: m.GetDeletionGracePeriodSeconds(), Labels: m.GetLabels(),
		Annotations: m.GetAnnotations(), OwnerReferences: m.GetOwnerReferences(), Finalizers: m.GetFinalizers(),
	}
	return nil
}

// Protobuf field numbers: every generated kind's metadata is its field 1, and ObjectMeta's
// managedFields its field 17.
const (
	fieldMetadata      = 1
	fieldManagedFields = 17
)

// unmarshalMetadata decodes into the ObjectMeta within data, a generated type's protobuf
// encoding, without its managed fields: the runs of other fields are unmarshaled one after
// the other (a generated Unmarshal merges into what it is given), with no copy. It
// reports false when data is no such encoding.
func unmarshalMetadata(data []byte, into *metav1.ObjectMeta) (bool, error) {
	num, typ, n := protowire.ConsumeTag(data)
	if n < 0 || num != fieldMetadata || typ != protowire.BytesType {
		return false, nil
	}
	md, m := protowire.ConsumeBytes(data[n:])
	if m < 0 {
		return false, nil
	}
	run := 0 // where the current run of fields other than managedFields starts
	for i := 0; i < len(md); {
		num, typ, n := protowire.ConsumeTag(md[i:])
		if n < 0 {
			return true, protowire.ParseError(n)
		}
		l := protowire.ConsumeFieldValue(num, typ, md[i+n:])
		if l < 0 {
			return true, protowire.ParseError(l)
		}
		if num == fieldManagedFields {
			if run < i {
				if err := into.Unmarshal(md[run:i]); err != nil {
					return true, err
				}
			}
			run = i + n + l
		}
		i += n + l
	}
	if run < len(md) {
		return true, into.Unmarshal(md[run:])
	}
	return true, nil
}

package kube

import (
	"encoding/json"
	"fmt"
	"strings"
	stdsync "sync"

	"k8s.io/client-go/discovery"
)

// FieldStep is one step of a field path: a key of an object, or (Index) any element of a
// list.
type FieldStep struct {
	Key   string
	Index bool
}

// Schemas answers whether a field exists in a resource's schema, from the cluster's OpenAPI
// v3 documents (/openapi/v3, one per group-version, read once each). It is how a tab's
// editable column is checked at start: a path the kind's schema does not have would never
// be accepted by the API server. Safe for concurrent use.
type Schemas struct {
	d discovery.DiscoveryInterface

	mu   stdsync.Mutex
	docs map[string]*openAPIDoc // by group-version path ("apis/apps/v1")
}

type openAPIDoc struct {
	Components struct {
		Schemas map[string]*schemaNode `json:"schemas"`
	} `json:"components"`
}

// schemaNode is the part of an OpenAPI v3 schema a field lookup needs.
type schemaNode struct {
	Ref                  string                 `json:"$ref"`
	AllOf                []*schemaNode          `json:"allOf"`
	Type                 string                 `json:"type"`
	Properties           map[string]*schemaNode `json:"properties"`
	Items                *schemaNode            `json:"items"`
	AdditionalProperties json.RawMessage        `json:"additionalProperties"`
	PreserveUnknown      bool                   `json:"x-kubernetes-preserve-unknown-fields"`
	IntOrString          bool                   `json:"x-kubernetes-int-or-string"`
	GVK                  []struct {
		Group, Version, Kind string
	} `json:"x-kubernetes-group-version-kind"`
}

// NewSchemas reads schemas through d.
func NewSchemas(d discovery.DiscoveryInterface) *Schemas {
	return &Schemas{d: d, docs: map[string]*openAPIDoc{}}
}

// HasField reports whether r's objects have the field at path. An error means the schema
// could not be read (the cluster serves no OpenAPI v3 for it): the caller cannot tell.
func (s *Schemas) HasField(r Resource, path []FieldStep) (bool, error) {
	doc, err := s.doc(r)
	if err != nil {
		return false, err
	}
	var root *schemaNode
	for _, n := range doc.Components.Schemas {
		for _, g := range n.GVK {
			if g.Group == r.Group && g.Version == r.Version && g.Kind == r.Kind {
				root = n
			}
		}
	}
	if root == nil {
		return false, fmt.Errorf("no schema of %s in the cluster's OpenAPI", r.GroupVersionKind())
	}
	node := doc.resolve(root)
	for _, step := range path {
		if node == nil {
			return false, nil
		}
		if node.PreserveUnknown {
			return true, nil // anything goes below (custom resources' free-form fields)
		}
		if step.Index {
			if node.Type != "array" || node.Items == nil {
				return false, nil
			}
			node = doc.resolve(node.Items)
			continue
		}
		if p, ok := node.Properties[step.Key]; ok {
			node = doc.resolve(p)
			continue
		}
		if extra := node.additional(); extra != nil {
			node = doc.resolve(extra) // a map: any key
			continue
		}
		return false, nil
	}
	return node != nil, nil
}

// additional is a map's value schema, nil when the object takes no other keys.
func (n *schemaNode) additional() *schemaNode {
	raw := strings.TrimSpace(string(n.AdditionalProperties))
	switch raw {
	case "", "false", "null":
		return nil
	case "true":
		return &schemaNode{PreserveUnknown: true}
	}
	var v schemaNode
	if json.Unmarshal(n.AdditionalProperties, &v) != nil {
		return nil
	}
	return &v
}

// resolve follows $ref and a lone allOf (how v3 documents wrap references).
func (d *openAPIDoc) resolve(n *schemaNode) *schemaNode {
	for i := 0; n != nil && i < 32; i++ {
		switch {
		case n.Ref != "":
			n = d.Components.Schemas[strings.TrimPrefix(n.Ref, "#/components/schemas/")]
		case len(n.AllOf) == 1 && n.Properties == nil && n.Type == "":
			n = n.AllOf[0]
		default:
			return n
		}
	}
	return n
}

func (s *Schemas) doc(r Resource) (*openAPIDoc, error) {
	key := "apis/" + r.Group + "/" + r.Version
	if r.Group == "" {
		key = "api/" + r.Version
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.docs[key]; ok {
		return d, nil
	}
	paths, err := s.d.OpenAPIV3().Paths()
	if err != nil {
		return nil, fmt.Errorf("read the cluster's OpenAPI v3: %w", err)
	}
	gv, ok := paths[key]
	if !ok {
		return nil, fmt.Errorf("the cluster serves no OpenAPI v3 for %s", key)
	}
	data, err := gv.Schema("application/json")
	if err != nil {
		return nil, fmt.Errorf("read the cluster's OpenAPI v3 for %s: %w", key, err)
	}
	var d openAPIDoc
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("the cluster's OpenAPI v3 for %s: %w", key, err)
	}
	s.docs[key] = &d
	return &d, nil
}

package apiserver

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsapply "k8s.io/apiextensions-apiserver/pkg/client/applyconfiguration"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/client-go/applyconfigurations"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	aggregatorapply "k8s.io/kube-aggregator/pkg/client/applyconfiguration"
	"sigs.k8s.io/structured-merge-diff/v6/schema"
)

// TestServedTypes holds servedTypes, the field managers' types read from the OpenAPI
// definitions, to the schema of every served built-in kind in the apply configurations'
// type converters (client-go's, kube-aggregator's, apiextensions-apiserver's), which the
// field managers used before: field by field, with the lists' and maps' element
// relationships and keys, defaults and nullability, down to the scalars. Unions are not
// compared: the definitions' x-kubernetes-unions do not reach the converter, and neither
// structured-merge-diff's typed values nor its merges read a schema's unions.
func TestServedTypes(t *testing.T) {
	got, err := servedTypes()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]managedfields.TypeConverter{
		"":                          applyconfigurations.NewTypeConverter(scheme),
		apiregistrationv1.GroupName: aggregatorapply.NewTypeConverter(scheme),
		apiextensionsv1.GroupName:   apiextensionsapply.NewTypeConverter(scheme),
	}
	for _, r := range resources {
		if r.custom != nil {
			continue
		}
		t.Run(r.gvk().String(), func(t *testing.T) {
			wtc, ok := want[r.gvk().Group]
			if !ok {
				wtc = want[""]
			}
			obj := r.newObj()
			obj.GetObjectKind().SetGroupVersionKind(r.gvk())
			g, err := got.ObjectToTyped(obj)
			if err != nil {
				t.Fatalf("servedTypes: %v", err)
			}
			w, err := wtc.ObjectToTyped(obj)
			if err != nil {
				t.Fatalf("apply configurations: %v", err)
			}
			if diff := typeDiff(g.Schema(), g.TypeRef(), w.Schema(), w.TypeRef(), r.kind, map[[2]string]bool{}); diff != "" {
				t.Error(diff)
			}
		})
	}
}

// typeDiff describes the first difference between type a of schema sa and type b of sb
// (path names where), "" when they are the same.
func typeDiff(sa *schema.Schema, a schema.TypeRef, sb *schema.Schema, b schema.TypeRef, path string, seen map[[2]string]bool) string {
	if a.NamedType != nil && b.NamedType != nil {
		pair := [2]string{*a.NamedType, *b.NamedType}
		if seen[pair] && a.ElementRelationship == nil && b.ElementRelationship == nil {
			return ""
		}
		seen[pair] = true
	}
	if a.Nullable != b.Nullable {
		return fmt.Sprintf("%s: nullable %v, want %v", path, a.Nullable, b.Nullable)
	}
	aa, ok := sa.Resolve(a)
	if !ok {
		return fmt.Sprintf("%s: %v does not resolve", path, a)
	}
	ab, ok := sb.Resolve(b)
	if !ok {
		return fmt.Sprintf("%s: want's %v does not resolve", path, b)
	}
	switch {
	case (aa.Scalar == nil) != (ab.Scalar == nil) || (aa.List == nil) != (ab.List == nil) || (aa.Map == nil) != (ab.Map == nil):
		return fmt.Sprintf("%s: scalar/list/map %v/%v/%v, want %v/%v/%v", path, aa.Scalar != nil, aa.List != nil, aa.Map != nil, ab.Scalar != nil, ab.List != nil, ab.Map != nil)
	case aa.Scalar != nil && *aa.Scalar != *ab.Scalar:
		return fmt.Sprintf("%s: scalar %s, want %s", path, *aa.Scalar, *ab.Scalar)
	case aa.List != nil:
		if aa.List.ElementRelationship != ab.List.ElementRelationship || !slices.Equal(aa.List.Keys, ab.List.Keys) {
			return fmt.Sprintf("%s: list %s keys %v, want %s keys %v", path, aa.List.ElementRelationship, aa.List.Keys, ab.List.ElementRelationship, ab.List.Keys)
		}
		return typeDiff(sa, aa.List.ElementType, sb, ab.List.ElementType, path+"[]", seen)
	case aa.Map != nil:
		ma, mb := aa.Map, ab.Map
		if ma.ElementRelationship != mb.ElementRelationship {
			return fmt.Sprintf("%s: map %s, want %s", path, ma.ElementRelationship, mb.ElementRelationship)
		}
		if len(ma.Fields) != len(mb.Fields) {
			return fmt.Sprintf("%s: %d fields, want %d", path, len(ma.Fields), len(mb.Fields))
		}
		for _, fa := range ma.Fields { // the order is the definitions' (a map's) in one
			i := slices.IndexFunc(mb.Fields, func(f schema.StructField) bool { return f.Name == fa.Name })
			if i < 0 {
				return fmt.Sprintf("%s: field %s is not in want's", path, fa.Name)
			}
			fb := mb.Fields[i]
			if !reflect.DeepEqual(plain(fa.Default), plain(fb.Default)) {
				return fmt.Sprintf("%s.%s: default %#v, want %#v", path, fa.Name, fa.Default, fb.Default)
			}
			if d := typeDiff(sa, fa.Type, sb, fb.Type, path+"."+fa.Name, seen); d != "" {
				return d
			}
		}
		if (ma.ElementType.NamedType != nil || ma.ElementType.Inlined != schema.Atom{}) || (mb.ElementType.NamedType != nil || mb.ElementType.Inlined != schema.Atom{}) {
			return typeDiff(sa, ma.ElementType, sb, mb.ElementType, path+"{}", seen)
		}
	}
	return ""
}

// plain is v with YAML's map[any]any (the apply configurations' schemas are parsed from
// YAML) as map[string]any, and strings and numbers of named types as string and float64,
// for comparison with JSON's.
func plain(v any) any {
	switch v := v.(type) {
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[fmt.Sprint(k)] = plain(e)
		}
		return m
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = plain(e)
		}
		return m
	case []any:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = plain(e)
		}
		return l
	}
	switch rv := reflect.ValueOf(v); rv.Kind() { // a named type's value (corev1.AzureDataDiskKind) as the JSON one
	case reflect.String:
		return rv.String()
	case reflect.Int, reflect.Int32, reflect.Int64:
		return float64(rv.Int())
	case reflect.Float32, reflect.Float64:
		return rv.Float()
	}
	return v
}

package apiserver

import (
	"bytes"
	"net/http/httptest"
	"strconv"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/sheetops/sheetops/apiserver/storage"
)

// TestProtobufFromStored checks that protobuf responses written from stored encodings are
// byte for byte what apimachinery's protobuf serializer writes for the same objects.
func TestProtobufFromStored(t *testing.T) {
	replicas := int32(3)
	objects := []runtime.Object{
		&corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", ResourceVersion: "7", Labels: map[string]string{"b": "2", "a": "1"},
				ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "m", Operation: metav1.ManagedFieldsOperationUpdate, FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:metadata":{}}`)}}}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}},
		},
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: "ns"}, Spec: appsv1.DeploymentSpec{Replicas: &replicas}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ns"}, Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}},
	}
	for _, obj := range objects {
		res := resourceOf(obj)
		if res == nil {
			t.Fatalf("no resource for %T", obj)
		}
		raw, err := obj.(storage.Marshaler).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		writeProtobufRaw(rec, 200, res.gvk(), raw)
		want, err := encode(withTypeMeta(obj), mediaProtobuf)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(rec.Body.Bytes(), want) {
			t.Errorf("%s: object from stored bytes differs from the serializer's:\n got %q\nwant %q", res.kind, rec.Body.Bytes(), want)
		}

		// A watch event, as the serializer's WatchEvent framing.
		for _, typ := range []watch.EventType{watch.Added, watch.Deleted} {
			fromRaw, fromObj := httptest.NewRecorder(), httptest.NewRecorder()
			a := &eventWriter{w: fromRaw, out: output{kind: outObject, mediaType: mediaProtobuf}}
			b := &eventWriter{w: fromObj, out: output{kind: outObject, mediaType: mediaProtobuf}}
			if !a.writeProtobufRaw(typ, res.gvk(), raw) || !a.flush() || !b.write(typ, withTypeMeta(obj)) || !b.flush() {
				t.Fatal("event not written")
			}
			if !bytes.Equal(fromRaw.Body.Bytes(), fromObj.Body.Bytes()) {
				t.Errorf("%s %s: event from stored bytes differs from the serializer's", res.kind, typ)
			}
		}

		// Lists of 0, 1 and many items (more than one write chunk), with list metadata.
		for _, n := range []int{0, 1, 300} {
			big := listChunk/len(raw) + 10
			if n == 300 {
				n = big
			}
			items := make([]runtime.Object, n)
			raws := make([][]byte, n)
			for i := range items {
				items[i] = obj
				raws[i] = raw
			}
			list := res.newList()
			lm, _ := meta.ListAccessor(list)
			lm.SetResourceVersion(strconv.Itoa(42 + n))
			if n > 0 {
				lm.SetContinue("token")
				rem := int64(5)
				lm.SetRemainingItemCount(&rem)
			}
			rec := httptest.NewRecorder()
			gvk := res.gvr.GroupVersion().WithKind(res.listKind)
			if err := writeProtobufList(rec, list, gvk, raws); err != nil {
				t.Fatal(err)
			}
			full := res.newList()
			lm2, _ := meta.ListAccessor(full)
			lm2.SetResourceVersion(lm.GetResourceVersion())
			lm2.SetContinue(lm.GetContinue())
			lm2.SetRemainingItemCount(lm.GetRemainingItemCount())
			if err := meta.SetList(full, items); err != nil {
				t.Fatal(err)
			}
			full.GetObjectKind().SetGroupVersionKind(gvk)
			want, err := encode(full, mediaProtobuf)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(rec.Body.Bytes(), want) {
				t.Errorf("%s with %d items: list from stored bytes differs from the serializer's (%d vs %d bytes)", res.listKind, n, rec.Body.Len(), len(want))
			}
			if ct := rec.Header().Get("Content-Type"); ct != mediaProtobuf {
				t.Errorf("Content-Type %q", ct)
			}
		}
	}
}

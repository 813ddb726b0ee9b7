package controllers

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/utils/dump"
)

// computeHash is upstream's controller.ComputeHash: FNV-1a (32 bits) over the spew dump of
// the template that k8s.io/utils/dump.ForHash gives, then the collision count as 8
// little-endian bytes when set, encoded with rand.SafeEncodeString. The same template and the
// same k8s.io/api version give the same pod-template-hash as a real cluster.
func computeHash(template *corev1.PodTemplateSpec, collisionCount *int32) string {
	h := fnv.New32a()
	fmt.Fprintf(h, "%v", dump.ForHash(*template))
	if collisionCount != nil {
		b := make([]byte, 8)
		binary.LittleEndian.PutUint32(b, uint32(*collisionCount))
		h.Write(b)
	}
	return rand.SafeEncodeString(fmt.Sprint(h.Sum32()))
}

// generateNamePrefix is the generateName of the pods of a controller named name: "name-", or
// name itself when that is not a valid prefix, as upstream.
func generateNamePrefix(name string) string {
	prefix := name + "-"
	if len(apivalidation.NameIsDNSSubdomain(prefix, true)) != 0 {
		return name
	}
	return prefix
}

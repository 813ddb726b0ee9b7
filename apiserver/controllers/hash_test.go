package controllers

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"strings"
	"testing"

	"github.com/davecgh/go-spew/spew"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
)

func nginxTemplate(image string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "nginx"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "nginx", Image: image,
			Ports: []corev1.ContainerPort{{ContainerPort: 80, Protocol: corev1.ProtocolTCP}},
		}}},
	}
}

// defaultedTemplate is nginxTemplate as the API server stores it: defaults set, pointers too.
func defaultedTemplate() corev1.PodTemplateSpec {
	t := nginxTemplate("nginx:1.27")
	grace := int64(30)
	t.Spec.RestartPolicy = corev1.RestartPolicyAlways
	t.Spec.TerminationGracePeriodSeconds = &grace
	t.Spec.DNSPolicy = corev1.DNSClusterFirst
	t.Spec.SecurityContext = &corev1.PodSecurityContext{}
	t.Spec.SchedulerName = corev1.DefaultSchedulerName
	c := &t.Spec.Containers[0]
	c.TerminationMessagePath = corev1.TerminationMessagePathDefault
	c.TerminationMessagePolicy = corev1.TerminationMessageReadFile
	c.ImagePullPolicy = corev1.PullIfNotPresent
	return t
}

// upstreamHash is upstream's ComputeHash as it was written before k8s.io/utils/dump existed:
// spew with the original printer settings. dump.ForHash promises the same output.
func upstreamHash(template *corev1.PodTemplateSpec, collisionCount *int32) string {
	h := fnv.New32a()
	printer := spew.ConfigState{Indent: " ", SortKeys: true, DisableMethods: true, SpewKeys: true}
	printer.Fprintf(h, "%#v", *template)
	if collisionCount != nil {
		b := make([]byte, 8)
		binary.LittleEndian.PutUint32(b, uint32(*collisionCount))
		h.Write(b)
	}
	return rand.SafeEncodeString(fmt.Sprint(h.Sum32()))
}

func TestComputeHash(t *testing.T) {
	one, two := int32(1), int32(2)
	tests := []struct {
		name      string
		template  corev1.PodTemplateSpec
		collision *int32
		// want pins the value for k8s.io/api v0.37.2: a change means the pod-template-hash of
		// every existing deployment changes, which a real cluster would notice too.
		want string
	}{
		{"empty", corev1.PodTemplateSpec{}, nil, "54f4c57dcb"},
		{"nginx", nginxTemplate("nginx:1.27"), nil, "7bdc8c9d95"},
		{"nginx collision 1", nginxTemplate("nginx:1.27"), &one, "84c98d79f8"},
		{"nginx collision 2", nginxTemplate("nginx:1.27"), &two, "694dd655b5"},
		{"other image", nginxTemplate("nginx:1.28"), nil, "7bb49b7b46"},
		{"defaulted, with pointers", defaultedTemplate(), nil, "75cc477c85"},
	}
	seen := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := computeHash(&tt.template, tt.collision)
			if up := upstreamHash(&tt.template, tt.collision); got != up {
				t.Errorf("computeHash = %q, upstream's spew printer gives %q", got, up)
			}
			if got != tt.want {
				t.Errorf("computeHash = %q, want %q", got, tt.want)
			}
			if again := computeHash(tt.template.DeepCopy(), tt.collision); again != got {
				t.Errorf("not deterministic: %q then %q", got, again)
			}
			if strings.Trim(got, "bcdfghjklmnpqrstvwxz2456789") != "" {
				t.Errorf("hash %q has characters outside rand.SafeEncodeString's alphabet", got)
			}
			if other, dup := seen[got]; dup {
				t.Errorf("hash %q of %s equals that of %s", got, tt.name, other)
			}
			seen[got] = tt.name
		})
	}
}

// TestComputeHashNoCollisions is upstream's TestPodTemplateSpecHash: a thousand templates that
// differ in one image tag hash differently.
func TestComputeHashNoCollisions(t *testing.T) {
	seen := map[string]int{}
	for i := range 1000 {
		tpl := nginxTemplate(fmt.Sprintf("registry/test/cats:v0.%d.0", i))
		h := computeHash(&tpl, nil)
		if j, ok := seen[h]; ok {
			t.Fatalf("hash collision between %d and %d: %s", j, i, h)
		}
		seen[h] = i
	}
}

func TestGenerateNamePrefix(t *testing.T) {
	tests := []struct{ name, want string }{
		{"web-5f7b6687c8", "web-5f7b6687c8-"},
		{strings.Repeat("a", 253), strings.Repeat("a", 253) + "-"}, // generateName may be long: the server truncates
		{"Not_A_Name", "Not_A_Name"},
	}
	for _, tt := range tests {
		if got := generateNamePrefix(tt.name); got != tt.want {
			t.Errorf("generateNamePrefix(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

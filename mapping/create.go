package mapping

import (
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
)

// AppLabel is the label NewObject puts on a Deployment and its pod template, with the
// Deployment's name as value; the Deployment selects its pods by it.
const AppLabel = "app"

// NewObject builds the object a create row asks for (a row with no UID), from its cells by
// header. A Deployment needs Namespace, Name, Image and Replicas; a Pod needs Namespace, Name
// and Image; other cells are ignored. A missing or invalid cell is an *InvalidError naming the
// first such column in sheet order ("Replicas: not a whole number").
//
// The Deployment has the label app=<name> on itself and its pod template, the selector
// app=<name>, and one container; the Pod has one container. The container runs the image and
// is named after the image's last path component without tag or digest, made a DNS-1123
// label ("registry:5000/team/my_app:v1" gives "my-app"), or "app" when nothing is left.
func (t Tab) NewObject(cells map[string]string) (runtime.Object, error) {
	if t.Creator != nil {
		return t.Creator(t, cells)
	}
	return t.newDeploymentOrPod(cells)
}

// newDeploymentOrPod is the create of the Deployments and Pods tabs.
func (t Tab) newDeploymentOrPod(cells map[string]string) (runtime.Object, error) {
	var required []string
	switch t.Resource {
	case Deployment:
		required = []string{Namespace, Name, Replicas, Image}
	case Pod:
		required = []string{Namespace, Name, Image}
	default:
		return nil, invalid("this tab cannot create objects; give it a create: template in the config (see config.example.yaml)")
	}
	v, err := t.parseCreate(cells, required)
	if err != nil {
		return nil, err
	}
	container := corev1.Container{Name: containerName(v.image), Image: v.image}
	if t.Resource == Pod {
		return &corev1.Pod{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: Pod.Kind},
			ObjectMeta: metav1.ObjectMeta{Namespace: v.namespace, Name: v.name},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{container}},
		}, nil
	}
	labels := func() map[string]string { return map[string]string{AppLabel: v.name} }
	replicas := v.replicas
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: Deployment.Kind},
		ObjectMeta: metav1.ObjectMeta{Namespace: v.namespace, Name: v.name, Labels: labels()},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels()},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels()},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{container}},
			},
		},
	}, nil
}

// createValues are the parsed cells of a create row.
type createValues struct {
	namespace, name, image string
	replicas               int32
}

// parseCreate parses the required cells, in the tab's column order so that the first error
// reported is the leftmost one a person sees; required columns the tab lacks come last.
func (t Tab) parseCreate(cells map[string]string, required []string) (createValues, error) {
	order := make([]string, 0, len(required))
	for _, c := range t.Columns {
		for _, r := range required {
			if c.Header == r {
				order = append(order, r)
			}
		}
	}
	for _, r := range required {
		if t.Column(r) == nil {
			order = append(order, r)
		}
	}
	var v createValues
	for _, h := range order {
		var err error
		cell := cells[h]
		switch h {
		case Namespace:
			v.namespace, err = ParseNamespace(cell)
		case Name:
			v.name, err = ParseName(cell)
			if err == nil && t.Resource == Deployment {
				// The name is also the value of the app label.
				if msgs := validation.IsValidLabelValue(v.name); len(msgs) > 0 {
					err = invalid(strings.Join(msgs, "; "))
				}
			}
		case Replicas:
			v.replicas, err = ParseReplicas(cell)
		case Image:
			v.image, err = ParseImage(cell)
		}
		if err != nil {
			return createValues{}, inColumn(h, err)
		}
	}
	return v, nil
}

package mapping

import (
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
)

// The creates of the presets that build workloads from a row: what a person fills in is the
// name, the image and the preset's editable columns; the rest is what `kubectl create`
// would make (labels app=<name>, one container named after the image).

// rowCell parses a create row's cell with the tab's column of that header, in the column's
// own rules; a column the tab lacks reads as empty.
func rowCell(t Tab, cells map[string]string, header string, required bool) (string, error) {
	cell := cells[header]
	if required && strings.TrimSpace(cell) == "" {
		return "", inColumn(header, invalid("required"))
	}
	if c := t.Column(header); c != nil && c.Parse != nil {
		v, err := c.Parse(cell)
		if err != nil {
			return "", inColumn(header, err)
		}
		return v, nil
	}
	return strings.TrimSpace(cell), nil
}

// workloadBasics are the namespace, name (also the app label's value) and image of a row.
func workloadBasics(t Tab, cells map[string]string) (namespace, name, image string, err error) {
	if namespace, err = ParseNamespace(cells[Namespace]); err != nil {
		return "", "", "", inColumn(Namespace, err)
	}
	if name, err = ParseName(cells[Name]); err != nil {
		return "", "", "", inColumn(Name, err)
	}
	if msgs := validation.IsValidLabelValue(name); len(msgs) > 0 {
		return "", "", "", inColumn(Name, invalid(strings.Join(msgs, "; ")))
	}
	if image, err = ParseImage(cells[Image]); err != nil {
		return "", "", "", inColumn(Image, err)
	}
	return namespace, name, image, nil
}

// newStatefulSet builds the StatefulSet of a StatefulSets row: Namespace, Name, Image;
// Replicas (default 1).
func newStatefulSet(t Tab, cells map[string]string) (runtime.Object, error) {
	ns, name, image, err := workloadBasics(t, cells)
	if err != nil {
		return nil, err
	}
	replicas := int32(1)
	if v, err := rowCell(t, cells, Replicas, false); err != nil {
		return nil, err
	} else if v != "" {
		n, err := ParseReplicas(v)
		if err != nil {
			return nil, inColumn(Replicas, err)
		}
		replicas = n
	}
	labels := func() map[string]string { return map[string]string{AppLabel: name} }
	return &appsv1.StatefulSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels()},
		Spec: appsv1.StatefulSetSpec{
			Replicas:    &replicas,
			ServiceName: name,
			Selector:    &metav1.LabelSelector{MatchLabels: labels()},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels()},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: containerName(image), Image: image}}},
			},
		},
	}, nil
}

// newCronJob builds the CronJob of a CronJobs row: Namespace, Name, Image, Schedule;
// Suspend (default false). Its jobs run the image once, restarted on failure.
func newCronJob(t Tab, cells map[string]string) (runtime.Object, error) {
	ns, name, image, err := workloadBasics(t, cells)
	if err != nil {
		return nil, err
	}
	schedule, err := rowCell(t, cells, "Schedule", true)
	if err != nil {
		return nil, err
	}
	if t.Column("Schedule") == nil {
		if schedule, err = (ValueType{Type: TypeCron}).Parse(schedule); err != nil {
			return nil, inColumn("Schedule", err)
		}
	}
	suspend, err := rowCell(t, cells, "Suspend", false)
	if err != nil {
		return nil, err
	}
	s := suspend == "true"
	return &batchv1.CronJob{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "CronJob"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{AppLabel: name}},
		Spec: batchv1.CronJobSpec{
			Schedule: schedule,
			Suspend:  &s,
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{
				Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyOnFailure,
					Containers: []corev1.Container{{Name: containerName(image), Image: image}}},
			}}},
		},
	}, nil
}

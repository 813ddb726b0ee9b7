package validation

import (
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"reflect"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// updatablePodSpecFields is listed, in this order, in the Forbidden error a
// pod update that changes anything else gets.
var updatablePodSpecFields = []string{
	"`spec.containers[*].image`",
	"`spec.initContainers[*].image`",
	"`spec.activeDeadlineSeconds`",
	"`spec.tolerations` (only additions to existing tolerations)",
	"`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
}

// PodUpdateForbiddenMessage is the start of the detail of the spec Forbidden
// error for a pod update that changes an immutable field; the detail goes on
// with a newline and a rendering of what changed.
var PodUpdateForbiddenMessage = "pod updates may not change fields other than " + strings.Join(updatablePodSpecFields, ",")

func validatePodMetadataAndSpec(pod *corev1.Pod, opts podOptions) field.ErrorList {
	metaPath, specPath := field.NewPath("metadata"), field.NewPath("spec")
	errs := validateObjectMeta(&pod.ObjectMeta, true, apimachineryvalidation.NameIsDNSSubdomain)
	errs = append(errs, validatePodAnnotations(pod.Annotations, &pod.Spec, metaPath.Child("annotations"), opts)...)
	errs = append(errs, validatePodSpec(&pod.Spec, &pod.ObjectMeta, specPath, opts)...)
	if pod.Spec.ServiceAccountName == "" {
		for vi, v := range pod.Spec.Volumes {
			if v.Projected == nil {
				continue
			}
			for si, s := range v.Projected.Sources {
				if s.ServiceAccountToken != nil {
					errs = append(errs, field.Forbidden(specPath.Child("volumes").Index(vi).Child("projected", "sources").Index(si).Child("serviceAccountToken"),
						"must not be specified when serviceAccountName is not set"))
				}
			}
		}
	}
	for i, c := range pod.Spec.Containers {
		errs = append(errs, validateImageWhitespace(c.Image, specPath.Child("containers").Index(i).Child("image"))...)
	}
	for i, c := range pod.Spec.InitContainers {
		errs = append(errs, validateImageWhitespace(c.Image, specPath.Child("initContainers").Index(i).Child("image"))...)
	}
	return errs
}

func validatePodCreate(pod *corev1.Pod) field.ErrorList {
	errs := validatePodMetadataAndSpec(pod, podOptions{resourceIsPod: true})
	specPath := field.NewPath("spec")
	if len(pod.Spec.EphemeralContainers) > 0 {
		errs = append(errs, field.Forbidden(specPath.Child("ephemeralContainers"), "cannot be set on create"))
	}
	if pod.Spec.NodeName != "" && len(pod.Spec.SchedulingGates) != 0 {
		errs = append(errs, field.Forbidden(specPath.Child("nodeName"), "cannot be set until all schedulingGates have been cleared"))
	}
	return errs
}

func validatePodAnnotationUpdates(newPod, oldPod *corev1.Pod, fldPath *field.Path, opts podOptions) field.ErrorList {
	var errs field.ErrorList
	key := corev1.MirrorPodAnnotationKey
	oldVal, oldHas := oldPod.Annotations[key]
	newVal, newHas := newPod.Annotations[key]
	if oldHas && (!newHas || newVal != oldVal) {
		errs = append(errs, field.Forbidden(fldPath.Key(key), "may not remove or update mirror pod annotation"))
	}
	if newHas && !oldHas {
		errs = append(errs, field.Forbidden(fldPath.Key(key), "may not add mirror pod annotation"))
	}
	return append(errs, validatePodAnnotations(newPod.Annotations, &newPod.Spec, fldPath, opts)...)
}

func validateContainerImageUpdates(newContainers, oldContainers []corev1.Container, fldPath *field.Path) (field.ErrorList, bool) {
	if len(newContainers) != len(oldContainers) {
		return field.ErrorList{field.Forbidden(fldPath, "pod updates may not add or remove containers")}, true
	}
	var errs field.ErrorList
	for i, c := range newContainers {
		if c.Image == "" {
			errs = append(errs, field.Required(fldPath.Index(i).Child("image"), ""))
		}
		errs = append(errs, validateImageWhitespace(c.Image, fldPath.Index(i).Child("image"))...)
	}
	return errs, false
}

func validatePodUpdate(newPod, oldPod *corev1.Pod) field.ErrorList {
	metaPath, specPath := field.NewPath("metadata"), field.NewPath("spec")
	opts := podOptions{resourceIsPod: true, allowInvalidPodDeletionCost: !validDeletionCost(oldPod.Annotations)}
	errs := validateObjectMetaUpdate(&newPod.ObjectMeta, &oldPod.ObjectMeta)
	errs = append(errs, validatePodMetadataAndSpec(newPod, opts)...)
	errs = append(errs, validatePodAnnotationUpdates(newPod, oldPod, metaPath.Child("annotations"), opts)...)

	containerErrs, stop := validateContainerImageUpdates(newPod.Spec.Containers, oldPod.Spec.Containers, specPath.Child("containers"))
	errs = append(errs, containerErrs...)
	if stop {
		return errs
	}
	containerErrs, stop = validateContainerImageUpdates(newPod.Spec.InitContainers, oldPod.Spec.InitContainers, specPath.Child("initContainers"))
	errs = append(errs, containerErrs...)
	if stop {
		return errs
	}

	// activeDeadlineSeconds may go from nil to a value, or down to a smaller one.
	if v := newPod.Spec.ActiveDeadlineSeconds; v != nil {
		if *v < 0 || *v > math.MaxInt32 {
			return append(errs, field.Invalid(specPath.Child("activeDeadlineSeconds"), *v, validation.InclusiveRangeError(0, math.MaxInt32)))
		}
		if old := oldPod.Spec.ActiveDeadlineSeconds; old != nil && *old < *v {
			return append(errs, field.Invalid(specPath.Child("activeDeadlineSeconds"), *v, "must be less than or equal to previous value"))
		}
	} else if oldPod.Spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, field.Invalid(specPath.Child("activeDeadlineSeconds"), newPod.Spec.ActiveDeadlineSeconds, "must not update from a positive integer to nil value"))
	}
	errs = append(errs, validateOnlyAddedTolerations(newPod.Spec.Tolerations, oldPod.Spec.Tolerations, specPath.Child("tolerations"))...)
	errs = append(errs, validateOnlyDeletedSchedulingGates(newPod.Spec.SchedulingGates, oldPod.Spec.SchedulingGates, specPath.Child("schedulingGates"))...)

	if semanticEqual(newPod.Spec, oldPod.Spec) {
		return errs
	}
	munged := *newPod.Spec.DeepCopy()
	for i := range munged.Containers {
		munged.Containers[i].Image = oldPod.Spec.Containers[i].Image
	}
	for i := range munged.InitContainers {
		munged.InitContainers[i].Image = oldPod.Spec.InitContainers[i].Image
	}
	munged.ActiveDeadlineSeconds = nil
	if old := oldPod.Spec.ActiveDeadlineSeconds; old != nil {
		munged.ActiveDeadlineSeconds = ptrTo(*old)
	}
	munged.SchedulingGates = oldPod.Spec.SchedulingGates
	munged.Tolerations = oldPod.Spec.Tolerations
	if old := oldPod.Spec.TerminationGracePeriodSeconds; old != nil && *old < 0 &&
		munged.TerminationGracePeriodSeconds != nil && *munged.TerminationGracePeriodSeconds == 1 {
		munged.TerminationGracePeriodSeconds = old
	}
	// A pod that is still gated may gain node selector entries.
	if len(oldPod.Spec.SchedulingGates) > 0 && !equality.Semantic.DeepEqual(munged.NodeSelector, oldPod.Spec.NodeSelector) {
		for k, v := range oldPod.Spec.NodeSelector {
			if nv, ok := munged.NodeSelector[k]; !ok || nv != v {
				errs = append(errs, field.Invalid(specPath.Child("nodeSelector").Key(k), nv, "field is immutable"))
			}
		}
		munged.NodeSelector = oldPod.Spec.NodeSelector
	}
	if !semanticEqual(munged, oldPod.Spec) {
		errs = append(errs, field.Forbidden(specPath, PodUpdateForbiddenMessage+"\n"+podSpecDiff(oldPod.Spec, munged)))
	}
	return errs
}

// podSpecDiff renders the top-level PodSpec fields that differ. Upstream
// renders a go-cmp diff of its internal type, whose text go-cmp deliberately
// keeps unstable; this keeps the shape (a "- old" / "+ new" line per field).
func podSpecDiff(oldSpec, newSpec corev1.PodSpec) string {
	var b strings.Builder
	b.WriteString("  core.PodSpec{\n")
	ov, nv := reflect.ValueOf(oldSpec), reflect.ValueOf(newSpec)
	identical := 0
	for i := 0; i < ov.NumField(); i++ {
		o, n := ov.Field(i).Interface(), nv.Field(i).Interface()
		if equality.Semantic.DeepEqual(o, n) {
			identical++
			continue
		}
		if identical > 0 {
			fmt.Fprintf(&b, "  \t... // %d identical fields\n", identical)
			identical = 0
		}
		name := ov.Type().Field(i).Name
		fmt.Fprintf(&b, "- \t%s: %s,\n+ \t%s: %s,\n", name, renderValue(o), name, renderValue(n))
	}
	if identical > 0 {
		fmt.Fprintf(&b, "  \t... // %d identical fields\n", identical)
	}
	b.WriteString("  }\n")
	return b.String()
}

func renderValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return "nil"
	}
	return string(b)
}

func validateOnlyAddedTolerations(newTolerations, oldTolerations []corev1.Toleration, fldPath *field.Path) field.ErrorList {
	for _, old := range oldTolerations {
		found := false
		for _, t := range newTolerations {
			candidate := old
			candidate.TolerationSeconds = t.TolerationSeconds
			if reflect.DeepEqual(candidate, t) {
				found = true
				break
			}
		}
		if !found {
			return field.ErrorList{field.Forbidden(fldPath, "existing toleration can not be modified except its tolerationSeconds")}
		}
	}
	return validateTolerations(newTolerations, fldPath)
}

func validateOnlyDeletedSchedulingGates(newGates, oldGates []corev1.PodSchedulingGate, fldPath *field.Path) field.ErrorList {
	old := sets.New[string]()
	for _, g := range oldGates {
		old.Insert(g.Name)
	}
	var errs field.ErrorList
	for i, g := range newGates {
		if !old.Has(g.Name) {
			errs = append(errs, field.Forbidden(fldPath.Index(i).Child("name"), fmt.Sprintf("only deletion is allowed, but found new scheduling gate '%s'", g.Name)))
		}
	}
	return errs
}

func validatePodStatusUpdate(newPod, oldPod *corev1.Pod) field.ErrorList {
	metaPath, statusPath := field.NewPath("metadata"), field.NewPath("status")
	opts := podOptions{resourceIsPod: true, allowInvalidPodDeletionCost: !validDeletionCost(oldPod.Annotations)}
	errs := validateObjectMetaUpdate(&newPod.ObjectMeta, &oldPod.ObjectMeta)
	errs = append(errs, validatePodAnnotationUpdates(newPod, oldPod, metaPath.Child("annotations"), opts)...)
	system := sets.New(corev1.PodScheduled, corev1.PodReady, corev1.PodInitialized)
	for i, c := range newPod.Status.Conditions {
		if !system.Has(c.Type) {
			// Upstream reports these under metadata.conditions.
			errs = append(errs, validateQualifiedName(string(c.Type), metaPath.Child("conditions").Index(i).Child("Type"))...)
		}
	}
	if newPod.Spec.NodeName != oldPod.Spec.NodeName {
		errs = append(errs, field.Forbidden(statusPath.Child("nodeName"), "may not be changed directly"))
	}
	if n := newPod.Status.NominatedNodeName; n != oldPod.Status.NominatedNodeName && n != "" {
		errs = append(errs, validateNameWith(apimachineryvalidation.NameIsDNSSubdomain, n, statusPath.Child("nominatedNodeName"))...)
	}
	errs = append(errs, apimachineryvalidation.ValidateImmutableField(newPod.Status.QOSClass, oldPod.Status.QOSClass, statusPath.Child("qosClass"))...)
	errs = append(errs, validateContainerStateTransition(newPod.Status.ContainerStatuses, oldPod.Status.ContainerStatuses, statusPath.Child("containerStatuses"), oldPod.Spec.RestartPolicy)...)
	errs = append(errs, validateContainerStateTransition(newPod.Status.EphemeralContainerStatuses, oldPod.Status.EphemeralContainerStatuses, statusPath.Child("ephemeralContainerStatuses"), corev1.RestartPolicyNever)...)

	podIPs := make([]string, len(newPod.Status.PodIPs))
	for i, ip := range newPod.Status.PodIPs {
		podIPs[i] = ip.IP
	}
	errs = append(errs, validateIPList(podIPs, newPod.Status.PodIPs, statusPath.Child("podIPs"))...)
	if hostIPs := newPod.Status.HostIPs; len(hostIPs) > 0 {
		p := statusPath.Child("hostIPs")
		if newPod.Status.HostIP != hostIPs[0].IP {
			errs = append(errs, field.Invalid(p.Index(0).Child("ip"), hostIPs[0].IP, "must be equal to `hostIP`"))
		}
		ips := make([]string, len(hostIPs))
		for i, ip := range hostIPs {
			ips[i] = ip.IP
		}
		errs = append(errs, validateIPList(ips, hostIPs, p)...)
	}
	return errs
}

// validateIPList checks a status IP list: valid addresses, no duplicates and
// at most one of each family.
func validateIPList(ips []string, value any, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, ip := range ips {
		errs = append(errs, validation.IsValidIP(fldPath.Index(i), ip)...)
	}
	if len(ips) < 2 {
		return errs
	}
	v4, v6 := 0, 0
	for _, ip := range ips {
		if addr, err := netip.ParseAddr(ip); err == nil {
			if addr.Is4() {
				v4++
			} else {
				v6++
			}
		}
	}
	if len(ips) > 2 || v4 != 1 || v6 != 1 {
		errs = append(errs, field.Invalid(fldPath, value, "may specify no more than one IP for each IP family"))
	}
	seen := sets.New[string]()
	for i, ip := range ips {
		if seen.Has(ip) {
			errs = append(errs, field.Duplicate(fldPath.Index(i), reflect.ValueOf(value).Index(i).Interface()))
		}
		seen.Insert(ip)
	}
	return errs
}

func validateContainerStateTransition(newStatuses, oldStatuses []corev1.ContainerStatus, fldPath *field.Path, restartPolicy corev1.RestartPolicy) field.ErrorList {
	if restartPolicy == corev1.RestartPolicyAlways {
		return nil
	}
	var errs field.ErrorList
	for i, old := range oldStatuses {
		if old.State.Terminated == nil || (old.State.Terminated.ExitCode != 0 && restartPolicy == corev1.RestartPolicyOnFailure) {
			continue
		}
		for _, s := range newStatuses {
			if s.Name == old.Name && s.State.Terminated == nil {
				errs = append(errs, field.Forbidden(fldPath.Index(i).Child("state"), "may not be transitioned to non-terminated state"))
			}
		}
	}
	return errs
}

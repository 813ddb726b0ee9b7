package printers

import (
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	extensionsv1beta1 "k8s.io/api/extensions/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Column descriptions are the ones kube-apiserver publishes: most come from
// the API types' swagger documentation, a few are fixed sentences.
var (
	objectMetaDoc = metav1.ObjectMeta{}.SwaggerDoc()

	nameDoc = objectMetaDoc["name"]
	ageDoc  = objectMetaDoc["creationTimestamp"]

	containersDoc = "Names of each container in the template."
	imagesDoc     = "Images referenced by each container in the template."
)

// Column priorities: 0 is shown by default, 1 only with `-o wide`.
const (
	standard int32 = 0
	wide     int32 = 1
)

func nameColumn() metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: "Name", Type: "string", Format: "name", Description: nameDoc}
}

func ageColumn() metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: "Age", Type: "string", Description: ageDoc}
}

func column(name, typ string, priority int32, description string) metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: name, Type: typ, Priority: priority, Description: description}
}

// Each columns slice below is shared and never modified; tables get a copy
// (see columnsFor).
var (
	podColumns = []metav1.TableColumnDefinition{
		nameColumn(),
		column("Ready", "string", standard, "The aggregate readiness state of this pod for accepting traffic."),
		column("Status", "string", standard, "The aggregate status of the containers in this pod."),
		column("Restarts", "string", standard, "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
		ageColumn(),
		column("IP", "string", wide, corev1.PodStatus{}.SwaggerDoc()["podIP"]),
		column("Node", "string", wide, corev1.PodSpec{}.SwaggerDoc()["nodeName"]),
		column("Nominated Node", "string", wide, corev1.PodStatus{}.SwaggerDoc()["nominatedNodeName"]),
		column("Readiness Gates", "string", wide, corev1.PodSpec{}.SwaggerDoc()["readinessGates"]),
	}

	deploymentColumns = []metav1.TableColumnDefinition{
		nameColumn(),
		column("Ready", "string", standard, "Number of the pod with ready state"),
		column("Up-to-date", "string", standard, extensionsv1beta1.DeploymentStatus{}.SwaggerDoc()["updatedReplicas"]),
		column("Available", "string", standard, extensionsv1beta1.DeploymentStatus{}.SwaggerDoc()["availableReplicas"]),
		ageColumn(),
		column("Containers", "string", wide, containersDoc),
		column("Images", "string", wide, imagesDoc),
		column("Selector", "string", wide, extensionsv1beta1.DeploymentSpec{}.SwaggerDoc()["selector"]),
	}

	replicaSetColumns = []metav1.TableColumnDefinition{
		nameColumn(),
		column("Desired", "integer", standard, extensionsv1beta1.ReplicaSetSpec{}.SwaggerDoc()["replicas"]),
		column("Current", "integer", standard, extensionsv1beta1.ReplicaSetStatus{}.SwaggerDoc()["replicas"]),
		column("Ready", "integer", standard, extensionsv1beta1.ReplicaSetStatus{}.SwaggerDoc()["readyReplicas"]),
		ageColumn(),
		column("Containers", "string", wide, containersDoc),
		column("Images", "string", wide, imagesDoc),
		column("Selector", "string", wide, extensionsv1beta1.ReplicaSetSpec{}.SwaggerDoc()["selector"]),
	}

	// scaleColumns: upstream's NAME column for Scale carries no "name" format.
	scaleColumns = []metav1.TableColumnDefinition{
		column("Name", "string", standard, nameDoc),
		column("Desired", "integer", standard, autoscalingv1.ScaleSpec{}.SwaggerDoc()["replicas"]),
		column("Available", "integer", standard, autoscalingv1.ScaleStatus{}.SwaggerDoc()["replicas"]),
		ageColumn(),
	}

	namespaceColumns = []metav1.TableColumnDefinition{
		nameColumn(),
		column("Status", "string", standard, "The status of the namespace"),
		ageColumn(),
	}

	nodeColumns = []metav1.TableColumnDefinition{
		nameColumn(),
		column("Status", "string", standard, "The status of the node"),
		column("Roles", "string", standard, "The roles of the node"),
		ageColumn(),
		column("Version", "string", standard, corev1.NodeSystemInfo{}.SwaggerDoc()["kubeletVersion"]),
		column("Internal-IP", "string", wide, corev1.NodeStatus{}.SwaggerDoc()["addresses"]),
		column("External-IP", "string", wide, corev1.NodeStatus{}.SwaggerDoc()["addresses"]),
		column("OS-Image", "string", wide, corev1.NodeSystemInfo{}.SwaggerDoc()["osImage"]),
		column("Kernel-Version", "string", wide, corev1.NodeSystemInfo{}.SwaggerDoc()["kernelVersion"]),
		column("Container-Runtime", "string", wide, corev1.NodeSystemInfo{}.SwaggerDoc()["containerRuntimeVersion"]),
	}

	leaseColumns = []metav1.TableColumnDefinition{
		nameColumn(),
		column("Holder", "string", standard, coordinationv1.LeaseSpec{}.SwaggerDoc()["holderIdentity"]),
		ageColumn(),
	}

	// defaultColumns are those of kube-apiserver's default table convertor,
	// used for every kind without a printer of its own.
	defaultColumns = []metav1.TableColumnDefinition{
		nameColumn(),
		column("Created At", "date", standard, ageDoc),
	}
)

// columnsFor returns a copy of cols, or nil when the caller asked for no headers.
func columnsFor(cols []metav1.TableColumnDefinition, noHeaders bool) []metav1.TableColumnDefinition {
	if noHeaders {
		return nil
	}
	return append([]metav1.TableColumnDefinition(nil), cols...)
}

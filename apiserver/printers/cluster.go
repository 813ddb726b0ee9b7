package printers

import (
	"sort"
	"strings"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// namespaceRow renders NAME STATUS AGE.
func (c *converter) namespaceRow(ns *corev1.Namespace) metav1.TableRow {
	return c.row(ns, ns.Name, string(ns.Status.Phase), c.age(ns.CreationTimestamp))
}

// leaseRow renders NAME HOLDER AGE.
func (c *converter) leaseRow(l *coordinationv1.Lease) metav1.TableRow {
	holder := ""
	if l.Spec.HolderIdentity != nil {
		holder = *l.Spec.HolderIdentity
	}
	return c.row(l, l.Name, holder, c.age(l.CreationTimestamp))
}

// Labels that give a node its roles (kubectl's ROLES column).
const (
	nodeRoleLabelPrefix = "node-role.kubernetes.io/"
	nodeRoleLabel       = "kubernetes.io/role"
)

// nodeRow renders NAME STATUS ROLES AGE VERSION INTERNAL-IP EXTERNAL-IP
// OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME.
func (c *converter) nodeRow(n *corev1.Node) metav1.TableRow {
	info := &n.Status.NodeInfo
	return c.row(n,
		n.Name,
		nodeStatus(n),
		orNone(strings.Join(nodeRoles(n), ",")),
		c.age(n.CreationTimestamp),
		info.KubeletVersion,
		orNone(nodeAddress(n, corev1.NodeInternalIP)),
		orNone(nodeAddress(n, corev1.NodeExternalIP)),
		orUnknown(info.OSImage),
		orUnknown(info.KernelVersion),
		orUnknown(info.ContainerRuntimeVersion),
	)
}

// nodeStatus is Ready, NotReady or Unknown (no Ready condition), followed by
// SchedulingDisabled for a cordoned node.
func nodeStatus(n *corev1.Node) string {
	status := "Unknown"
	// The last Ready condition wins, as with upstream's condition map.
	for i := range n.Status.Conditions {
		if cond := &n.Status.Conditions[i]; cond.Type == corev1.NodeReady {
			if cond.Status == corev1.ConditionTrue {
				status = string(corev1.NodeReady)
			} else {
				status = "Not" + string(corev1.NodeReady)
			}
		}
	}
	if n.Spec.Unschedulable {
		status += ",SchedulingDisabled"
	}
	return status
}

// nodeRoles returns the sorted, distinct roles named by the node's
// node-role.kubernetes.io/<role> and kubernetes.io/role=<role> labels.
func nodeRoles(n *corev1.Node) []string {
	var roles []string
	for k, v := range n.Labels {
		switch {
		case strings.HasPrefix(k, nodeRoleLabelPrefix):
			if role := strings.TrimPrefix(k, nodeRoleLabelPrefix); role != "" {
				roles = append(roles, role)
			}
		case k == nodeRoleLabel && v != "":
			roles = append(roles, v)
		}
	}
	sort.Strings(roles)
	out := roles[:0]
	for i, r := range roles {
		if i == 0 || r != roles[i-1] {
			out = append(out, r)
		}
	}
	return out
}

// nodeAddress returns the node's first address of type t.
func nodeAddress(n *corev1.Node, t corev1.NodeAddressType) string {
	for _, a := range n.Status.Addresses {
		if a.Type == t {
			return a.Address
		}
	}
	return ""
}

package controllers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/wait"
)

// What the simulated node says about itself.
const (
	kubeletVersion          = "v1.37.2-sheetops"
	containerRuntimeVersion = "sheetops://1.0"
	osImage                 = "SheetOps simulated node"
	kernelVersion           = "6.1.0-sheetops"
	nodeLeaseNamespace      = corev1.NamespaceNodeLease
	// leaseDurationSeconds is the kubelet's default nodeLeaseDurationSeconds.
	leaseDurationSeconds = 40
	// leaseRenewInterval is how often the Lease is renewed.
	leaseRenewInterval = 10 * time.Second
	// nodeStatusInterval is how often the Node's conditions get a fresh heartbeat.
	nodeStatusInterval = time.Minute
)

// heartbeat registers the node, then renews its Lease every 10 s and its status every
// minute, until ctx ends. Failures are retried with back-off and logged once until recovery.
func (k *kubelet) heartbeat(ctx context.Context) {
	bootID := string(uuid.NewUUID())
	var node *corev1.Node
	backoff := wait.Backoff{Duration: 200 * time.Millisecond, Factor: 2, Jitter: 0.1, Steps: 1 << 30, Cap: 10 * time.Second}
	failing := false
	_ = wait.ExponentialBackoffWithContext(ctx, backoff, func(ctx context.Context) (bool, error) {
		n, err := k.registerNode(ctx, bootID)
		if err != nil {
			if !failing && ctx.Err() == nil {
				k.log.Warn("register node failed, retrying", "err", err)
			}
			failing = true
			return false, nil
		}
		node = n
		return true, nil
	})
	if node == nil {
		return
	}
	if failing {
		k.log.Info("node registered after retries")
	}
	k.log.Debug("node registered", "uid", node.UID)

	renew := func() {
		if err := k.renewLease(ctx, node); err != nil && ctx.Err() == nil {
			if !failing {
				k.log.Warn("renew node lease failed", "err", err)
			}
			failing = true
			return
		}
		if failing {
			k.log.Info("node lease renewed again")
		}
		failing = false
	}
	failing = false
	renew()
	lease := time.NewTicker(leaseRenewInterval)
	defer lease.Stop()
	status := time.NewTicker(nodeStatusInterval)
	defer status.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-lease.C:
			renew()
		case <-status.C:
			if n, err := k.updateNodeStatus(ctx, node.Name, bootID); err == nil {
				node = n
			} else if ctx.Err() == nil {
				k.log.Debug("node status update failed", "err", err)
			}
		}
	}
}

// registerNode creates the Node when it does not exist and writes its status.
func (k *kubelet) registerNode(ctx context.Context, bootID string) (*corev1.Node, error) {
	nodes := k.client.CoreV1().Nodes()
	_, err := nodes.Get(ctx, k.opts.NodeName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = nodes.Create(ctx, newNode(k.opts.NodeName), metav1.CreateOptions{FieldManager: kubeletName})
		if apierrors.IsAlreadyExists(err) {
			err = nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("register node %s: %w", k.opts.NodeName, err)
	}
	return k.updateNodeStatus(ctx, k.opts.NodeName, bootID)
}

// updateNodeStatus writes the node's status with a fresh heartbeat.
func (k *kubelet) updateNodeStatus(ctx context.Context, name, bootID string) (*corev1.Node, error) {
	nodes := k.client.CoreV1().Nodes()
	node, err := nodes.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	node = node.DeepCopy()
	node.Status = nodeStatus(node, bootID, k.now())
	updated, err := nodes.UpdateStatus(ctx, node, metav1.UpdateOptions{FieldManager: kubeletName})
	if err != nil {
		return nil, fmt.Errorf("update status of node %s: %w", name, err)
	}
	return updated, nil
}

func newNode(name string) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: name,
			Labels: map[string]string{
				corev1.LabelHostname:      name,
				corev1.LabelOSStable:      "linux",
				corev1.LabelArchStable:    runtime.GOARCH,
				"beta.kubernetes.io/os":   "linux",
				"beta.kubernetes.io/arch": runtime.GOARCH,
			},
			Annotations: map[string]string{
				"node.alpha.kubernetes.io/ttl":                           "0",
				"volumes.kubernetes.io/controller-managed-attach-detach": "true",
			},
		},
		Spec: corev1.NodeSpec{PodCIDR: podCIDR, PodCIDRs: []string{podCIDR}},
	}
}

// nodeStatus is the status the kubelet reports: Ready, no pressure, its addresses, capacity
// and versions; the conditions keep their transition times and get a new heartbeat.
func nodeStatus(node *corev1.Node, bootID string, now time.Time) corev1.NodeStatus {
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("8"),
		corev1.ResourceMemory: resource.MustParse("32Gi"),
		corev1.ResourcePods:   resource.MustParse("250"),
	}
	t := metav1.NewTime(now)
	cond := func(typ corev1.NodeConditionType, status corev1.ConditionStatus, reason, message string) corev1.NodeCondition {
		c := corev1.NodeCondition{Type: typ, Status: status, Reason: reason, Message: message, LastHeartbeatTime: t, LastTransitionTime: t}
		for _, old := range node.Status.Conditions {
			if old.Type == typ && old.Status == status {
				c.LastTransitionTime = old.LastTransitionTime
			}
		}
		return c
	}
	machine := sha256.Sum256([]byte("sheetops-machine/" + node.Name))
	return corev1.NodeStatus{
		Capacity:    capacity,
		Allocatable: capacity.DeepCopy(),
		Conditions: []corev1.NodeCondition{
			cond(corev1.NodeMemoryPressure, corev1.ConditionFalse, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
			cond(corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
			cond(corev1.NodePIDPressure, corev1.ConditionFalse, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
			cond(corev1.NodeReady, corev1.ConditionTrue, "KubeletReady", "kubelet is posting ready status"),
		},
		Addresses: []corev1.NodeAddress{
			{Type: corev1.NodeInternalIP, Address: hostIP},
			{Type: corev1.NodeHostName, Address: node.Name},
		},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: 10250}},
		NodeInfo: corev1.NodeSystemInfo{
			MachineID:               hex.EncodeToString(machine[:16]),
			SystemUUID:              fmt.Sprintf("%x-%x-%x-%x-%x", machine[16:20], machine[20:22], machine[22:24], machine[24:26], machine[26:32]),
			BootID:                  bootID,
			KernelVersion:           kernelVersion,
			OSImage:                 osImage,
			ContainerRuntimeVersion: containerRuntimeVersion,
			KubeletVersion:          kubeletVersion,
			OperatingSystem:         "linux",
			Architecture:            runtime.GOARCH,
		},
	}
}

// renewLease creates or renews the node's Lease in kube-node-lease, owned by the Node.
func (k *kubelet) renewLease(ctx context.Context, node *corev1.Node) error {
	leases := k.client.CoordinationV1().Leases(nodeLeaseNamespace)
	now := metav1.NewMicroTime(k.now())
	holder := node.Name
	duration := int32(leaseDurationSeconds)
	lease, err := leases.Get(ctx, node.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = leases.Create(ctx, &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{
				Name: node.Name, Namespace: nodeLeaseNamespace,
				OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: node.Name, UID: node.UID}},
			},
			Spec: coordinationv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &duration, RenewTime: &now},
		}, metav1.CreateOptions{FieldManager: kubeletName})
		return err
	}
	if err != nil {
		return err
	}
	lease = lease.DeepCopy()
	lease.Spec.HolderIdentity, lease.Spec.LeaseDurationSeconds, lease.Spec.RenewTime = &holder, &duration, &now
	if len(lease.OwnerReferences) == 0 {
		lease.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: node.Name, UID: node.UID}}
	}
	_, err = leases.Update(ctx, lease, metav1.UpdateOptions{FieldManager: kubeletName})
	return err
}
